//! The RFC 7523 client assertion (a JWT signed with the tool's key) and the client-credentials token
//! request the server posts to the platform's token endpoint for AGS and NRPS access tokens.

use serde::Serialize;

use crate::claims;
use crate::jwt::{SigningKey, SigningKeyError};

/// `client_assertion_type` for a JWT bearer client assertion.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The claims of a client assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

impl AssertionClaims {
    /// `iss` = `sub` = `client_id`, `aud` = the token endpoint, valid for `lifetime` seconds from `now`;
    /// `jti` is a fresh random id from the caller.
    pub fn new(client_id: &str, token_endpoint: &str, now: u64, lifetime: u64, jti: &str) -> Self {
        Self {
            iss: client_id.to_owned(),
            sub: client_id.to_owned(),
            aud: token_endpoint.to_owned(),
            iat: now,
            exp: now.saturating_add(lifetime),
            jti: jti.to_owned(),
        }
    }

    /// Signs the assertion RS256 with the tool's key and `kid`.
    pub fn sign(&self, key: &SigningKey) -> Result<String, SigningKeyError> {
        key.sign(self)
    }
}

/// The scopes Rampart asks the token endpoint for: the AGS scopes, plus NRPS when `with_nrps`.
pub fn service_scopes(with_nrps: bool) -> Vec<&'static str> {
    let mut scopes = claims::AGS_SCOPES.to_vec();
    if with_nrps {
        scopes.push(claims::SCOPE_NRPS_MEMBERSHIP);
    }
    scopes
}

/// The form fields of the client-credentials token request, in order.
pub fn token_request_fields(assertion: &str, scopes: &[&str]) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_assertion_type", ASSERTION_TYPE.to_owned()),
        ("client_assertion", assertion.to_owned()),
        ("scope", scopes.join(" ")),
    ]
}

/// The same fields as an `application/x-www-form-urlencoded` body.
pub fn token_request_body(assertion: &str, scopes: &[&str]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(token_request_fields(assertion, scopes))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys;

    #[test]
    fn assertion_claims_and_signature() {
        let a = AssertionClaims::new(
            "rampart-client",
            "https://lms.example.org/token",
            1_000,
            300,
            "jti-1",
        );
        let token = a.sign(&test_keys::tool()).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some("tool-key-1"));
        let c = crate::launch::verify_signature(&token, &test_keys::tool_jwks()).unwrap();
        assert_eq!(c["iss"], "rampart-client");
        assert_eq!(c["sub"], "rampart-client");
        assert_eq!(c["aud"], "https://lms.example.org/token");
        assert_eq!(c["iat"], 1_000);
        assert_eq!(c["exp"], 1_300);
        assert_eq!(c["jti"], "jti-1");
    }

    #[test]
    fn token_request() {
        let scopes = service_scopes(true);
        assert_eq!(scopes.len(), 4);
        let fields = token_request_fields("a.b.c", &scopes);
        assert_eq!(fields[0], ("grant_type", "client_credentials".into()));
        assert_eq!(fields[1].1, ASSERTION_TYPE);
        assert_eq!(fields[2], ("client_assertion", "a.b.c".into()));
        assert!(
            fields[3]
                .1
                .starts_with("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem ")
        );
        let body = token_request_body("a.b.c", &service_scopes(false));
        let parsed: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(parsed.len(), 4);
        assert_eq!(parsed[3].1, claims::AGS_SCOPES.join(" "));
        assert!(body.contains(
            "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        ));
    }
}
