//! LTI 1.1: OAuth 1.0a signed basic launches and Basic Outcomes (`replaceResultRequest`).

pub mod oauth;
pub mod outcomes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::roles::{RampartRole, map_roles};

/// A basic LTI 1.1 launch's parameters, after the OAuth signature was verified with [`oauth::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicLaunch {
    pub resource_link_id: String,
    pub resource_link_title: Option<String>,
    pub user_id: Option<String>,
    /// The roles as sent (comma-separated in the launch).
    pub roles: Vec<String>,
    pub rampart_role: RampartRole,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub context_id: Option<String>,
    pub context_label: Option<String>,
    pub context_title: Option<String>,
    /// Where to send Basic Outcomes for this user and link, with the `sourcedid` to name the result.
    pub outcome_service_url: Option<String>,
    pub result_sourcedid: Option<String>,
    pub tool_consumer_instance_guid: Option<String>,
    pub return_url: Option<String>,
    /// `custom_*` parameters, without the prefix.
    pub custom: BTreeMap<String, String>,
}

/// Why a basic launch was refused (after its signature verified).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BasicLaunchError {
    #[error("the launch parameter `{0}` is missing; the LMS must send it")]
    MissingParameter(&'static str),
    #[error(
        "the launch's lti_message_type is not basic-lti-launch-request; Rampart only handles basic launches"
    )]
    WrongMessageType,
    #[error(
        "the launch's lti_version is not LTI-1p0; configure the tool as an LTI 1.1 tool in the LMS"
    )]
    WrongVersion,
}

/// Why an LTI 1.1 launch was refused: its signature or its parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Lti11Error {
    #[error(transparent)]
    OAuth(#[from] oauth::OAuthError),
    #[error(transparent)]
    Launch(#[from] BasicLaunchError),
}

/// Verifies a basic launch POSTed to `url` (the URL as the LMS addressed it, with its query) with form
/// `params`, signed with `consumer_secret` (looked up by the caller from [`oauth::consumer_key`]), at
/// `now` within `window` seconds. The returned nonce must be checked single-use by the caller.
pub fn verify_launch(
    url: &Url,
    params: &[(String, String)],
    consumer_secret: &str,
    now: u64,
    window: u64,
) -> Result<(oauth::Verified, BasicLaunch), Lti11Error> {
    let verified = oauth::verify("POST", url, params, consumer_secret, now, window)?;
    Ok((verified, basic_launch(params)?))
}

/// Reads a basic launch from its (verified) form parameters.
pub fn basic_launch(params: &[(String, String)]) -> Result<BasicLaunch, BasicLaunchError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let message_type =
        get("lti_message_type").ok_or(BasicLaunchError::MissingParameter("lti_message_type"))?;
    if message_type != "basic-lti-launch-request" {
        return Err(BasicLaunchError::WrongMessageType);
    }
    let version = get("lti_version").ok_or(BasicLaunchError::MissingParameter("lti_version"))?;
    if version != "LTI-1p0" {
        return Err(BasicLaunchError::WrongVersion);
    }
    let resource_link_id =
        get("resource_link_id").ok_or(BasicLaunchError::MissingParameter("resource_link_id"))?;
    let roles: Vec<String> = get("roles")
        .map(|r| {
            r.split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let custom = params
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("custom_")?.to_owned(), v.clone())))
        .collect();
    Ok(BasicLaunch {
        resource_link_id,
        resource_link_title: get("resource_link_title"),
        user_id: get("user_id"),
        rampart_role: map_roles(&roles),
        roles,
        name: get("lis_person_name_full"),
        given_name: get("lis_person_name_given"),
        family_name: get("lis_person_name_family"),
        email: get("lis_person_contact_email_primary"),
        context_id: get("context_id"),
        context_label: get("context_label"),
        context_title: get("context_title"),
        outcome_service_url: get("lis_outcome_service_url"),
        result_sourcedid: get("lis_result_sourcedid"),
        tool_consumer_instance_guid: get("tool_consumer_instance_guid"),
        return_url: get("launch_presentation_return_url"),
        custom,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        [
            ("lti_message_type", "basic-lti-launch-request"),
            ("lti_version", "LTI-1p0"),
            ("resource_link_id", "rl-1"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn reads_a_full_launch() {
        let l = basic_launch(&params(&[
            ("user_id", "u-9"),
            ("roles", "Learner, urn:lti:instrole:ims/lis/Administrator"),
            ("lis_person_name_full", "Ada Lovelace"),
            ("lis_person_contact_email_primary", "ada@example.org"),
            ("context_id", "c-1"),
            (
                "lis_outcome_service_url",
                "https://lms.example.org/outcomes",
            ),
            ("lis_result_sourcedid", "src-1"),
            ("custom_package", "phishing-1"),
            ("oauth_nonce", "n"),
        ]))
        .unwrap();
        assert_eq!(l.resource_link_id, "rl-1");
        assert_eq!(l.user_id.as_deref(), Some("u-9"));
        assert_eq!(
            l.roles,
            ["Learner", "urn:lti:instrole:ims/lis/Administrator"]
        );
        assert_eq!(l.rampart_role, RampartRole::Administrator);
        assert_eq!(l.email.as_deref(), Some("ada@example.org"));
        assert_eq!(
            l.outcome_service_url.as_deref(),
            Some("https://lms.example.org/outcomes")
        );
        assert_eq!(l.result_sourcedid.as_deref(), Some("src-1"));
        assert_eq!(
            l.custom.get("package").map(String::as_str),
            Some("phishing-1")
        );
        assert_eq!(l.custom.len(), 1);
    }

    #[test]
    fn required_parameters() {
        let no_roles = basic_launch(&params(&[])).unwrap();
        assert_eq!(no_roles.rampart_role, RampartRole::Learner);
        let drop = |name: &str| {
            params(&[])
                .into_iter()
                .filter(|(k, _)| k != name)
                .collect::<Vec<_>>()
        };
        for name in ["lti_message_type", "lti_version", "resource_link_id"] {
            assert!(matches!(
                basic_launch(&drop(name)),
                Err(BasicLaunchError::MissingParameter(n)) if n == name
            ));
        }
        let mut p = params(&[]);
        p[0].1 = "ContentItemSelectionRequest".into();
        assert_eq!(basic_launch(&p), Err(BasicLaunchError::WrongMessageType));
        let mut p = params(&[]);
        p[1].1 = "LTI-2p0".into();
        assert_eq!(basic_launch(&p), Err(BasicLaunchError::WrongVersion));
    }
}
