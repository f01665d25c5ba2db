//! The pure core of Rampart's LTI support: LTI 1.3 Advantage (OIDC login, launches, deep linking, the
//! client assertion for service tokens, Assignment and Grade Services, Names and Role Provisioning,
//! Dynamic Registration) and LTI 1.1 (OAuth 1.0a signed launches, Basic Outcomes).
//!
//! This crate owns the protocol rules: what a message must contain, how it is verified and signed, and
//! what Rampart role and data it maps to. It must do **no I/O**: no network, no clock, no randomness, no
//! files, no storage and no HTTP types. Times (Unix seconds), random values (state, nonces, `jti`), keys
//! and fetched key sets are handed in by the caller (the server), which also does the single-use checks
//! on the nonces this crate returns. Errors say what is wrong and what to tell the LMS administrator, and
//! never print token contents or secrets.
//!
//! Tests replay recorded cases: LTI 1.3 launches in `tests/cases/` and LTI 1.1 launches in
//! `tests/cases/lti11/`, made once by the `#[ignore]`d generators `tests/generate_cases.rs` and
//! `tests/generate_lti11_cases.rs` with the test keys in `tests/data/`.

pub mod ags;
pub mod claims;
pub mod client_assertion;
pub mod deep_linking;
mod jwt;
pub mod launch;
pub mod lti11;
pub mod nrps;
pub mod oidc;
pub mod registration;
pub mod roles;

pub use jsonwebtoken::jwk::JwkSet;
pub use jwt::{SigningKey, SigningKeyError};
pub use oidc::Platform;

#[cfg(test)]
mod test_keys {
    use crate::{JwkSet, SigningKey};

    pub fn tool() -> SigningKey {
        SigningKey::from_rsa_pem("tool-key-1", include_bytes!("../tests/data/tool.key.pem"))
            .unwrap()
    }

    pub fn tool_jwks() -> JwkSet {
        serde_json::from_str(include_str!("../tests/data/tool.jwks.json")).unwrap()
    }
}
