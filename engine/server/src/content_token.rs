//! Signed, expiring tokens in content URLs. The player usually runs inside an LMS iframe where
//! third-party cookies are blocked, so content is authorised by the path itself:
//! `/content/<token>/<version>/<file path>`. Relative links inside a SCO keep the prefix, so they work.

use std::sync::Arc;

use accounts::{Clock, SecretKey};

#[derive(Clone)]
pub struct ContentTokens {
    secret: SecretKey,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the content link is malformed")]
    Malformed,
    #[error("the content link has expired; reopen the course from Rampart")]
    Expired,
    #[error("the content link is not valid for this package")]
    BadSignature,
}

impl ContentTokens {
    pub fn new(secret: SecretKey, clock: Arc<dyn Clock>) -> ContentTokens {
        ContentTokens { secret, clock }
    }

    fn message(version_id: i64, user_id: i64, expires: i64) -> String {
        format!("v{version_id}:u{user_id}:e{expires}")
    }

    /// A token letting `user_id` read package version `version_id` for `ttl_secs`.
    pub fn issue(&self, version_id: i64, user_id: i64, ttl_secs: i64) -> String {
        let expires = self.clock.now() + ttl_secs;
        let mac = self.secret.mac_b64(
            "content",
            Self::message(version_id, user_id, expires).as_bytes(),
        );
        format!("{expires}-{user_id}-{mac}")
    }

    /// The user a token was issued to, if it is genuine, unexpired and for this version.
    pub fn verify(&self, token: &str, version_id: i64) -> Result<i64, TokenError> {
        let mut parts = token.splitn(3, '-');
        let (Some(expires), Some(user), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let expires: i64 = expires.parse().map_err(|_| TokenError::Malformed)?;
        let user_id: i64 = user.parse().map_err(|_| TokenError::Malformed)?;
        if !self.secret.verify_mac_b64(
            "content",
            Self::message(version_id, user_id, expires).as_bytes(),
            mac,
        ) {
            return Err(TokenError::BadSignature);
        }
        if self.clock.now() >= expires {
            return Err(TokenError::Expired);
        }
        Ok(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accounts::ManualClock;

    #[test]
    fn tokens_are_bound_to_version_and_time() {
        let clock = Arc::new(ManualClock::new(1000));
        let tokens = ContentTokens::new(SecretKey::generate(), clock.clone());
        let token = tokens.issue(7, 42, 60);
        assert_eq!(tokens.verify(&token, 7), Ok(42));
        assert_eq!(tokens.verify(&token, 8), Err(TokenError::BadSignature));
        assert_eq!(
            tokens.verify(&token.replacen("-42-", "-43-", 1), 7),
            Err(TokenError::BadSignature)
        );
        assert_eq!(tokens.verify("nonsense", 7), Err(TokenError::Malformed));
        clock.advance(60);
        assert_eq!(tokens.verify(&token, 7), Err(TokenError::Expired));
        let other_server = ContentTokens::new(SecretKey::generate(), clock);
        assert_eq!(
            other_server.verify(&tokens.issue(7, 42, 60), 7),
            Err(TokenError::BadSignature)
        );
    }
}
