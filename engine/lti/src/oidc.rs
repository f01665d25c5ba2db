//! OIDC third-party login initiation (the first step of an LTI 1.3 launch) and the authentication
//! request the tool redirects the browser to.

use serde::{Deserialize, Serialize};
use url::Url;

/// A platform (LMS) registration as the tool knows it. One issuer may have several registrations, one
/// per `client_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub issuer: String,
    pub client_id: String,
    /// The platform's OIDC authorisation endpoint (where the authentication request goes).
    pub auth_endpoint: String,
    /// The platform's OAuth 2 token endpoint (for AGS and NRPS tokens).
    pub token_endpoint: String,
    /// Where the platform publishes its public keys.
    pub jwks_url: String,
    /// The deployments of the tool on this platform that Rampart accepts.
    pub deployment_ids: Vec<String>,
}

impl Platform {
    /// Whether `deployment_id` is one of this registration's deployments.
    pub fn knows_deployment(&self, deployment_id: &str) -> bool {
        self.deployment_ids.iter().any(|d| d == deployment_id)
    }
}

/// Finds the registration for `issuer` and, when given, `client_id`. Without a `client_id` the issuer must
/// have exactly one registration.
pub fn find_platform<'a>(
    platforms: &'a [Platform],
    issuer: &str,
    client_id: Option<&str>,
) -> Result<&'a Platform, LoginError> {
    let mut of_issuer = platforms.iter().filter(|p| p.issuer == issuer);
    match client_id {
        Some(client_id) => {
            let mut any = false;
            for p in of_issuer {
                any = true;
                if p.client_id == client_id {
                    return Ok(p);
                }
            }
            if any {
                Err(LoginError::UnknownClientId)
            } else {
                Err(LoginError::UnknownIssuer)
            }
        }
        None => match (of_issuer.next(), of_issuer.next()) {
            (None, _) => Err(LoginError::UnknownIssuer),
            (Some(p), None) => Ok(p),
            (Some(_), Some(_)) => Err(LoginError::AmbiguousClientId),
        },
    }
}

/// The parameters of a login initiation request (GET query or POST form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginInitiation {
    pub iss: Option<String>,
    pub login_hint: Option<String>,
    pub target_link_uri: Option<String>,
    pub lti_message_hint: Option<String>,
    pub client_id: Option<String>,
    pub lti_deployment_id: Option<String>,
}

/// A login initiation that passed [`validate_login`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLogin<'a> {
    pub platform: &'a Platform,
    pub login_hint: String,
    pub lti_message_hint: Option<String>,
    pub target_link_uri: String,
    pub deployment_id: Option<String>,
}

/// Why a login initiation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "the login request has no `{0}` parameter; the LMS must send it (check the tool's login URL in the LMS)"
    )]
    MissingParameter(&'static str),
    #[error(
        "the login request comes from an issuer that is not registered in Rampart; register the platform first"
    )]
    UnknownIssuer,
    #[error(
        "the login request's client_id is not registered for this issuer; check the client ID in Rampart's platform registration"
    )]
    UnknownClientId,
    #[error(
        "this issuer has several registrations and the login request names no client_id; ask the LMS admin to send client_id"
    )]
    AmbiguousClientId,
    #[error(
        "the login request's lti_deployment_id is not a known deployment; add the deployment ID to the platform registration"
    )]
    UnknownDeployment,
    #[error(
        "the login request's target_link_uri is not a Rampart URL; check the tool's launch URL in the LMS"
    )]
    ForeignTargetLinkUri,
    #[error(
        "the platform's authorisation endpoint is not a valid URL; fix it in the platform registration"
    )]
    BadAuthEndpoint,
}

/// Validates a login initiation against the known registrations. `tool_url` is Rampart's own base URL:
/// `target_link_uri` must be on the same origin (so the launch cannot be sent elsewhere).
pub fn validate_login<'a>(
    params: &LoginInitiation,
    platforms: &'a [Platform],
    tool_url: &Url,
) -> Result<ValidLogin<'a>, LoginError> {
    let required = |value: &Option<String>, name: &'static str| {
        value
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or(LoginError::MissingParameter(name))
    };
    let iss = required(&params.iss, "iss")?;
    let login_hint = required(&params.login_hint, "login_hint")?;
    let target_link_uri = required(&params.target_link_uri, "target_link_uri")?;
    let client_id = params.client_id.as_deref().filter(|c| !c.is_empty());
    let platform = find_platform(platforms, &iss, client_id)?;
    let deployment_id = params.lti_deployment_id.clone().filter(|d| !d.is_empty());
    if let Some(d) = &deployment_id
        && !platform.knows_deployment(d)
    {
        return Err(LoginError::UnknownDeployment);
    }
    let target = Url::parse(&target_link_uri).map_err(|_| LoginError::ForeignTargetLinkUri)?;
    if target.origin() != tool_url.origin() {
        return Err(LoginError::ForeignTargetLinkUri);
    }
    Ok(ValidLogin {
        platform,
        login_hint,
        lti_message_hint: params.lti_message_hint.clone(),
        target_link_uri,
        deployment_id,
    })
}

/// Builds the OIDC authentication request URL (implicit flow, `form_post`) the browser is redirected to.
/// `state` and `nonce` are fresh random values from the caller, who keeps them for the launch.
pub fn auth_request_url(
    login: &ValidLogin<'_>,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
) -> Result<Url, LoginError> {
    let mut url =
        Url::parse(&login.platform.auth_endpoint).map_err(|_| LoginError::BadAuthEndpoint)?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("scope", "openid")
            .append_pair("response_type", "id_token")
            .append_pair("response_mode", "form_post")
            .append_pair("prompt", "none")
            .append_pair("client_id", &login.platform.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("login_hint", &login.login_hint);
        if let Some(hint) = &login.lti_message_hint {
            q.append_pair("lti_message_hint", hint);
        }
        q.append_pair("state", state).append_pair("nonce", nonce);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn platform(client_id: &str) -> Platform {
        Platform {
            issuer: "https://lms.example.org".into(),
            client_id: client_id.into(),
            auth_endpoint: "https://lms.example.org/auth?x=1".into(),
            token_endpoint: "https://lms.example.org/token".into(),
            jwks_url: "https://lms.example.org/jwks".into(),
            deployment_ids: vec!["dep-1".into()],
        }
    }

    fn tool() -> Url {
        Url::parse("https://rampart.example.net/").unwrap()
    }

    fn params() -> LoginInitiation {
        LoginInitiation {
            iss: Some("https://lms.example.org".into()),
            login_hint: Some("user-7".into()),
            target_link_uri: Some("https://rampart.example.net/lti/launch".into()),
            lti_message_hint: Some("msg hint&x".into()),
            client_id: Some("c1".into()),
            lti_deployment_id: Some("dep-1".into()),
        }
    }

    #[test]
    fn valid_login_builds_the_auth_request() {
        let platforms = [platform("c1"), platform("c2")];
        let login = validate_login(&params(), &platforms, &tool()).unwrap();
        assert_eq!(login.platform.client_id, "c1");
        let url =
            auth_request_url(&login, "https://rampart.example.net/lti/launch", "st", "no").unwrap();
        let q: HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["x"], "1", "existing query kept");
        assert_eq!(q["scope"], "openid");
        assert_eq!(q["response_type"], "id_token");
        assert_eq!(q["response_mode"], "form_post");
        assert_eq!(q["prompt"], "none");
        assert_eq!(q["client_id"], "c1");
        assert_eq!(q["redirect_uri"], "https://rampart.example.net/lti/launch");
        assert_eq!(q["login_hint"], "user-7");
        assert_eq!(q["lti_message_hint"], "msg hint&x");
        assert_eq!(q["state"], "st");
        assert_eq!(q["nonce"], "no");
    }

    #[test]
    fn message_hint_is_optional() {
        let mut p = params();
        p.lti_message_hint = None;
        let platforms = [platform("c1")];
        let login = validate_login(&p, &platforms, &tool()).unwrap();
        let url = auth_request_url(&login, "https://r/", "s", "n").unwrap();
        assert!(!url.query_pairs().any(|(k, _)| k == "lti_message_hint"));
    }

    #[test]
    fn required_parameters() {
        let platforms = [platform("c1")];
        for (name, clear) in [
            (
                "iss",
                (|p: &mut LoginInitiation| p.iss = None) as fn(&mut LoginInitiation),
            ),
            ("login_hint", |p| p.login_hint = Some(String::new())),
            ("target_link_uri", |p| p.target_link_uri = None),
        ] {
            let mut p = params();
            clear(&mut p);
            assert_eq!(
                validate_login(&p, &platforms, &tool()),
                Err(LoginError::MissingParameter(name))
            );
        }
    }

    #[test]
    fn client_id_selection() {
        let two = [platform("c1"), platform("c2")];
        let one = [platform("c1")];
        let mut p = params();
        p.client_id = None;
        assert_eq!(
            validate_login(&p, &two, &tool()),
            Err(LoginError::AmbiguousClientId)
        );
        assert_eq!(
            validate_login(&p, &one, &tool())
                .unwrap()
                .platform
                .client_id,
            "c1"
        );
        p.client_id = Some("c3".into());
        assert_eq!(
            validate_login(&p, &two, &tool()),
            Err(LoginError::UnknownClientId)
        );
        p.iss = Some("https://other.example.org".into());
        assert_eq!(
            validate_login(&p, &two, &tool()),
            Err(LoginError::UnknownIssuer)
        );
    }

    #[test]
    fn deployment_and_target_checks() {
        let platforms = [platform("c1")];
        let mut p = params();
        p.lti_deployment_id = Some("dep-9".into());
        assert_eq!(
            validate_login(&p, &platforms, &tool()),
            Err(LoginError::UnknownDeployment)
        );
        let mut p = params();
        p.lti_deployment_id = None;
        assert!(validate_login(&p, &platforms, &tool()).is_ok());
        p.target_link_uri = Some("https://evil.example.com/lti/launch".into());
        assert_eq!(
            validate_login(&p, &platforms, &tool()),
            Err(LoginError::ForeignTargetLinkUri)
        );
        p.target_link_uri = Some("not a url".into());
        assert_eq!(
            validate_login(&p, &platforms, &tool()),
            Err(LoginError::ForeignTargetLinkUri)
        );
    }
}
