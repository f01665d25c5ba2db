//! LTI Dynamic Registration (1EdTech): read the platform's OpenID configuration, build the tool's
//! registration request, read the registration response, and turn them into a [`Platform`].
//!
//! The server fetches `openid_configuration` (with the `registration_token`, if any), posts the request
//! built here to `registration_endpoint`, and stores the resulting [`Platform`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::claims;
use crate::oidc::Platform;

pub const PLATFORM_CONFIGURATION: &str =
    "https://purl.imsglobal.org/spec/lti-platform-configuration";
pub const TOOL_CONFIGURATION: &str = "https://purl.imsglobal.org/spec/lti-tool-configuration";

/// The parts of the platform's OpenID configuration Rampart uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub registration_endpoint: String,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(rename = "https://purl.imsglobal.org/spec/lti-platform-configuration")]
    pub lti: LtiPlatformConfiguration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LtiPlatformConfiguration {
    pub product_family_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub messages_supported: Vec<SupportedMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportedMessage {
    #[serde(rename = "type")]
    pub message_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placements: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error(
        "the platform's OpenID configuration is not valid JSON with the required fields; check the registration URL given to the LMS"
    )]
    BadConfiguration,
    #[error(
        "the platform's issuer is not on the host its OpenID configuration was fetched from; refusing to register"
    )]
    IssuerMismatch,
    #[error("the platform's `{0}` is not a valid URL; the LMS sent a broken configuration")]
    BadEndpoint(&'static str),
    #[error("the platform does not sign launches with RS256, which LTI 1.3 requires")]
    NoRs256,
    #[error("the tool's base URL is not an absolute http(s) URL; fix Rampart's public URL setting")]
    BadBaseUrl,
    #[error(
        "the platform's registration response is not valid JSON with a client_id; registration failed on the LMS side"
    )]
    BadResponse,
}

impl PlatformConfiguration {
    /// Parses and checks the configuration fetched from `config_url`: the issuer must be on the same host,
    /// the endpoints must be URLs and, when the platform lists its signing algorithms, RS256 must be one.
    pub fn parse(json: &str, config_url: &str) -> Result<Self, RegistrationError> {
        let config: Self =
            serde_json::from_str(json).map_err(|_| RegistrationError::BadConfiguration)?;
        let host = |u: &str| {
            Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        };
        let fetched_from = host(config_url).ok_or(RegistrationError::IssuerMismatch)?;
        if host(&config.issuer) != Some(fetched_from) {
            return Err(RegistrationError::IssuerMismatch);
        }
        for (name, url) in [
            ("authorization_endpoint", &config.authorization_endpoint),
            ("token_endpoint", &config.token_endpoint),
            ("jwks_uri", &config.jwks_uri),
            ("registration_endpoint", &config.registration_endpoint),
        ] {
            if host(url).is_none() {
                return Err(RegistrationError::BadEndpoint(name));
            }
        }
        if !config.id_token_signing_alg_values_supported.is_empty()
            && !config
                .id_token_signing_alg_values_supported
                .iter()
                .any(|a| a == "RS256")
        {
            return Err(RegistrationError::NoRs256);
        }
        Ok(config)
    }

    /// Whether the platform says it supports `message_type` (an empty list is taken as resource links only).
    pub fn supports(&self, message_type: &str) -> bool {
        if self.lti.messages_supported.is_empty() {
            return message_type == claims::RESOURCE_LINK_REQUEST;
        }
        self.lti
            .messages_supported
            .iter()
            .any(|m| m.message_type == message_type)
    }
}

/// Rampart's LTI URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolUrls {
    pub base: Url,
    pub login: Url,
    pub launch: Url,
    pub deep_linking: Url,
    pub jwks: Url,
    pub logo: Url,
}

impl ToolUrls {
    /// The default layout under `base` (`/lti/login`, `/lti/launch`, `/lti/deep-linking`, `/lti/jwks.json`,
    /// `/favicon.svg`).
    pub fn from_base(base: &str) -> Result<Self, RegistrationError> {
        let base = Url::parse(base).map_err(|_| RegistrationError::BadBaseUrl)?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(RegistrationError::BadBaseUrl);
        }
        let mut base = base;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        let join = |p: &str| base.join(p).map_err(|_| RegistrationError::BadBaseUrl);
        Ok(Self {
            login: join("lti/login")?,
            launch: join("lti/launch")?,
            deep_linking: join("lti/deep-linking")?,
            jwks: join("lti/jwks.json")?,
            logo: join("favicon.svg")?,
            base,
        })
    }
}

/// The tool's registration request (a JSON body for `registration_endpoint`), offering only the messages
/// the platform supports.
pub fn registration_request(
    urls: &ToolUrls,
    client_name: &str,
    platform: &PlatformConfiguration,
) -> Value {
    let mut scopes: Vec<&str> = claims::AGS_SCOPES.to_vec();
    scopes.push(claims::SCOPE_NRPS_MEMBERSHIP);
    let mut messages = vec![json!({
        "type": claims::RESOURCE_LINK_REQUEST,
        "target_link_uri": urls.launch.as_str(),
    })];
    if platform.supports(claims::DEEP_LINKING_REQUEST) {
        messages.push(json!({
            "type": claims::DEEP_LINKING_REQUEST,
            "target_link_uri": urls.deep_linking.as_str(),
            "label": client_name,
        }));
    }
    json!({
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login.as_str(),
        "redirect_uris": [urls.launch.as_str(), urls.deep_linking.as_str()],
        "client_name": client_name,
        "jwks_uri": urls.jwks.as_str(),
        "logo_uri": urls.logo.as_str(),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": scopes.join(" "),
        TOOL_CONFIGURATION: {
            "domain": urls.base.host_str().unwrap_or_default(),
            "target_link_uri": urls.launch.as_str(),
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": messages,
        },
    })
}

/// What the platform answered: the client ID it assigned, and the deployment if it created one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub client_id: String,
    pub deployment_id: Option<String>,
}

/// Reads the registration response.
pub fn parse_registration_response(json: &str) -> Result<Registered, RegistrationError> {
    #[derive(Deserialize)]
    struct Response {
        client_id: String,
        #[serde(
            rename = "https://purl.imsglobal.org/spec/lti-tool-configuration",
            default
        )]
        tool: Option<ToolPart>,
    }
    #[derive(Deserialize)]
    struct ToolPart {
        #[serde(default)]
        deployment_id: Option<String>,
    }
    let r: Response = serde_json::from_str(json).map_err(|_| RegistrationError::BadResponse)?;
    if r.client_id.is_empty() {
        return Err(RegistrationError::BadResponse);
    }
    Ok(Registered {
        client_id: r.client_id,
        deployment_id: r
            .tool
            .and_then(|t| t.deployment_id)
            .filter(|d| !d.is_empty()),
    })
}

/// The platform registration to store.
pub fn platform(config: &PlatformConfiguration, registered: &Registered) -> Platform {
    Platform {
        issuer: config.issuer.clone(),
        client_id: registered.client_id.clone(),
        auth_endpoint: config.authorization_endpoint.clone(),
        token_endpoint: config.token_endpoint.clone(),
        jwks_url: config.jwks_uri.clone(),
        deployment_ids: registered.deployment_id.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG_URL: &str = "https://moodle.example.org/mod/lti/openid-configuration.php";

    fn moodle_config() -> String {
        json!({
            "issuer": "https://moodle.example.org",
            "token_endpoint": "https://moodle.example.org/mod/lti/token.php",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": "https://moodle.example.org/mod/lti/certs.php",
            "authorization_endpoint": "https://moodle.example.org/mod/lti/auth.php",
            "registration_endpoint": "https://moodle.example.org/mod/lti/openid-registration.php",
            "scopes_supported": ["https://purl.imsglobal.org/spec/lti-ags/scope/score", "openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]}
                ],
                "variables": ["CourseSection.timeFrame.end"]
            }
        })
        .to_string()
    }

    #[test]
    fn parses_a_platform_configuration() {
        let c = PlatformConfiguration::parse(&moodle_config(), CONFIG_URL).unwrap();
        assert_eq!(c.issuer, "https://moodle.example.org");
        assert_eq!(c.lti.product_family_code, "moodle");
        assert!(c.supports("LtiDeepLinkingRequest"));
        assert!(!c.supports("LtiSubmissionReviewRequest"));
        assert_eq!(
            c.lti.messages_supported[1].placements.as_deref(),
            Some(&["ContentArea".to_owned()][..])
        );
    }

    #[test]
    fn configuration_checks() {
        assert_eq!(
            PlatformConfiguration::parse(&moodle_config(), "https://evil.example.com/config"),
            Err(RegistrationError::IssuerMismatch)
        );
        assert_eq!(
            PlatformConfiguration::parse("{}", CONFIG_URL),
            Err(RegistrationError::BadConfiguration)
        );
        let mut v: Value = serde_json::from_str(&moodle_config()).unwrap();
        v["token_endpoint"] = json!("/relative");
        assert_eq!(
            PlatformConfiguration::parse(&v.to_string(), CONFIG_URL),
            Err(RegistrationError::BadEndpoint("token_endpoint"))
        );
        let mut v: Value = serde_json::from_str(&moodle_config()).unwrap();
        v["id_token_signing_alg_values_supported"] = json!(["HS256"]);
        assert_eq!(
            PlatformConfiguration::parse(&v.to_string(), CONFIG_URL),
            Err(RegistrationError::NoRs256)
        );
        let mut v: Value = serde_json::from_str(&moodle_config()).unwrap();
        v[PLATFORM_CONFIGURATION]["messages_supported"] = json!([]);
        let c = PlatformConfiguration::parse(&v.to_string(), CONFIG_URL).unwrap();
        assert!(c.supports("LtiResourceLinkRequest"));
        assert!(!c.supports("LtiDeepLinkingRequest"));
    }

    #[test]
    fn builds_the_registration_request() {
        let c = PlatformConfiguration::parse(&moodle_config(), CONFIG_URL).unwrap();
        let urls = ToolUrls::from_base("https://rampart.example.net/app?x=1").unwrap();
        assert_eq!(
            urls.launch.as_str(),
            "https://rampart.example.net/app/lti/launch"
        );
        let r = registration_request(&urls, "Rampart", &c);
        assert_eq!(r["application_type"], "web");
        assert_eq!(r["response_types"], json!(["id_token"]));
        assert_eq!(r["grant_types"], json!(["implicit", "client_credentials"]));
        assert_eq!(
            r["initiate_login_uri"],
            "https://rampart.example.net/app/lti/login"
        );
        assert_eq!(
            r["redirect_uris"],
            json!([
                "https://rampart.example.net/app/lti/launch",
                "https://rampart.example.net/app/lti/deep-linking"
            ])
        );
        assert_eq!(r["client_name"], "Rampart");
        assert_eq!(
            r["jwks_uri"],
            "https://rampart.example.net/app/lti/jwks.json"
        );
        assert_eq!(r["logo_uri"], "https://rampart.example.net/app/favicon.svg");
        assert_eq!(r["token_endpoint_auth_method"], "private_key_jwt");
        let scope = r["scope"].as_str().unwrap();
        assert!(
            scope.contains(claims::SCOPE_SCORE) && scope.contains(claims::SCOPE_NRPS_MEMBERSHIP)
        );
        let tool = &r[TOOL_CONFIGURATION];
        assert_eq!(tool["domain"], "rampart.example.net");
        assert_eq!(
            tool["target_link_uri"],
            "https://rampart.example.net/app/lti/launch"
        );
        assert!(tool["claims"].as_array().unwrap().contains(&json!("email")));
        assert_eq!(tool["messages"][0]["type"], "LtiResourceLinkRequest");
        assert_eq!(tool["messages"][1]["type"], "LtiDeepLinkingRequest");
        assert_eq!(
            tool["messages"][1]["target_link_uri"],
            "https://rampart.example.net/app/lti/deep-linking"
        );

        let mut v: Value = serde_json::from_str(&moodle_config()).unwrap();
        v[PLATFORM_CONFIGURATION]["messages_supported"] =
            json!([{"type": "LtiResourceLinkRequest"}]);
        let c = PlatformConfiguration::parse(&v.to_string(), CONFIG_URL).unwrap();
        let r = registration_request(&urls, "Rampart", &c);
        assert_eq!(
            r[TOOL_CONFIGURATION]["messages"].as_array().unwrap().len(),
            1
        );
        assert_eq!(
            ToolUrls::from_base("ftp://x/"),
            Err(RegistrationError::BadBaseUrl)
        );
        assert_eq!(
            ToolUrls::from_base("nope"),
            Err(RegistrationError::BadBaseUrl)
        );
    }

    #[test]
    fn reads_the_response_into_a_platform() {
        let response = json!({
            "client_id": "AbC123",
            "response_types": ["id_token"],
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                "domain": "rampart.example.net",
                "deployment_id": "7"
            }
        })
        .to_string();
        let r = parse_registration_response(&response).unwrap();
        assert_eq!(
            r,
            Registered {
                client_id: "AbC123".into(),
                deployment_id: Some("7".into())
            }
        );
        let c = PlatformConfiguration::parse(&moodle_config(), CONFIG_URL).unwrap();
        let p = platform(&c, &r);
        assert_eq!(p.issuer, "https://moodle.example.org");
        assert_eq!(
            p.auth_endpoint,
            "https://moodle.example.org/mod/lti/auth.php"
        );
        assert_eq!(p.jwks_url, "https://moodle.example.org/mod/lti/certs.php");
        assert_eq!(p.deployment_ids, ["7"]);
        let bare = parse_registration_response(r#"{"client_id":"x"}"#).unwrap();
        assert_eq!(bare.deployment_id, None);
        assert_eq!(
            parse_registration_response(r#"{"error":"invalid"}"#),
            Err(RegistrationError::BadResponse)
        );
        assert_eq!(
            parse_registration_response(r#"{"client_id":""}"#),
            Err(RegistrationError::BadResponse)
        );
    }
}
