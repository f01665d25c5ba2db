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
