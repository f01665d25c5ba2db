//! Names and Role Provisioning Services: the membership container and the `Link` header for paging.

use serde::{Deserialize, Serialize};

pub const MEMBERSHIP_MEDIA_TYPE: &str = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";

/// One page of a course's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipContainer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<MembershipContext>,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipContext {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberStatus {
    #[default]
    Active,
    Inactive,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Defaults to Active when the platform leaves it out.
    #[serde(default)]
    pub status: MemberStatus,
    pub user_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lis_person_sourcedid: Option<String>,
}

/// The URL of the `rel="next"` link in an HTTP `Link` header, if any (RFC 8288: several comma-separated
/// links, `rel` quoted or not, possibly with several space-separated relation types).
pub fn next_page(link_header: &str) -> Option<String> {
    let mut rest = link_header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        rest = &rest[end + 1..];
        // Parameters run to the next link (a comma outside quotes) or the end.
        let mut in_quotes = false;
        let params_end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quotes = !in_quotes;
                }
                c == ',' && !in_quotes
            })
            .map_or(rest.len(), |(i, _)| i);
        let params = &rest[..params_end];
        rest = &rest[params_end..];
        let is_next = params.split(';').any(|p| {
            let Some((key, value)) = p.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_membership_page() {
        let text = r#"{
          "id": "https://lms.example.org/nrps/9",
          "context": {"id": "course-9", "label": "SEC101", "title": "Security 101"},
          "members": [
            {"status": "Active", "name": "Ada Lovelace", "email": "ada@example.org", "user_id": "u1",
             "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]},
            {"user_id": "u2", "roles": ["Instructor"]},
            {"status": "Deleted", "user_id": "u3", "roles": []}
          ]
        }"#;
        let page: MembershipContainer = serde_json::from_str(text).unwrap();
        assert_eq!(page.context.as_ref().unwrap().id, "course-9");
        assert_eq!(page.members.len(), 3);
        assert_eq!(page.members[0].email.as_deref(), Some("ada@example.org"));
        assert_eq!(page.members[1].status, MemberStatus::Active, "default");
        assert_eq!(page.members[2].status, MemberStatus::Deleted);
        assert_eq!(
            crate::roles::map_roles(&page.members[1].roles),
            crate::roles::RampartRole::Instructor
        );
    }

    #[test]
    fn link_header_next() {
        assert_eq!(
            next_page(r#"<https://lms/nrps?page=2>; rel="next""#).as_deref(),
            Some("https://lms/nrps?page=2")
        );
        assert_eq!(
            next_page(r#"<https://lms/a?p=1>; rel="first", <https://lms/a?p=3,4>; rel=next"#)
                .as_deref(),
            Some("https://lms/a?p=3,4")
        );
        assert_eq!(
            next_page(r#"<https://lms/d>; rel="differences"; title="a, b", <https://lms/n>; rel="last next""#)
                .as_deref(),
            Some("https://lms/n")
        );
        assert_eq!(next_page(r#"<https://lms/a>; rel="prev""#), None);
        assert_eq!(next_page(r#"<https://lms/nextpage>; rel="last""#), None);
        assert_eq!(next_page(""), None);
        assert_eq!(next_page("garbage <unterminated"), None);
    }
}
