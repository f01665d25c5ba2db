//! Maps LTI role URIs to the Rampart role a launch gets in the course.
//!
//! Context (membership) roles decide: Learner → learner; Instructor, ContentDeveloper, TeachingAssistant
//! and Mentor → instructor (an organisation-admin view of that course); Administrator (system,
//! institution or context) → administrator. Institution roles other than Administrator are ignored on
//! purpose: LMSs such as Canvas send `institution/person#Instructor` for anyone who teaches anywhere, and
//! that person may be a learner in this course. Unknown roles are ignored; no recognised role means learner.
//! The highest recognised role wins.

use serde::{Deserialize, Serialize};

/// Rampart's role for an LTI user in the launched course, ordered from least to most privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RampartRole {
    Learner,
    Instructor,
    Administrator,
}

impl RampartRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Learner => "learner",
            Self::Instructor => "instructor",
            Self::Administrator => "administrator",
        }
    }
}

impl std::fmt::Display for RampartRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const CONTEXT: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership";
const INSTITUTION: &str = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#";
const SYSTEM: &str = "http://purl.imsglobal.org/vocab/lis/v2/system/person#";
const LTI11_CONTEXT: &str = "urn:lti:role:ims/lis/";
const LTI11_INSTITUTION: &str = "urn:lti:instrole:ims/lis/";
const LTI11_SYSTEM: &str = "urn:lti:sysrole:ims/lis/";

/// Where a role comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Context,
    Institution,
    System,
}

/// Splits a role into its scope and principal name (`membership/Instructor#TeachingAssistant` is a
/// context role whose principal is `Instructor`, sub-role `TeachingAssistant`).
fn parse(role: &str) -> Option<(Scope, &str, Option<&str>)> {
    let role = role.trim();
    if let Some(rest) = role.strip_prefix(CONTEXT) {
        // `#Instructor` or `/Instructor#TeachingAssistant`
        if let Some(name) = rest.strip_prefix('#') {
            return Some((Scope::Context, name, None));
        }
        let (principal, sub) = rest.strip_prefix('/')?.split_once('#')?;
        return Some((Scope::Context, principal, Some(sub)));
    }
    if let Some(name) = role.strip_prefix(INSTITUTION) {
        return Some((Scope::Institution, name, None));
    }
    if let Some(name) = role.strip_prefix(SYSTEM) {
        return Some((Scope::System, name, None));
    }
    for (prefix, scope) in [
        (LTI11_CONTEXT, Scope::Context),
        (LTI11_INSTITUTION, Scope::Institution),
        (LTI11_SYSTEM, Scope::System),
    ] {
        if let Some(rest) = role.strip_prefix(prefix) {
            return Some(match rest.split_once('/') {
                Some((principal, sub)) => (scope, principal, Some(sub)),
                None => (scope, rest, None),
            });
        }
    }
    if role.contains(':') || role.contains('/') {
        return None;
    }
    // Short (simple name) forms are context roles.
    Some((Scope::Context, role, None))
}

/// The Rampart role of one LTI role, if it is one Rampart recognises.
pub fn map_role(role: &str) -> Option<RampartRole> {
    let (scope, principal, sub) = parse(role)?;
    let is_admin = |name: &str| matches!(name, "Administrator" | "SysAdmin");
    if is_admin(principal) || sub.is_some_and(is_admin) {
        return Some(RampartRole::Administrator);
    }
    if scope != Scope::Context {
        return None;
    }
    match principal {
        "Learner" => Some(RampartRole::Learner),
        "Instructor" | "ContentDeveloper" | "TeachingAssistant" | "Mentor" => {
            Some(RampartRole::Instructor)
        }
        _ => None,
    }
}

/// The Rampart role of a user with these LTI roles: the highest recognised, learner when none is.
pub fn map_roles<S: AsRef<str>>(roles: &[S]) -> RampartRole {
    roles
        .iter()
        .filter_map(|r| map_role(r.as_ref()))
        .max()
        .unwrap_or(RampartRole::Learner)
}

#[cfg(test)]
mod tests {
    use super::RampartRole::*;
    use super::*;

    #[test]
    fn context_roles() {
        let m = "http://purl.imsglobal.org/vocab/lis/v2/membership";
        assert_eq!(map_role(&format!("{m}#Learner")), Some(Learner));
        assert_eq!(map_role(&format!("{m}#Instructor")), Some(Instructor));
        assert_eq!(map_role(&format!("{m}#ContentDeveloper")), Some(Instructor));
        assert_eq!(map_role(&format!("{m}#Mentor")), Some(Instructor));
        assert_eq!(map_role(&format!("{m}#Administrator")), Some(Administrator));
        assert_eq!(
            map_role(&format!("{m}/Instructor#TeachingAssistant")),
            Some(Instructor)
        );
        assert_eq!(map_role(&format!("{m}/Learner#Learner")), Some(Learner));
        assert_eq!(map_role(&format!("{m}#Member")), None);
    }

    #[test]
    fn institution_and_system_roles() {
        let i = "http://purl.imsglobal.org/vocab/lis/v2/institution/person";
        let s = "http://purl.imsglobal.org/vocab/lis/v2/system/person";
        assert_eq!(map_role(&format!("{i}#Administrator")), Some(Administrator));
        assert_eq!(map_role(&format!("{s}#Administrator")), Some(Administrator));
        assert_eq!(map_role(&format!("{s}#SysAdmin")), Some(Administrator));
        assert_eq!(
            map_role(&format!("{i}#Instructor")),
            None,
            "not a course role"
        );
        assert_eq!(map_role(&format!("{i}#Student")), None);
        assert_eq!(map_role(&format!("{s}#User")), None);
    }

    #[test]
    fn short_and_lti11_forms() {
        assert_eq!(map_role("Learner"), Some(Learner));
        assert_eq!(map_role("Instructor"), Some(Instructor));
        assert_eq!(map_role("TeachingAssistant"), Some(Instructor));
        assert_eq!(map_role("ContentDeveloper"), Some(Instructor));
        assert_eq!(map_role("Mentor"), Some(Instructor));
        assert_eq!(map_role("Administrator"), Some(Administrator));
        assert_eq!(map_role("urn:lti:role:ims/lis/Learner"), Some(Learner));
        assert_eq!(
            map_role("urn:lti:role:ims/lis/TeachingAssistant"),
            Some(Instructor)
        );
        assert_eq!(
            map_role("urn:lti:role:ims/lis/Instructor/TeachingAssistant"),
            Some(Instructor)
        );
        assert_eq!(
            map_role("urn:lti:instrole:ims/lis/Administrator"),
            Some(Administrator)
        );
        assert_eq!(
            map_role("urn:lti:sysrole:ims/lis/SysAdmin"),
            Some(Administrator)
        );
        assert_eq!(map_role("urn:lti:instrole:ims/lis/Instructor"), None);
        assert_eq!(map_role("urn:example:Instructor"), None);
        assert_eq!(map_role("https://example.org/roles#Instructor"), None);
    }

    #[test]
    fn combining_roles() {
        let none: [&str; 0] = [];
        assert_eq!(map_roles(&none), Learner);
        assert_eq!(map_roles(&["Unknown", "https://x.example/y"]), Learner);
        assert_eq!(map_roles(&["Learner", "Instructor"]), Instructor);
        assert_eq!(
            map_roles(&[
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
            ]),
            Administrator
        );
        assert_eq!(Instructor.to_string(), "instructor");
    }
}
