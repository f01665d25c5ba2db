//! Replays every recorded launch case in `tests/cases/`: the same token, key set and clock must give the
//! recorded outcome (the typed launch, or the named error).

use lti::launch::{Launch, verify_launch};
use lti::{JwkSet, Platform};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    now: u64,
    skew: u64,
    platform: Platform,
    jwks: JwkSet,
    id_token: String,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Expect {
    Launch(Box<Launch>),
    Error(String),
}

#[test]
fn replay_launch_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the recorded cases, found {}",
        files.len()
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let case: Case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = verify_launch(
            &case.id_token,
            &case.platform,
            &case.jwks,
            case.now,
            case.skew,
        );
        match (case.expect, got) {
            (Expect::Launch(want), Ok(got)) => assert_eq!(*want, got, "{name}"),
            (Expect::Error(want), Err(got)) => {
                assert_eq!(want, format!("{got:?}"), "{name}");
                let shown = got.to_string();
                assert!(
                    !shown.contains(&case.id_token),
                    "{name}: the error shows the token"
                );
            }
            (Expect::Launch(_), Err(e)) => panic!("{name}: expected a launch, got {e:?}"),
            (Expect::Error(want), Ok(_)) => panic!("{name}: expected {want}, got a launch"),
        }
    }
}

#[derive(Deserialize)]
struct Lti11Case {
    url: String,
    consumer_secret: String,
    now: u64,
    window: u64,
    params: Vec<(String, String)>,
    expect: Lti11Expect,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Lti11Expect {
    Launch {
        verified: lti::lti11::oauth::Verified,
        launch: Box<lti::lti11::BasicLaunch>,
    },
    Error(String),
}

#[test]
fn replay_lti11_launch_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/lti11");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the recorded cases, found {}",
        files.len()
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let case: Lti11Case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let url = url::Url::parse(&case.url).unwrap();
        let got = lti::lti11::verify_launch(
            &url,
            &case.params,
            &case.consumer_secret,
            case.now,
            case.window,
        );
        match (case.expect, got) {
            (Lti11Expect::Launch { verified, launch }, Ok(got)) => {
                assert_eq!((verified, *launch), got, "{name}")
            }
            (Lti11Expect::Error(want), Err(got)) => {
                assert_eq!(want, format!("{got:?}"), "{name}");
                assert!(!got.to_string().contains(&case.consumer_secret), "{name}");
            }
            (Lti11Expect::Launch { .. }, Err(e)) => panic!("{name}: expected a launch, got {e:?}"),
            (Lti11Expect::Error(want), Ok(_)) => panic!("{name}: expected {want}, got a launch"),
        }
    }
}
