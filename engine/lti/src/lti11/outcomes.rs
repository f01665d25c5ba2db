//! LTI 1.1 Basic Outcomes: the `replaceResultRequest` POX body, its OAuth body hash and signed
//! `Authorization` header, and the `imsx_POXEnvelopeResponse` status.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Reader;
use quick_xml::events::Event;
use sha1::{Digest, Sha1};
use url::Url;

use super::oauth::{self, OAuthError};

/// The content type of POX requests.
pub const CONTENT_TYPE: &str = "application/xml";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    #[error("the score is not a number between 0.0 and 1.0")]
    BadScore,
    #[error(
        "the outcome service URL is not a valid URL; the LMS sent a broken lis_outcome_service_url"
    )]
    BadUrl,
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error("the LMS's outcome response is not a readable imsx_POXEnvelopeResponse")]
    BadResponse,
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Formats a 0.0–1.0 score with at most four decimals and at least one (`1.0`, `0.875`).
pub fn format_score(score: f64) -> Result<String, OutcomeError> {
    if !(0.0..=1.0).contains(&score) {
        return Err(OutcomeError::BadScore);
    }
    let mut s = format!("{score:.4}");
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    Ok(s)
}

/// The `replaceResultRequest` body for `sourcedid` with `score` (0.0–1.0); `message_id` is a fresh
/// unique id from the caller.
pub fn replace_result_request(
    message_id: &str,
    sourcedid: &str,
    score: f64,
) -> Result<String, OutcomeError> {
    let score = format_score(score)?;
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader>
    <imsx_POXRequestHeaderInfo>
      <imsx_version>V1.0</imsx_version>
      <imsx_messageIdentifier>{}</imsx_messageIdentifier>
    </imsx_POXRequestHeaderInfo>
  </imsx_POXHeader>
  <imsx_POXBody>
    <replaceResultRequest>
      <resultRecord>
        <sourcedGUID>
          <sourcedId>{}</sourcedId>
        </sourcedGUID>
        <result>
          <resultScore>
            <language>en</language>
            <textString>{score}</textString>
          </resultScore>
        </result>
      </resultRecord>
    </replaceResultRequest>
  </imsx_POXBody>
</imsx_POXEnvelopeRequest>
"#,
        escape(message_id),
        escape(sourcedid)
    ))
}

/// `oauth_body_hash`: base64 of the SHA-1 of the body bytes.
pub fn body_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha1::digest(body))
}

/// The `Authorization: OAuth …` header value for POSTing `body` to `service_url`, signed with the
/// consumer key and secret; `nonce` and `timestamp` (Unix seconds) come from the caller.
pub fn authorization_header(
    service_url: &str,
    body: &[u8],
    consumer_key: &str,
    consumer_secret: &str,
    nonce: &str,
    timestamp: u64,
) -> Result<String, OutcomeError> {
    let url = Url::parse(service_url).map_err(|_| OutcomeError::BadUrl)?;
    let extra = [("oauth_body_hash".to_owned(), body_hash(body))];
    let signed = oauth::sign(
        "POST",
        &url,
        &[],
        &extra,
        consumer_key,
        consumer_secret,
        nonce,
        timestamp,
    )?;
    Ok(oauth::authorization_header(&signed))
}

/// The status of an outcome response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeStatus {
    /// `imsx_codeMajor` is `success`.
    pub success: bool,
    pub code_major: String,
    pub description: Option<String>,
}

/// Reads `imsx_codeMajor` and `imsx_description` from an `imsx_POXEnvelopeResponse`. DTDs and entities
/// other than XML's predefined ones are refused.
pub fn parse_response(xml: &str) -> Result<OutcomeStatus, OutcomeError> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut code_major = None;
    let mut description = None;
    let mut root_ok = false;
    loop {
        match reader.read_event().map_err(|_| OutcomeError::BadResponse)? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    root_ok = name == "imsx_POXEnvelopeResponse";
                }
                path.push(name);
                text.clear();
            }
            Event::End(_) => {
                let in_status = path.iter().any(|p| p == "imsx_statusInfo");
                let value = text.trim().to_owned();
                match path.pop().as_deref() {
                    Some("imsx_codeMajor") if in_status && code_major.is_none() => {
                        code_major = Some(value)
                    }
                    Some("imsx_description") if in_status && description.is_none() => {
                        description = Some(value)
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) => {
                text.push_str(&t.decode().map_err(|_| OutcomeError::BadResponse)?);
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                text.push(resolve_reference(&name).ok_or(OutcomeError::BadResponse)?);
            }
            Event::DocType(_) => return Err(OutcomeError::BadResponse),
            Event::Eof => break,
            _ => {}
        }
    }
    let code_major = code_major
        .filter(|_| root_ok)
        .ok_or(OutcomeError::BadResponse)?;
    Ok(OutcomeStatus {
        success: code_major == "success",
        code_major,
        description,
    })
}

fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number
                .strip_prefix('x')
                .or_else(|| number.strip_prefix('X'))
            {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_formatted() {
        assert_eq!(format_score(1.0).unwrap(), "1.0");
        assert_eq!(format_score(0.0).unwrap(), "0.0");
        assert_eq!(format_score(0.875).unwrap(), "0.875");
        assert_eq!(format_score(0.33333).unwrap(), "0.3333");
        assert_eq!(format_score(1.5), Err(OutcomeError::BadScore));
        assert_eq!(format_score(f64::NAN), Err(OutcomeError::BadScore));
    }

    #[test]
    fn request_body_escapes_and_carries_the_score() {
        let body = replace_result_request("m-1", "a<b>&\"c", 0.5).unwrap();
        assert!(body.contains("<sourcedId>a&lt;b&gt;&amp;&quot;c</sourcedId>"));
        assert!(body.contains("<textString>0.5</textString>"));
        assert!(body.contains("<imsx_messageIdentifier>m-1</imsx_messageIdentifier>"));
        assert!(body.contains("<replaceResultRequest>"));
    }

    #[test]
    fn body_hash_is_base64_sha1() {
        // SHA-1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709
        assert_eq!(body_hash(b""), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
        assert_eq!(body_hash(b"abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    }

    #[test]
    fn signed_header_verifies() {
        let body = replace_result_request("m-1", "src-1", 0.9).unwrap();
        let header = authorization_header(
            "https://lms.example.org/outcomes?a=1",
            body.as_bytes(),
            "key-1",
            "s3cret",
            "n-1",
            1_000,
        )
        .unwrap();
        let fields = header.strip_prefix("OAuth ").unwrap();
        let params: Vec<(String, String)> = fields
            .split(", ")
            .map(|f| {
                let (k, v) = f.split_once('=').unwrap();
                let v = v.trim_matches('"');
                let v =
                    url::form_urlencoded::parse(format!("x={}", v.replace('+', "%2B")).as_bytes())
                        .next()
                        .unwrap()
                        .1
                        .into_owned();
                (k.to_owned(), v)
            })
            .collect();
        assert!(params.contains(&("oauth_body_hash".into(), body_hash(body.as_bytes()))));
        let url = Url::parse("https://lms.example.org/outcomes?a=1").unwrap();
        let v = oauth::verify("POST", &url, &params, "s3cret", 1_000, 300).unwrap();
        assert_eq!(v.consumer_key, "key-1");
        assert_eq!(v.nonce, "n-1");
    }

    #[test]
    fn responses() {
        let ok = r#"<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader><imsx_POXResponseHeaderInfo>
    <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>4560</imsx_messageIdentifier>
    <imsx_statusInfo>
      <imsx_codeMajor>success</imsx_codeMajor><imsx_severity>status</imsx_severity>
      <imsx_description>Score for 3124567 is now 0.92</imsx_description>
      <imsx_messageRefIdentifier>999999123</imsx_messageRefIdentifier>
      <imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier>
    </imsx_statusInfo>
  </imsx_POXResponseHeaderInfo></imsx_POXHeader>
  <imsx_POXBody><replaceResultResponse/></imsx_POXBody>
</imsx_POXEnvelopeResponse>"#;
        let s = parse_response(ok).unwrap();
        assert!(s.success);
        assert_eq!(
            s.description.as_deref(),
            Some("Score for 3124567 is now 0.92")
        );
        let failure = r#"<ims:imsx_POXEnvelopeResponse xmlns:ims="x"><ims:imsx_POXHeader><ims:imsx_POXResponseHeaderInfo><ims:imsx_statusInfo><ims:imsx_codeMajor>failure</ims:imsx_codeMajor><ims:imsx_description>Sourcedid &amp; unknown &#233;</ims:imsx_description></ims:imsx_statusInfo></ims:imsx_POXResponseHeaderInfo></ims:imsx_POXHeader></ims:imsx_POXEnvelopeResponse>"#;
        let s = parse_response(failure).unwrap();
        assert!(!s.success);
        assert_eq!(s.code_major, "failure");
        assert_eq!(s.description.as_deref(), Some("Sourcedid & unknown é"));
        assert_eq!(
            parse_response("<html>502</html>"),
            Err(OutcomeError::BadResponse)
        );
        assert_eq!(parse_response("not xml <"), Err(OutcomeError::BadResponse));
        assert_eq!(
            parse_response(r#"<!DOCTYPE x [<!ENTITY a "b">]><imsx_POXEnvelopeResponse/>"#),
            Err(OutcomeError::BadResponse)
        );
    }
}
