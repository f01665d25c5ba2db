//! Assignment and Grade Services: the `Score` Rampart posts and the `LineItem` it reads or creates.

use serde::{Deserialize, Serialize};
use url::Url;

pub const SCORE_MEDIA_TYPE: &str = "application/vnd.ims.lis.v1.score+json";
pub const LINEITEM_MEDIA_TYPE: &str = "application/vnd.ims.lis.v2.lineitem+json";
pub const LINEITEM_CONTAINER_MEDIA_TYPE: &str = "application/vnd.ims.lis.v2.lineitemcontainer+json";
pub const RESULT_CONTAINER_MEDIA_TYPE: &str = "application/vnd.ims.lis.v2.resultcontainer+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityProgress {
    Initialized,
    Started,
    InProgress,
    Submitted,
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GradingProgress {
    FullyGraded,
    Pending,
    PendingManual,
    Failed,
    NotReady,
}

/// A score posted to `{lineitem}/scores`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_given: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_maximum: Option<f64>,
    pub activity_progress: ActivityProgress,
    pub grading_progress: GradingProgress,
    /// RFC 3339 with milliseconds, UTC.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A gradebook column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub score_maximum: f64,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_link_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgsError {
    #[error("the platform's line item URL is not a valid URL; the LMS sent a broken AGS claim")]
    BadLineItemUrl,
    #[error("the scaled score is not a number between 0 and 1")]
    BadScaledScore,
    #[error("the score maximum must be a positive number")]
    BadScoreMaximum,
}

/// The scores endpoint of a line item: `/scores` appended to the path, before any query string
/// (`https://x/li/1?type=a` → `https://x/li/1/scores?type=a`).
pub fn score_url(lineitem_url: &str) -> Result<String, AgsError> {
    let mut url = Url::parse(lineitem_url).map_err(|_| AgsError::BadLineItemUrl)?;
    if url.cannot_be_a_base() {
        return Err(AgsError::BadLineItemUrl);
    }
    let path = format!("{}/scores", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url.to_string())
}

/// Where a Rampart attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    NotAttempted,
    Incomplete,
    Completed,
}

/// Builds the score for a Rampart result: `scaled` is the 0..1 score if the content reported one,
/// `score_maximum` the line item's maximum, `now_ms` Unix milliseconds.
///
/// Not attempted → Initialized/NotReady; incomplete → InProgress/Pending; completed → Completed/FullyGraded.
/// A score is sent whenever there is one (`scoreGiven` = scaled × maximum).
pub fn score_from_result(
    user_id: &str,
    scaled: Option<f64>,
    completion: Completion,
    score_maximum: f64,
    now_ms: u64,
    comment: Option<String>,
) -> Result<Score, AgsError> {
    if !(score_maximum.is_finite() && score_maximum > 0.0) {
        return Err(AgsError::BadScoreMaximum);
    }
    if let Some(s) = scaled
        && !(0.0..=1.0).contains(&s)
    {
        return Err(AgsError::BadScaledScore);
    }
    let (activity_progress, grading_progress) = match completion {
        Completion::NotAttempted => (ActivityProgress::Initialized, GradingProgress::NotReady),
        Completion::Incomplete => (ActivityProgress::InProgress, GradingProgress::Pending),
        Completion::Completed => (ActivityProgress::Completed, GradingProgress::FullyGraded),
    };
    let score_given = scaled.map(|s| (s * score_maximum * 1000.0).round() / 1000.0);
    Ok(Score {
        user_id: user_id.to_owned(),
        score_given,
        score_maximum: score_given.map(|_| score_maximum),
        activity_progress,
        grading_progress,
        timestamp: rfc3339_millis(now_ms),
        comment,
    })
}

/// Formats Unix milliseconds as RFC 3339 UTC with milliseconds (`2025-11-29T05:49:00.123Z`).
pub fn rfc3339_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let ms = unix_ms % 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn score_urls() {
        let s = |u| score_url(u).unwrap();
        assert_eq!(
            s("https://lms.example.org/li/31"),
            "https://lms.example.org/li/31/scores"
        );
        assert_eq!(
            s("https://lms.example.org/li/31/"),
            "https://lms.example.org/li/31/scores"
        );
        assert_eq!(
            s("https://lms.example.org/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1"),
            "https://lms.example.org/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1"
        );
        assert_eq!(score_url("not a url"), Err(AgsError::BadLineItemUrl));
        assert_eq!(score_url("mailto:x@y"), Err(AgsError::BadLineItemUrl));
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_764_395_340_123),
            "2025-11-29T05:49:00.123Z"
        );
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(4_107_542_399_999),
            "2100-02-28T23:59:59.999Z"
        );
    }

    #[test]
    fn scores_from_results() {
        let done =
            score_from_result("u1", Some(0.875), Completion::Completed, 100.0, 0, None).unwrap();
        assert_eq!(
            serde_json::to_value(&done).unwrap(),
            json!({
                "userId": "u1", "scoreGiven": 87.5, "scoreMaximum": 100.0,
                "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                "timestamp": "1970-01-01T00:00:00.000Z"
            })
        );
        let partial = score_from_result(
            "u1",
            None,
            Completion::Incomplete,
            10.0,
            0,
            Some("hi".into()),
        )
        .unwrap();
        assert_eq!(partial.activity_progress, ActivityProgress::InProgress);
        assert_eq!(partial.grading_progress, GradingProgress::Pending);
        assert_eq!(partial.score_given, None);
        assert_eq!(partial.score_maximum, None);
        assert_eq!(partial.comment.as_deref(), Some("hi"));
        let fresh = score_from_result("u1", None, Completion::NotAttempted, 1.0, 0, None).unwrap();
        assert_eq!(fresh.activity_progress, ActivityProgress::Initialized);
        assert_eq!(fresh.grading_progress, GradingProgress::NotReady);
        let no_score = score_from_result("u1", None, Completion::Completed, 1.0, 0, None).unwrap();
        assert_eq!(no_score.grading_progress, GradingProgress::FullyGraded);
        assert_eq!(no_score.score_given, None);
        for bad in [-0.1, 1.01, f64::NAN] {
            assert_eq!(
                score_from_result("u", Some(bad), Completion::Completed, 1.0, 0, None),
                Err(AgsError::BadScaledScore)
            );
        }
        assert_eq!(
            score_from_result("u", Some(0.5), Completion::Completed, 0.0, 0, None),
            Err(AgsError::BadScoreMaximum)
        );
    }

    #[test]
    fn line_item_round_trip() {
        let text = r#"{"id":"https://lms/li/1","scoreMaximum":100,"label":"Quiz","resourceId":"p1","resourceLinkId":"rl-1","tag":"rampart"}"#;
        let li: LineItem = serde_json::from_str(text).unwrap();
        assert_eq!(li.score_maximum, 100.0);
        assert_eq!(li.resource_link_id.as_deref(), Some("rl-1"));
        let back = serde_json::to_value(&li).unwrap();
        assert_eq!(back["resourceId"], "p1");
        assert!(back.get("startDateTime").is_none());
    }
}
