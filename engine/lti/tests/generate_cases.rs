//! Writes the recorded launch cases in `tests/cases/` once, signing with the test keys in `tests/data/`.
//! Run with `cargo test -p lti --test generate_cases -- --ignored`, then review the diff.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const NOW: u64 = 1_764_400_000;
const ISS: &str = "https://lms.example.org";
const CLIENT_ID: &str = "rampart-client";
const PLATFORM_KEY: &[u8] = include_bytes!("data/platform.key.pem");
const PLATFORM_PUB: &[u8] = include_bytes!("data/platform.pub.pem");
const OTHER_KEY: &[u8] = include_bytes!("data/other.key.pem");

fn platform() -> Value {
    json!({
        "issuer": ISS,
        "client_id": CLIENT_ID,
        "auth_endpoint": "https://lms.example.org/mod/lti/auth.php",
        "token_endpoint": "https://lms.example.org/mod/lti/token.php",
        "jwks_url": "https://lms.example.org/mod/lti/certs.php",
        "deployment_ids": ["dep-1", "dep-2"],
    })
}

fn resource_link_claims() -> Value {
    json!({
        "iss": ISS,
        "aud": CLIENT_ID,
        "sub": "user-42",
        "exp": NOW + 300,
        "iat": NOW - 5,
        "nonce": "nonce-abc",
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.org",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://rampart.example.net/lti/launch",
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1", "title": "Phishing basics"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
        ],
        "https://purl.imsglobal.org/spec/lti/claim/context": {
            "id": "course-9", "label": "SEC101", "title": "Security 101",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]
        },
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"package": "phishing-1", "attempts": 3},
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score"
            ],
            "lineitems": "https://lms.example.org/api/lti/courses/9/line_items",
            "lineitem": "https://lms.example.org/api/lti/courses/9/line_items/31?type=x"
        },
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": "https://lms.example.org/api/lti/courses/9/names_and_roles",
            "service_versions": ["2.0"]
        }
    })
}

fn deep_linking_claims() -> Value {
    json!({
        "iss": ISS,
        "aud": [CLIENT_ID],
        "sub": "teacher-1",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": "nonce-dl",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-2",
        "https://purl.imsglobal.org/spec/lti/claim/roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
        ],
        "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "course-9"},
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": "https://lms.example.org/deep_link_return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": true,
            "accept_lineitem": true,
            "data": "opaque-csrf-token"
        }
    })
}

fn rs256(claims: &Value, key: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(key).unwrap()).unwrap()
}

fn signed(claims: &Value) -> String {
    rs256(claims, PLATFORM_KEY, Some("platform-key-1"))
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[test]
#[ignore = "writes tests/cases; run by hand"]
fn generate() {
    let jwks: Value = serde_json::from_str(include_str!("data/platform.jwks.json")).unwrap();
    let rl = resource_link_claims;
    let dl = deep_linking_claims;
    let mut cases: Vec<(&str, String, Option<&str>)> = vec![
        ("valid_resource_link", signed(&rl()), None),
        ("valid_deep_linking", signed(&dl()), None),
        (
            "valid_multiple_aud_with_azp",
            signed(&with(
                with(rl(), "aud", json!(["other", CLIENT_ID])),
                "azp",
                json!(CLIENT_ID),
            )),
            None,
        ),
        (
            "valid_expired_within_skew",
            signed(&with(rl(), "exp", json!(NOW - 30))),
            None,
        ),
        (
            "alg_none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": "platform-key-1"})),
                b64(&rl())
            ),
            Some("UnsupportedAlgorithm(\"none\")"),
        ),
        (
            "hs256_with_public_key_as_secret",
            {
                let mut h = Header::new(Algorithm::HS256);
                h.kid = Some("platform-key-1".into());
                jsonwebtoken::encode(&h, &rl(), &EncodingKey::from_secret(PLATFORM_PUB)).unwrap()
            },
            Some("UnsupportedAlgorithm(\"HS256\")"),
        ),
        (
            "missing_kid",
            rs256(&rl(), PLATFORM_KEY, None),
            Some("MissingKid"),
        ),
        (
            "unknown_kid",
            rs256(&rl(), PLATFORM_KEY, Some("rotated-key-2")),
            Some("UnknownKid(\"rotated-key-2\")"),
        ),
        (
            "bad_signature_other_key",
            rs256(&rl(), OTHER_KEY, Some("platform-key-1")),
            Some("BadSignature"),
        ),
        (
            "tampered_claims",
            {
                let token = signed(&rl());
                let parts: Vec<&str> = token.split('.').collect();
                let tampered = with(rl(), "sub", json!("admin"));
                format!("{}.{}.{}", parts[0], b64(&tampered), parts[2])
            },
            Some("BadSignature"),
        ),
        ("not_a_jwt", "not.a-jwt".into(), Some("Malformed")),
        (
            "wrong_iss",
            signed(&with(rl(), "iss", json!("https://evil.example.com"))),
            Some("WrongIssuer"),
        ),
        (
            "wrong_aud",
            signed(&with(rl(), "aud", json!("someone-else"))),
            Some("WrongAudience"),
        ),
        (
            "multiple_aud_without_azp",
            signed(&with(rl(), "aud", json!([CLIENT_ID, "other"]))),
            Some("MissingAzp"),
        ),
        (
            "multiple_aud_wrong_azp",
            signed(&with(
                with(rl(), "aud", json!([CLIENT_ID, "other"])),
                "azp",
                json!("other"),
            )),
            Some("WrongAzp"),
        ),
        (
            "expired",
            signed(&with(rl(), "exp", json!(NOW - 3600))),
            Some("Expired"),
        ),
        (
            "iat_in_future",
            signed(&with(rl(), "iat", json!(NOW + 600))),
            Some("IssuedInFuture"),
        ),
        (
            "missing_nonce",
            signed(&without(rl(), "nonce")),
            Some("MissingClaim(\"nonce\")"),
        ),
        (
            "unknown_deployment",
            signed(&with(
                rl(),
                "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
                json!("dep-9"),
            )),
            Some("UnknownDeployment"),
        ),
        (
            "wrong_version",
            signed(&with(
                rl(),
                "https://purl.imsglobal.org/spec/lti/claim/version",
                json!("1.1"),
            )),
            Some("WrongVersion"),
        ),
        (
            "wrong_message_type",
            signed(&with(
                rl(),
                "https://purl.imsglobal.org/spec/lti/claim/message_type",
                json!("LtiSubmissionReviewRequest"),
            )),
            Some("WrongMessageType"),
        ),
        (
            "missing_resource_link_id",
            signed(&with(
                rl(),
                "https://purl.imsglobal.org/spec/lti/claim/resource_link",
                json!({"title": "no id"}),
            )),
            Some("MissingClaim(\"resource_link.id\")"),
        ),
        (
            "empty_resource_link_id",
            signed(&with(
                rl(),
                "https://purl.imsglobal.org/spec/lti/claim/resource_link",
                json!({"id": ""}),
            )),
            Some("MissingClaim(\"resource_link.id\")"),
        ),
        (
            "resource_link_missing_sub",
            signed(&without(rl(), "sub")),
            Some("MissingClaim(\"sub\")"),
        ),
        (
            "missing_deep_link_return_url",
            signed(&with(
                dl(),
                "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
                json!({"accept_types": ["ltiResourceLink"]}),
            )),
            Some("MissingClaim(\"deep_linking_settings.deep_link_return_url\")"),
        ),
        (
            "deep_linking_without_settings",
            signed(&without(
                dl(),
                "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
            )),
            Some(
                "MissingClaim(\"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings\")",
            ),
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, id_token, error) in cases.drain(..) {
        let mut case = json!({
            "description": name.replace('_', " "),
            "now": NOW,
            "skew": 60,
            "platform": platform(),
            "jwks": jwks,
            "id_token": id_token,
        });
        case["expect"] = match error {
            Some(e) => json!({ "error": e }),
            None => {
                let platform = serde_json::from_value(platform()).unwrap();
                let jwks = serde_json::from_value(jwks.clone()).unwrap();
                let launch = lti::launch::verify_launch(&id_token, &platform, &jwks, NOW, 60)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                json!({ "launch": launch })
            }
        };
        let text = serde_json::to_string_pretty(&case).unwrap() + "\n";
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
}
