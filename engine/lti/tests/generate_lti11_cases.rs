//! Writes the recorded LTI 1.1 launch cases in `tests/cases/lti11/` once. Run with
//! `cargo test -p lti --test generate_lti11_cases -- --ignored`, then review the diff. (The signing code
//! itself is checked against RFC 5849's published vectors in `lti11::oauth`.)

use lti::lti11::oauth;
use serde_json::json;
use url::Url;

const NOW: u64 = 1_764_400_000;
const URL: &str = "https://rampart.example.net/lti/11/launch?org=7";
const SECRET: &str = "consumer-s3cret";

type Params = Vec<(String, String)>;

fn launch_params() -> Vec<(String, String)> {
    [
        ("lti_message_type", "basic-lti-launch-request"),
        ("lti_version", "LTI-1p0"),
        ("resource_link_id", "429785226"),
        ("resource_link_title", "Phishing basics"),
        ("user_id", "292832126"),
        ("roles", "Instructor,urn:lti:instrole:ims/lis/Student"),
        ("lis_person_name_full", "Jane Q. Public"),
        ("lis_person_contact_email_primary", "user@school.edu"),
        ("context_id", "456434513"),
        ("context_title", "Design of Personal Environments"),
        (
            "lis_outcome_service_url",
            "https://lms.example.org/outcomes",
        ),
        ("lis_result_sourcedid", "feb-123-456-2929::28883"),
        ("custom_package", "phishing-1"),
        ("tool_consumer_instance_guid", "lmsng.school.edu"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn signed(params: Vec<(String, String)>, secret: &str, timestamp: u64) -> Vec<(String, String)> {
    let url = Url::parse(URL).unwrap();
    let mut all = params.clone();
    all.extend(
        oauth::sign(
            "POST",
            &url,
            &params,
            &[],
            "rampart-key",
            secret,
            "nonce-1",
            timestamp,
        )
        .unwrap(),
    );
    all
}

fn set(mut params: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    params.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.into();
    params
}

fn without(params: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    params.into_iter().filter(|(k, _)| k != name).collect()
}

#[test]
#[ignore = "writes tests/cases/lti11; run by hand"]
fn generate() {
    let ok = || signed(launch_params(), SECRET, NOW - 10);
    let cases: Vec<(&str, Params, Option<&str>)> = vec![
        ("valid_launch", ok(), None),
        (
            "wrong_secret",
            signed(launch_params(), "other", NOW),
            Some("OAuth(BadSignature)"),
        ),
        (
            "tampered_user",
            set(ok(), "user_id", "1"),
            Some("OAuth(BadSignature)"),
        ),
        (
            "stale_timestamp",
            signed(launch_params(), SECRET, NOW - 301),
            Some("OAuth(StaleTimestamp)"),
        ),
        (
            "future_timestamp",
            signed(launch_params(), SECRET, NOW + 301),
            Some("OAuth(StaleTimestamp)"),
        ),
        (
            "plaintext_method",
            set(ok(), "oauth_signature_method", "PLAINTEXT"),
            Some("OAuth(UnsupportedSignatureMethod(\"PLAINTEXT\"))"),
        ),
        (
            "missing_nonce",
            without(ok(), "oauth_nonce"),
            Some("OAuth(MissingParameter(\"oauth_nonce\"))"),
        ),
        (
            "missing_resource_link_id",
            signed(without(launch_params(), "resource_link_id"), SECRET, NOW),
            Some("Launch(MissingParameter(\"resource_link_id\"))"),
        ),
        (
            "wrong_message_type",
            signed(
                set(
                    launch_params(),
                    "lti_message_type",
                    "ContentItemSelectionRequest",
                ),
                SECRET,
                NOW,
            ),
            Some("Launch(WrongMessageType)"),
        ),
        (
            "wrong_lti_version",
            signed(set(launch_params(), "lti_version", "LTI-2p0"), SECRET, NOW),
            Some("Launch(WrongVersion)"),
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/lti11");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, params, error) in cases {
        let mut case = json!({
            "description": name.replace('_', " "),
            "url": URL,
            "consumer_secret": SECRET,
            "now": NOW,
            "window": 300,
            "params": params,
        });
        case["expect"] = match error {
            Some(e) => json!({ "error": e }),
            None => {
                let (verified, launch) =
                    lti::lti11::verify_launch(&Url::parse(URL).unwrap(), &params, SECRET, NOW, 300)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                json!({ "launch": { "verified": verified, "launch": launch } })
            }
        };
        let text = serde_json::to_string_pretty(&case).unwrap() + "\n";
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
}
