use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The server's 32-byte secret. Purpose-specific keys are derived from it, so one secret serves CSRF,
/// signed URLs and (later) encryption at rest without reusing a key. `Debug` never prints it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SecretKeyError {
    #[error(
        "the secret key must be 32 bytes written as 64 hexadecimal digits or 43 base64url characters"
    )]
    Malformed,
}

impl SecretKey {
    pub fn generate() -> SecretKey {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        SecretKey(bytes)
    }

    /// Parses 64 hex digits or unpadded base64url (what [`SecretKey::encode`] writes).
    pub fn parse(text: &str) -> Result<SecretKey, SecretKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
        } else {
            URL_SAFE_NO_PAD.decode(text).ok()
        };
        let bytes: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or(SecretKeyError::Malformed)?;
        Ok(SecretKey(bytes))
    }

    pub fn encode(&self) -> String {
        b64(&self.0)
    }

    fn mac(&self, purpose: &str, message: &[u8]) -> HmacSha256 {
        let mut derive = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        derive.update(purpose.as_bytes());
        let subkey = derive.finalize().into_bytes();
        let mut mac = HmacSha256::new_from_slice(&subkey).expect("HMAC takes any key length");
        mac.update(message);
        mac
    }

    /// A 32-byte key for one purpose (sealing stored secrets, say), derived so that no two purposes
    /// share key material and the server secret itself is never used directly.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut derive = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        derive.update(b"derive-key:");
        derive.update(purpose.as_bytes());
        derive.finalize().into_bytes().into()
    }

    pub fn mac_b64(&self, purpose: &str, message: &[u8]) -> String {
        b64(&self.mac(purpose, message).finalize().into_bytes())
    }

    pub fn verify_mac_b64(&self, purpose: &str, message: &[u8], expected: &str) -> bool {
        let actual = self.mac_b64(purpose, message);
        actual.as_bytes().ct_eq(expected.as_bytes()).into()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_encodes_and_hex() {
        let key = SecretKey::generate();
        let again = SecretKey::parse(&key.encode()).unwrap();
        assert_eq!(key.mac_b64("x", b"m"), again.mac_b64("x", b"m"));
        let hex = "00".repeat(32);
        assert!(SecretKey::parse(&hex).is_ok());
        assert_eq!(
            SecretKey::parse("short").unwrap_err(),
            SecretKeyError::Malformed
        );
        assert_eq!(
            SecretKey::parse(&"zz".repeat(32)).unwrap_err(),
            SecretKeyError::Malformed
        );
    }

    #[test]
    fn purposes_do_not_share_macs_and_debug_is_redacted() {
        let key = SecretKey::generate();
        assert_ne!(key.mac_b64("csrf", b"m"), key.mac_b64("content", b"m"));
        assert!(key.verify_mac_b64("csrf", b"m", &key.mac_b64("csrf", b"m")));
        assert!(!key.verify_mac_b64("csrf", b"n", &key.mac_b64("csrf", b"m")));
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    }
}
