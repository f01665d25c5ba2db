//! The `LtiDeepLinkingResponse`: the signed JWT the tool posts back (as `JWT` form field, auto-submitted
//! by the browser) to the platform's `deep_link_return_url` with the content items the instructor chose.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::claims;
use crate::jwt::{SigningKey, SigningKeyError};
use crate::launch::DeepLinkingSettings;

/// An `ltiResourceLink` content item: a link that launches Rampart content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceLinkItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The launch URL (the platform uses its default target link URI when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, String>,
    /// Asks the platform to create a gradebook column coupled with the link.
    #[serde(rename = "lineItem", skip_serializing_if = "Option::is_none")]
    pub line_item: Option<ItemLineItem>,
}

/// The `lineItem` of a content item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemLineItem {
    pub score_maximum: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// What goes into a deep linking response besides the items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseContext<'a> {
    /// Rampart's client ID on the platform (the response's `iss`).
    pub client_id: &'a str,
    /// The platform's issuer (the response's `aud`).
    pub platform_issuer: &'a str,
    pub deployment_id: &'a str,
    /// A fresh random nonce from the caller.
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: u64,
    /// How long the response is valid, in seconds (a few minutes).
    pub lifetime: u64,
    /// An optional message shown to the instructor by the platform.
    pub msg: Option<&'a str>,
}

/// Why a deep linking response could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkingError {
    #[error(
        "the platform does not accept LTI resource links in this deep linking request; check the placement configured in the LMS"
    )]
    ResourceLinksNotAccepted,
    #[error("the platform accepts only one item here, but several were chosen; choose one")]
    MultipleNotAccepted,
    #[error(
        "the platform does not accept grade columns (lineItem) here; choose content without a grade or enable grading in the LMS placement"
    )]
    LineItemNotAccepted,
    #[error("a content item's scoreMaximum must be a positive number")]
    BadScoreMaximum,
    #[error(transparent)]
    Signing(#[from] SigningKeyError),
}

/// The claims of the response JWT, checked against what the request's `settings` accept.
pub fn response_claims(
    ctx: &ResponseContext<'_>,
    settings: &DeepLinkingSettings,
    items: &[ResourceLinkItem],
) -> Result<Value, DeepLinkingError> {
    if !items.is_empty()
        && !settings.accept_types.is_empty()
        && !settings.accept_types.iter().any(|t| t == "ltiResourceLink")
    {
        return Err(DeepLinkingError::ResourceLinksNotAccepted);
    }
    if items.len() > 1 && settings.accept_multiple == Some(false) {
        return Err(DeepLinkingError::MultipleNotAccepted);
    }
    for item in items {
        if let Some(line_item) = &item.line_item {
            if settings.accept_lineitem == Some(false) {
                return Err(DeepLinkingError::LineItemNotAccepted);
            }
            if !(line_item.score_maximum.is_finite() && line_item.score_maximum > 0.0) {
                return Err(DeepLinkingError::BadScoreMaximum);
            }
        }
    }
    let content_items: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut v = serde_json::to_value(item).unwrap_or(Value::Null);
            v["type"] = json!("ltiResourceLink");
            v
        })
        .collect();
    let mut claims = json!({
        "iss": ctx.client_id,
        "aud": ctx.platform_issuer,
        "iat": ctx.now,
        "exp": ctx.now.saturating_add(ctx.lifetime),
        "nonce": ctx.nonce,
        claims::DEPLOYMENT_ID: ctx.deployment_id,
        claims::MESSAGE_TYPE: claims::DEEP_LINKING_RESPONSE,
        claims::VERSION: claims::LTI_VERSION,
        claims::DL_CONTENT_ITEMS: content_items,
    });
    if let Some(data) = &settings.data {
        claims[claims::DL_DATA] = json!(data);
    }
    if let Some(msg) = ctx.msg {
        claims[claims::DL_MSG] = json!(msg);
    }
    Ok(claims)
}

/// Builds and signs (RS256, with the key's `kid`) the deep linking response JWT.
pub fn signed_response(
    ctx: &ResponseContext<'_>,
    settings: &DeepLinkingSettings,
    items: &[ResourceLinkItem],
    key: &SigningKey,
) -> Result<String, DeepLinkingError> {
    let claims = response_claims(ctx, settings, items)?;
    Ok(key.sign(&claims)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys;

    fn settings() -> DeepLinkingSettings {
        DeepLinkingSettings {
            deep_link_return_url: "https://lms.example.org/dl".into(),
            accept_types: vec!["link".into(), "ltiResourceLink".into()],
            accept_presentation_document_targets: vec!["iframe".into()],
            accept_media_types: None,
            accept_multiple: Some(false),
            accept_lineitem: Some(true),
            auto_create: None,
            title: None,
            text: None,
            data: Some("csrf-echo".into()),
        }
    }

    fn ctx() -> ResponseContext<'static> {
        ResponseContext {
            client_id: "rampart-client",
            platform_issuer: "https://lms.example.org",
            deployment_id: "dep-1",
            nonce: "fresh-nonce",
            now: 1_000,
            lifetime: 300,
            msg: None,
        }
    }

    fn item() -> ResourceLinkItem {
        ResourceLinkItem {
            title: Some("Phishing basics".into()),
            url: Some("https://rampart.example.net/lti/launch".into()),
            custom: BTreeMap::from([("package".into(), "phishing-1".into())]),
            line_item: Some(ItemLineItem {
                score_maximum: 100.0,
                label: Some("Phishing basics".into()),
                resource_id: Some("phishing-1".into()),
                tag: Some("rampart".into()),
            }),
        }
    }

    #[test]
    fn claims_have_everything_the_platform_checks() {
        let c = response_claims(&ctx(), &settings(), &[item()]).unwrap();
        assert_eq!(c["iss"], "rampart-client");
        assert_eq!(c["aud"], "https://lms.example.org");
        assert_eq!(c["iat"], 1_000);
        assert_eq!(c["exp"], 1_300);
        assert_eq!(c["nonce"], "fresh-nonce");
        assert_eq!(c[claims::DEPLOYMENT_ID], "dep-1");
        assert_eq!(c[claims::MESSAGE_TYPE], "LtiDeepLinkingResponse");
        assert_eq!(c[claims::VERSION], "1.3.0");
        assert_eq!(c[claims::DL_DATA], "csrf-echo");
        assert!(c.get(claims::DL_MSG).is_none());
        assert_eq!(
            c[claims::DL_CONTENT_ITEMS],
            json!([{
                "type": "ltiResourceLink",
                "title": "Phishing basics",
                "url": "https://rampart.example.net/lti/launch",
                "custom": {"package": "phishing-1"},
                "lineItem": {"scoreMaximum": 100.0, "label": "Phishing basics", "resourceId": "phishing-1", "tag": "rampart"}
            }])
        );
    }

    #[test]
    fn no_data_no_items_and_a_message() {
        let mut s = settings();
        s.data = None;
        let mut cx = ctx();
        cx.msg = Some("Nothing chosen");
        let c = response_claims(&cx, &s, &[]).unwrap();
        assert!(c.get(claims::DL_DATA).is_none());
        assert_eq!(c[claims::DL_CONTENT_ITEMS], json!([]));
        assert_eq!(c[claims::DL_MSG], "Nothing chosen");
    }

    #[test]
    fn respects_what_the_platform_accepts() {
        let mut s = settings();
        assert_eq!(
            response_claims(&ctx(), &s, &[item(), item()]),
            Err(DeepLinkingError::MultipleNotAccepted)
        );
        s.accept_multiple = Some(true);
        assert!(response_claims(&ctx(), &s, &[item(), item()]).is_ok());
        s.accept_lineitem = Some(false);
        assert_eq!(
            response_claims(&ctx(), &s, &[item()]),
            Err(DeepLinkingError::LineItemNotAccepted)
        );
        s.accept_types = vec!["file".into()];
        assert_eq!(
            response_claims(&ctx(), &s, &[item()]),
            Err(DeepLinkingError::ResourceLinksNotAccepted)
        );
        let mut bad = item();
        bad.line_item.as_mut().unwrap().score_maximum = 0.0;
        assert_eq!(
            response_claims(&ctx(), &settings(), &[bad]),
            Err(DeepLinkingError::BadScoreMaximum)
        );
    }

    #[test]
    fn signed_response_verifies_with_the_tool_jwks() {
        let token = signed_response(&ctx(), &settings(), &[item()], &test_keys::tool()).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        assert_eq!(header.kid.as_deref(), Some("tool-key-1"));
        let claims = crate::launch::verify_signature(&token, &test_keys::tool_jwks()).unwrap();
        assert_eq!(claims["iss"], "rampart-client");
        assert_eq!(claims[claims::MESSAGE_TYPE], "LtiDeepLinkingResponse");
    }
}
