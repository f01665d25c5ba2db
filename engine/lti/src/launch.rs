//! Verifies an LTI 1.3 `id_token` (the launch) per the 1EdTech Security Framework and turns it into a
//! typed [`Launch`].
//!
//! Only RS256 is accepted; the key is looked up by `kid` in the platform's JWKS handed in by the caller.
//! An unknown `kid` is its own error ([`LaunchError::UnknownKid`]) so the caller can refetch the JWKS once
//! (the platform may have rotated keys) and try again. The returned nonce must be checked single-use by
//! the caller.

use std::collections::BTreeMap;

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::claims;
use crate::jwt;
use crate::oidc::Platform;
use crate::roles::{RampartRole, map_roles};

/// The two LTI 1.3 launch messages Rampart accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageType {
    LtiResourceLinkRequest,
    LtiDeepLinkingRequest,
}

/// A verified launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    pub message_type: MessageType,
    pub issuer: String,
    pub client_id: String,
    pub deployment_id: String,
    /// The platform's user id; always present for resource link launches.
    pub sub: Option<String>,
    /// For the caller's single-use check.
    pub nonce: String,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// The LTI roles as sent.
    pub roles: Vec<String>,
    /// The Rampart role they map to (see [`crate::roles`]).
    pub rampart_role: RampartRole,
    pub context: Option<Context>,
    pub resource_link: Option<ResourceLink>,
    /// Custom parameters (non-string values are kept as their JSON text).
    pub custom: BTreeMap<String, String>,
    pub target_link_uri: Option<String>,
    /// Assignment and Grade Services, when the platform offers them for this launch.
    pub ags: Option<AgsEndpoint>,
    /// Names and Role Provisioning Services, when offered.
    pub nrps: Option<NrpsEndpoint>,
    /// Present for deep linking requests.
    pub deep_linking: Option<DeepLinkingSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceLink {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The AGS endpoint claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgsEndpoint {
    #[serde(default)]
    pub scope: Vec<String>,
    /// The context's line items container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitems: Option<String>,
    /// The line item coupled with this resource link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitem: Option<String>,
}

/// The NRPS claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NrpsEndpoint {
    pub context_memberships_url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_versions: Vec<String>,
}

/// The deep linking settings claim of an `LtiDeepLinkingRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepLinkingSettings {
    pub deep_link_return_url: String,
    #[serde(default)]
    pub accept_types: Vec<String>,
    #[serde(default)]
    pub accept_presentation_document_targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_media_types: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_multiple: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_lineitem: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_create: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Opaque; must be echoed in the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// Why a launch was refused. `Display` says what is wrong and what the LMS admin should check; it never
/// prints token contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("the id_token is not a well-formed signed JWT; the LMS sent a broken launch")]
    Malformed,
    #[error(
        "the id_token is signed with `{0}`, but LTI 1.3 requires RS256; configure the platform to sign launches with RS256"
    )]
    UnsupportedAlgorithm(String),
    #[error(
        "the id_token header has no key id (kid); the platform must name the key it signed with"
    )]
    MissingKid,
    #[error(
        "the id_token is signed with key `{0}`, which is not in the platform's JWKS; refetch the JWKS, and if it is still missing check the JWKS URL in the platform registration"
    )]
    UnknownKid(String),
    #[error(
        "the platform's JWKS entry for key `{0}` is not a usable RS256 RSA key; check the platform's published keys"
    )]
    UnusableKey(String),
    #[error(
        "the id_token signature does not verify with the platform's key; check the JWKS URL in the platform registration"
    )]
    BadSignature,
    #[error("the id_token claim `{0}` is missing; the LMS must send it")]
    MissingClaim(&'static str),
    #[error(
        "the id_token claim `{0}` has the wrong type or shape; the LMS sent a malformed launch"
    )]
    InvalidClaim(&'static str),
    #[error(
        "the id_token was issued by another platform than the registered issuer; check the issuer in the platform registration"
    )]
    WrongIssuer,
    #[error(
        "the id_token is not addressed to Rampart's client ID; check the client ID in the platform registration"
    )]
    WrongAudience,
    #[error(
        "the id_token has several audiences but no azp naming Rampart's client ID; the LMS must send azp"
    )]
    MissingAzp,
    #[error(
        "the id_token's azp is not Rampart's client ID; check the client ID in the platform registration"
    )]
    WrongAzp,
    #[error("the id_token has expired; the launch took too long or the LMS clock is wrong")]
    Expired,
    #[error("the id_token was issued in the future; the LMS clock or Rampart's is wrong")]
    IssuedInFuture,
    #[error(
        "the launch's deployment ID is not known for this platform; add it to the platform registration"
    )]
    UnknownDeployment,
    #[error(
        "the launch is not LTI version 1.3.0; configure the tool as an LTI 1.3 tool in the LMS"
    )]
    WrongVersion,
    #[error(
        "the launch's message type is not one Rampart handles (resource link or deep linking request)"
    )]
    WrongMessageType,
}

/// Verifies `id_token` for `platform` with the platform's `jwks`, at time `now` (Unix seconds) allowing
/// `skew` seconds of clock difference on `exp` and `iat`.
pub fn verify_launch(
    id_token: &str,
    platform: &Platform,
    jwks: &JwkSet,
    now: u64,
    skew: u64,
) -> Result<Launch, LaunchError> {
    let claims = verify_signature(id_token, jwks)?;
    validate_claims(&claims, platform, now, skew)
}

/// Checks the header (RS256, kid), finds the key and verifies the signature; returns the claims.
pub(crate) fn verify_signature(
    token: &str,
    jwks: &JwkSet,
) -> Result<Map<String, Value>, LaunchError> {
    let raw = jwt::split(token).ok_or(LaunchError::Malformed)?;
    let alg = raw
        .header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(LaunchError::Malformed)?;
    if alg != "RS256" {
        return Err(LaunchError::UnsupportedAlgorithm(printable(alg)));
    }
    let kid = raw
        .header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(LaunchError::MissingKid)?;
    let jwk = jwks
        .find(kid)
        .ok_or_else(|| LaunchError::UnknownKid(printable(kid)))?;
    let declared_alg_ok = jwk
        .common
        .key_algorithm
        .is_none_or(|a| a == jsonwebtoken::jwk::KeyAlgorithm::RS256);
    if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) || !declared_alg_ok {
        return Err(LaunchError::UnusableKey(printable(kid)));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|_| LaunchError::UnusableKey(printable(kid)))?;
    let ok =
        jsonwebtoken::crypto::verify(raw.signature, raw.signed.as_bytes(), &key, Algorithm::RS256)
            .unwrap_or(false);
    if !ok {
        return Err(LaunchError::BadSignature);
    }
    Ok(raw.claims)
}

/// Header values echoed in errors are cut short and stripped of control characters.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

fn get<T: DeserializeOwned>(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<T>, LaunchError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|_| LaunchError::InvalidClaim(name)),
    }
}

fn require<T: DeserializeOwned>(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<T, LaunchError> {
    get(claims, name)?.ok_or(LaunchError::MissingClaim(name))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

fn validate_claims(
    c: &Map<String, Value>,
    platform: &Platform,
    now: u64,
    skew: u64,
) -> Result<Launch, LaunchError> {
    let iss: String = require(c, "iss")?;
    if iss != platform.issuer {
        return Err(LaunchError::WrongIssuer);
    }
    let aud = match require::<Audience>(c, "aud")? {
        Audience::One(a) => vec![a],
        Audience::Many(a) => a,
    };
    if !aud.contains(&platform.client_id) {
        return Err(LaunchError::WrongAudience);
    }
    let azp: Option<String> = get(c, "azp")?;
    match azp {
        Some(azp) if azp != platform.client_id => return Err(LaunchError::WrongAzp),
        None if aud.len() > 1 => return Err(LaunchError::MissingAzp),
        _ => {}
    }
    let exp: u64 = require(c, "exp")?;
    if now >= exp.saturating_add(skew) {
        return Err(LaunchError::Expired);
    }
    let iat: u64 = require(c, "iat")?;
    if iat > now.saturating_add(skew) {
        return Err(LaunchError::IssuedInFuture);
    }
    let nonce: String = require(c, "nonce")?;
    if nonce.is_empty() {
        return Err(LaunchError::MissingClaim("nonce"));
    }
    let version: String = require(c, claims::VERSION)?;
    if version != claims::LTI_VERSION {
        return Err(LaunchError::WrongVersion);
    }
    let message_type: String = require(c, claims::MESSAGE_TYPE)?;
    let message_type = match message_type.as_str() {
        claims::RESOURCE_LINK_REQUEST => MessageType::LtiResourceLinkRequest,
        claims::DEEP_LINKING_REQUEST => MessageType::LtiDeepLinkingRequest,
        _ => return Err(LaunchError::WrongMessageType),
    };
    let deployment_id: String = require(c, claims::DEPLOYMENT_ID)?;
    if !platform.knows_deployment(&deployment_id) {
        return Err(LaunchError::UnknownDeployment);
    }
    let sub: Option<String> = get::<String>(c, "sub")?.filter(|s| !s.is_empty());
    let resource_link: Option<ResourceLink> = match c.get(claims::RESOURCE_LINK) {
        Some(Value::Object(link)) if !link.contains_key("id") => {
            return Err(LaunchError::MissingClaim("resource_link.id"));
        }
        _ => get(c, claims::RESOURCE_LINK)?,
    };
    let deep_linking: Option<DeepLinkingSettings> = match c.get(claims::DEEP_LINKING_SETTINGS) {
        Some(Value::Object(settings)) if !settings.contains_key("deep_link_return_url") => {
            return Err(LaunchError::MissingClaim(
                "deep_linking_settings.deep_link_return_url",
            ));
        }
        _ => get(c, claims::DEEP_LINKING_SETTINGS)?,
    };
    match message_type {
        MessageType::LtiResourceLinkRequest => {
            if sub.is_none() {
                return Err(LaunchError::MissingClaim("sub"));
            }
            match &resource_link {
                None => return Err(LaunchError::MissingClaim(claims::RESOURCE_LINK)),
                Some(link) if link.id.is_empty() => {
                    return Err(LaunchError::MissingClaim("resource_link.id"));
                }
                Some(_) => {}
            }
        }
        MessageType::LtiDeepLinkingRequest => match &deep_linking {
            None => return Err(LaunchError::MissingClaim(claims::DEEP_LINKING_SETTINGS)),
            Some(s) if s.deep_link_return_url.is_empty() => {
                return Err(LaunchError::MissingClaim(
                    "deep_linking_settings.deep_link_return_url",
                ));
            }
            Some(_) => {}
        },
    }
    let roles: Vec<String> = get(c, claims::ROLES)?.unwrap_or_default();
    let custom: BTreeMap<String, Value> = get(c, claims::CUSTOM)?.unwrap_or_default();
    let custom = custom
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect();
    Ok(Launch {
        message_type,
        issuer: iss,
        client_id: platform.client_id.clone(),
        deployment_id,
        sub,
        nonce,
        name: get(c, "name")?,
        given_name: get(c, "given_name")?,
        family_name: get(c, "family_name")?,
        email: get(c, "email")?,
        rampart_role: map_roles(&roles),
        roles,
        context: get(c, claims::CONTEXT)?,
        resource_link,
        custom,
        target_link_uri: get(c, claims::TARGET_LINK_URI)?,
        ags: get(c, claims::AGS_ENDPOINT)?,
        nrps: get(c, claims::NRPS)?,
        deep_linking,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_764_400_000;

    fn platform() -> Platform {
        Platform {
            issuer: "https://lms.example.org".into(),
            client_id: "rampart-client".into(),
            auth_endpoint: "https://lms.example.org/auth".into(),
            token_endpoint: "https://lms.example.org/token".into(),
            jwks_url: "https://lms.example.org/jwks".into(),
            deployment_ids: vec!["dep-1".into()],
        }
    }

    fn claims() -> Value {
        json!({
            "iss": "https://lms.example.org",
            "aud": "rampart-client",
            "sub": "u1",
            "exp": NOW + 60,
            "iat": NOW,
            "nonce": "n1",
            claims::MESSAGE_TYPE: "LtiResourceLinkRequest",
            claims::VERSION: "1.3.0",
            claims::DEPLOYMENT_ID: "dep-1",
            claims::RESOURCE_LINK: {"id": "rl-1"},
        })
    }

    fn platform_key() -> crate::SigningKey {
        crate::SigningKey::from_rsa_pem(
            "platform-key-1",
            include_bytes!("../tests/data/platform.key.pem"),
        )
        .unwrap()
    }

    fn jwks() -> Value {
        serde_json::from_str(include_str!("../tests/data/platform.jwks.json")).unwrap()
    }

    fn verify(token: &str, jwks: Value) -> Result<Launch, LaunchError> {
        let jwks: JwkSet = serde_json::from_value(jwks).unwrap();
        verify_launch(token, &platform(), &jwks, NOW, 60)
    }

    #[test]
    fn minimal_launch_defaults() {
        let l = verify(&platform_key().sign(&claims()).unwrap(), jwks()).unwrap();
        assert_eq!(l.message_type, MessageType::LtiResourceLinkRequest);
        assert_eq!(l.rampart_role, RampartRole::Learner);
        assert!(l.roles.is_empty() && l.custom.is_empty());
        assert_eq!(l.ags, None);
        assert_eq!(l.nrps, None);
        assert_eq!(l.deep_linking, None);
    }

    #[test]
    fn jwk_must_be_an_rs256_rsa_key() {
        let token = platform_key().sign(&claims()).unwrap();
        let mut declared_rs384 = jwks();
        declared_rs384["keys"][0]["alg"] = json!("RS384");
        assert_eq!(
            verify(&token, declared_rs384),
            Err(LaunchError::UnusableKey("platform-key-1".into()))
        );
        let ec = json!({"keys": [{
            "kty": "EC", "kid": "platform-key-1", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
        }]});
        assert_eq!(
            verify(&token, ec),
            Err(LaunchError::UnusableKey("platform-key-1".into()))
        );
    }

    #[test]
    fn claim_types_are_checked() {
        let key = platform_key();
        let mut c = claims();
        c["exp"] = json!("tomorrow");
        assert_eq!(
            verify(&key.sign(&c).unwrap(), jwks()),
            Err(LaunchError::InvalidClaim("exp"))
        );
        let mut c = claims();
        c[claims::ROLES] = json!("Learner");
        assert_eq!(
            verify(&key.sign(&c).unwrap(), jwks()),
            Err(LaunchError::InvalidClaim(claims::ROLES))
        );
        let mut c = claims();
        c.as_object_mut().unwrap().remove("iat");
        assert_eq!(
            verify(&key.sign(&c).unwrap(), jwks()),
            Err(LaunchError::MissingClaim("iat"))
        );
        let mut c = claims();
        c["azp"] = json!("rampart-client");
        assert!(
            verify(&key.sign(&c).unwrap(), jwks()).is_ok(),
            "azp with one aud"
        );
    }

    #[test]
    fn header_values_in_errors_are_bounded() {
        let key = crate::SigningKey::from_rsa_pem(
            format!("k\n{}", "x".repeat(500)),
            include_bytes!("../tests/data/platform.key.pem"),
        )
        .unwrap();
        let Err(LaunchError::UnknownKid(kid)) = verify(&key.sign(&claims()).unwrap(), jwks())
        else {
            panic!("expected UnknownKid");
        };
        assert_eq!(kid.len(), 64);
        assert!(!kid.contains('\n'));
    }
}
