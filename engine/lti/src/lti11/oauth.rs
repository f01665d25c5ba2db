//! OAuth 1.0a HMAC-SHA1 signatures (RFC 5849) as LTI 1.1 uses them: two-legged, no token secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use url::Url;

/// Percent-encoding per RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_`, `~`, in upper-case hex.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a signed request could not be handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("the request URL is not an absolute http(s) URL")]
    BadUrl,
    #[error("the OAuth parameter `{0}` is missing; the LMS must sign the launch with OAuth 1.0a")]
    MissingParameter(&'static str),
    #[error("the OAuth parameter `{0}` appears more than once; the LMS sent a malformed launch")]
    DuplicateParameter(&'static str),
    #[error(
        "the launch is signed with `{0}`, but LTI 1.1 requires HMAC-SHA1; check the tool's settings in the LMS"
    )]
    UnsupportedSignatureMethod(String),
    #[error("the launch's oauth_version is not 1.0")]
    WrongVersion,
    #[error("the launch's oauth_timestamp is not a number")]
    BadTimestamp,
    #[error(
        "the launch's timestamp is outside the accepted window; the LMS clock or Rampart's is wrong, or the launch was replayed"
    )]
    StaleTimestamp,
    #[error(
        "the OAuth signature does not match; check that the consumer key and secret in the LMS match Rampart's"
    )]
    BadSignature,
}

/// The base string URI (RFC 5849 §3.4.1.2): lower-case scheme and host, default port dropped, path kept,
/// query and fragment dropped.
pub fn base_string_uri(url: &Url) -> Result<String, OAuthError> {
    let scheme = url.scheme().to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return Err(OAuthError::BadUrl);
    }
    let host = url
        .host_str()
        .ok_or(OAuthError::BadUrl)?
        .to_ascii_lowercase();
    let port = match url.port() {
        Some(p) => format!(":{p}"),
        None => String::new(),
    };
    Ok(format!("{scheme}://{host}{port}{}", url.path()))
}

/// The signature base string (RFC 5849 §3.4.1): method, base string URI and the normalised parameters
/// (the URL's query plus `params`, without `oauth_signature` and `realm`, encoded and sorted).
pub fn signature_base_string(
    method: &str,
    url: &Url,
    params: &[(String, String)],
) -> Result<String, OAuthError> {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .chain(params.iter().cloned())
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .map(|(k, v)| (percent_encode(&k), percent_encode(&v)))
        .collect();
    pairs.sort();
    let normalised = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(&base_string_uri(url)?),
        percent_encode(&normalised)
    ))
}

/// HMAC-SHA1 of `base_string` with key `enc(consumer_secret)&enc(token_secret)`, base64.
pub fn hmac_sha1_signature(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(base_string.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A request whose OAuth signature verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verified {
    pub consumer_key: String,
    /// For the caller's replay check (keep it for at least the timestamp window).
    pub nonce: String,
    pub timestamp: u64,
}

fn single<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, OAuthError> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let first = found.next().ok_or(OAuthError::MissingParameter(name))?;
    if found.next().is_some() {
        return Err(OAuthError::DuplicateParameter(name));
    }
    Ok(&first.1)
}

/// The `oauth_consumer_key` of a request, so the caller can look up the secret.
pub fn consumer_key(params: &[(String, String)]) -> Result<&str, OAuthError> {
    single(params, "oauth_consumer_key")
}

/// Verifies a two-legged HMAC-SHA1 signed request: `params` are the form (or Authorization header)
/// parameters, `url` the URL as the LMS addressed it (with its query). The timestamp must be within
/// `window` seconds of `now`. The signature is compared in constant time.
pub fn verify(
    method: &str,
    url: &Url,
    params: &[(String, String)],
    consumer_secret: &str,
    now: u64,
    window: u64,
) -> Result<Verified, OAuthError> {
    let consumer_key = consumer_key(params)?.to_owned();
    let signature = single(params, "oauth_signature")?;
    let method_name = single(params, "oauth_signature_method")?;
    if method_name != "HMAC-SHA1" {
        return Err(OAuthError::UnsupportedSignatureMethod(
            method_name
                .chars()
                .filter(|c| !c.is_control())
                .take(32)
                .collect(),
        ));
    }
    match params.iter().filter(|(k, _)| k == "oauth_version").count() {
        0 => {}
        1 if single(params, "oauth_version")? == "1.0" => {}
        1 => return Err(OAuthError::WrongVersion),
        _ => return Err(OAuthError::DuplicateParameter("oauth_version")),
    }
    let nonce = single(params, "oauth_nonce")?.to_owned();
    if nonce.is_empty() {
        return Err(OAuthError::MissingParameter("oauth_nonce"));
    }
    let timestamp: u64 = single(params, "oauth_timestamp")?
        .parse()
        .map_err(|_| OAuthError::BadTimestamp)?;
    if now.abs_diff(timestamp) > window {
        return Err(OAuthError::StaleTimestamp);
    }
    let expected = hmac_sha1_signature(
        &signature_base_string(method, url, params)?,
        consumer_secret,
        "",
    );
    if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(OAuthError::BadSignature);
    }
    Ok(Verified {
        consumer_key,
        nonce,
        timestamp,
    })
}

/// Signs a request: returns the `oauth_*` parameters including `oauth_signature` (with
/// `oauth_signature_method=HMAC-SHA1`, `oauth_version=1.0`). `extra_oauth` are further `oauth_*`
/// parameters to sign and send (such as `oauth_body_hash`); `params` are signed but not returned.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    url: &Url,
    params: &[(String, String)],
    extra_oauth: &[(String, String)],
    consumer_key: &str,
    consumer_secret: &str,
    nonce: &str,
    timestamp: u64,
) -> Result<Vec<(String, String)>, OAuthError> {
    let mut oauth: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), consumer_key.into()),
        ("oauth_nonce".into(), nonce.into()),
        ("oauth_signature_method".into(), "HMAC-SHA1".into()),
        ("oauth_timestamp".into(), timestamp.to_string()),
        ("oauth_version".into(), "1.0".into()),
    ];
    oauth.extend(extra_oauth.iter().cloned());
    let all: Vec<(String, String)> = params.iter().chain(oauth.iter()).cloned().collect();
    let signature = hmac_sha1_signature(
        &signature_base_string(method, url, &all)?,
        consumer_secret,
        "",
    );
    oauth.push(("oauth_signature".into(), signature));
    oauth.sort();
    Ok(oauth)
}

/// An `Authorization: OAuth …` header value from signed `oauth_*` parameters.
pub fn authorization_header(oauth: &[(String, String)]) -> String {
    let fields: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
        .collect();
    format!("OAuth {}", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn percent_encoding_rules() {
        assert_eq!(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
        assert_eq!(percent_encode("a b+c/&=%"), "a%20b%2Bc%2F%26%3D%25");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    /// RFC 5849 §3.4.1.1's example base string (query, form body and OAuth parameters merged).
    #[test]
    fn rfc5849_base_string_example() {
        let url =
            Url::parse("http://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        let params = p(&[
            ("realm", "Example"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
            ("c2", ""),
            ("a3", "2 q"),
        ]);
        assert_eq!(
            signature_base_string("post", &url, &params).unwrap(),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    /// RFC 5849 §1.2's signed request (with a token secret), and the OAuth 1.0 spec's Appendix A vector.
    #[test]
    fn published_hmac_sha1_vectors() {
        let url =
            Url::parse("http://photos.example.net/photos?file=vacation.jpg&size=original").unwrap();
        let mut params = p(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);
        let base = signature_base_string("GET", &url, &params).unwrap();
        assert_eq!(
            hmac_sha1_signature(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
        params[3].1 = "1191242096".into();
        params[4].1 = "kllo9940pd9333jh".into();
        params.push(("oauth_version".into(), "1.0".into()));
        let base = signature_base_string("GET", &url, &params).unwrap();
        assert_eq!(
            hmac_sha1_signature(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    #[test]
    fn base_string_uri_rules() {
        let u = |s| base_string_uri(&Url::parse(s).unwrap());
        assert_eq!(
            u("HTTPS://Rampart.Example.NET:443/lti/11?x=1#f").unwrap(),
            "https://rampart.example.net/lti/11"
        );
        assert_eq!(
            u("http://h.example:8080/p").unwrap(),
            "http://h.example:8080/p"
        );
        assert_eq!(u("ftp://h.example/p"), Err(OAuthError::BadUrl));
    }

    fn signed_launch(now: u64) -> (Url, Vec<(String, String)>) {
        let url = Url::parse("https://rampart.example.net/lti/11/launch?org=7").unwrap();
        let mut params = p(&[
            ("lti_message_type", "basic-lti-launch-request"),
            ("lti_version", "LTI-1p0"),
            ("resource_link_id", "rl 1"),
        ]);
        let oauth = sign("POST", &url, &params, &[], "key-1", "s3cret", "n-1", now).unwrap();
        params.extend(oauth);
        (url, params)
    }

    #[test]
    fn sign_verify_round_trip() {
        let (url, params) = signed_launch(1_000);
        assert_eq!(consumer_key(&params), Ok("key-1"));
        let v = verify("POST", &url, &params, "s3cret", 1_100, 300).unwrap();
        assert_eq!(
            v,
            Verified {
                consumer_key: "key-1".into(),
                nonce: "n-1".into(),
                timestamp: 1_000
            }
        );
    }

    #[test]
    fn verification_failures() {
        let (url, params) = signed_launch(1_000);
        assert_eq!(
            verify("POST", &url, &params, "wrong", 1_000, 300),
            Err(OAuthError::BadSignature)
        );
        assert_eq!(
            verify("POST", &url, &params, "s3cret", 1_301, 300),
            Err(OAuthError::StaleTimestamp)
        );
        assert_eq!(
            verify("POST", &url, &params, "s3cret", 699, 300),
            Err(OAuthError::StaleTimestamp)
        );
        let other_url = Url::parse("https://rampart.example.net/lti/11/launch?org=8").unwrap();
        assert_eq!(
            verify("POST", &other_url, &params, "s3cret", 1_000, 300),
            Err(OAuthError::BadSignature)
        );
        let mut tampered = params.clone();
        tampered[2].1 = "rl-2".into();
        assert_eq!(
            verify("POST", &url, &tampered, "s3cret", 1_000, 300),
            Err(OAuthError::BadSignature)
        );
        let set = |name: &str, value: &str| {
            let mut p = params.clone();
            p.iter_mut().find(|(k, _)| k == name).unwrap().1 = value.into();
            p
        };
        assert_eq!(
            verify(
                "POST",
                &url,
                &set("oauth_signature_method", "PLAINTEXT"),
                "s3cret",
                1_000,
                300
            ),
            Err(OAuthError::UnsupportedSignatureMethod("PLAINTEXT".into()))
        );
        assert_eq!(
            verify(
                "POST",
                &url,
                &set("oauth_version", "2.0"),
                "s3cret",
                1_000,
                300
            ),
            Err(OAuthError::WrongVersion)
        );
        assert_eq!(
            verify(
                "POST",
                &url,
                &set("oauth_timestamp", "soon"),
                "s3cret",
                1_000,
                300
            ),
            Err(OAuthError::BadTimestamp)
        );
        let without = |name: &str| {
            params
                .iter()
                .filter(|(k, _)| k != name)
                .cloned()
                .collect::<Vec<_>>()
        };
        for name in [
            "oauth_consumer_key",
            "oauth_signature",
            "oauth_nonce",
            "oauth_timestamp",
            "oauth_signature_method",
        ] {
            assert!(matches!(
                verify("POST", &url, &without(name), "s3cret", 1_000, 300),
                Err(OAuthError::MissingParameter(n)) if n == name
            ));
        }
        let mut dup = params.clone();
        dup.push(("oauth_nonce".into(), "n-2".into()));
        assert_eq!(
            verify("POST", &url, &dup, "s3cret", 1_000, 300),
            Err(OAuthError::DuplicateParameter("oauth_nonce"))
        );
    }

    #[test]
    fn authorization_header_format() {
        let h = authorization_header(&p(&[("oauth_body_hash", "a+b="), ("oauth_nonce", "n")]));
        assert_eq!(h, r#"OAuth oauth_body_hash="a%2Bb%3D", oauth_nonce="n""#);
    }
}
