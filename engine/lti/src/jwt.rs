//! The tool's RS256 signing key and the raw JWT pieces shared by the modules.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The tool's RSA private key with the `kid` it is published under in the tool's JWKS.
///
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    key: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a signing key could not be loaded or used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SigningKeyError {
    #[error(
        "the tool's private key is not an RSA private key in PEM (PKCS#1 or PKCS#8); check the key file configured for LTI"
    )]
    NotRsaPem,
    #[error("the tool's key id (kid) is empty; configure the kid published in the tool's JWKS")]
    EmptyKid,
    #[error(
        "signing with the tool's key failed; check that the configured key is a usable RSA key"
    )]
    Signing,
}

impl SigningKey {
    /// Loads an RSA private key from PEM (PKCS#1 or PKCS#8).
    pub fn from_rsa_pem(kid: impl Into<String>, pem: &[u8]) -> Result<Self, SigningKeyError> {
        let kid = kid.into();
        if kid.is_empty() {
            return Err(SigningKeyError::EmptyKid);
        }
        let key = EncodingKey::from_rsa_pem(pem).map_err(|_| SigningKeyError::NotRsaPem)?;
        Ok(Self { kid, key })
    }

    /// The key id put in the JWT header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as a compact JWT with `alg: RS256`, `typ: JWT` and this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SigningKeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|_| SigningKeyError::Signing)
    }
}

/// A compact JWS split into its parts, with header and claims decoded as JSON but nothing verified.
pub(crate) struct RawJwt<'a> {
    pub header: serde_json::Value,
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// `base64(header) . base64(claims)`: what the signature covers.
    pub signed: &'a str,
    pub signature: &'a str,
}

pub(crate) fn split(token: &str) -> Option<RawJwt<'_>> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, claims) = signed.split_once('.')?;
    if claims.contains('.') {
        return None;
    }
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    Some(RawJwt {
        header,
        claims,
        signed,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loading_keys() {
        let pem = include_bytes!("../tests/data/tool.key.pem");
        let key = SigningKey::from_rsa_pem("tool-key-1", pem).unwrap();
        assert_eq!(key.kid(), "tool-key-1");
        let shown = format!("{key:?}");
        assert!(shown.contains("tool-key-1") && !shown.contains("PRIVATE"));
        assert_eq!(
            SigningKey::from_rsa_pem("", pem).unwrap_err(),
            SigningKeyError::EmptyKid
        );
        assert_eq!(
            SigningKey::from_rsa_pem("k", b"not a key").unwrap_err(),
            SigningKeyError::NotRsaPem
        );
    }

    #[test]
    fn splitting() {
        assert!(split("a.b").is_none());
        assert!(split("a.b.c.d").is_none());
        assert!(
            split("e30.e30.").is_some(),
            "{{}}.{{}}. with an empty signature"
        );
        assert!(split("e30.W10.x").is_none(), "claims must be an object");
    }
}
