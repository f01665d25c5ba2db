//! Checks on what people type, with messages that say what to do.

use store::NewOrganisation;

use crate::{AccountsError, NewOrganisationRequest, NewUserRequest, Role};

/// Types of health and care organisation (used later to target advisories), as `(value, label)`.
pub const ORGANISATION_KINDS: [(&str, &str); 9] = [
    ("acute_trust", "Acute trust"),
    ("mental_health_trust", "Mental health trust"),
    ("community_trust", "Community trust"),
    ("ambulance_trust", "Ambulance trust"),
    ("integrated_care_board", "Integrated care board"),
    ("gp_practice", "GP practice"),
    ("social_care", "Social care provider"),
    ("pharmacy", "Community pharmacy"),
    ("other", "Other"),
];

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A URL- and command-line-friendly name: lower-case ASCII letters and digits joined by single dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn invalid(field: &'static str, message: impl Into<String>) -> AccountsError {
    AccountsError::Invalid {
        field,
        message: message.into(),
    }
}

pub(crate) fn organisation(
    request: &NewOrganisationRequest,
) -> Result<NewOrganisation, AccountsError> {
    let name = request.name.trim();
    if name.is_empty() {
        return Err(invalid("name", "Enter the organisation's name"));
    }
    if name.chars().count() > 200 {
        return Err(invalid(
            "name",
            "The organisation's name must be 200 characters or fewer",
        ));
    }
    let slug = slugify(name);
    if slug.is_empty() {
        return Err(invalid(
            "name",
            "The organisation's name must contain at least one letter or digit",
        ));
    }
    if !ORGANISATION_KINDS
        .iter()
        .any(|(value, _)| *value == request.kind)
    {
        let known: Vec<&str> = ORGANISATION_KINDS.iter().map(|(value, _)| *value).collect();
        return Err(invalid(
            "kind",
            format!(
                "Choose the type of organisation (one of {})",
                known.join(", ")
            ),
        ));
    }
    let region = request
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    Ok(NewOrganisation {
        name: name.to_owned(),
        slug,
        kind: request.kind.clone(),
        region,
    })
}

pub(crate) struct CheckedUser {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

pub(crate) fn user(
    request: &NewUserRequest,
    min_password_chars: usize,
) -> Result<CheckedUser, AccountsError> {
    let email = normalise_email(&request.email);
    let plausible = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !plausible {
        return Err(invalid(
            "email",
            "Enter an email address like name@example.nhs.uk",
        ));
    }
    let display_name = request.display_name.trim();
    if display_name.is_empty() {
        return Err(invalid("display_name", "Enter the person's full name"));
    }
    if display_name.chars().count() > 200 {
        return Err(invalid(
            "display_name",
            "The name must be 200 characters or fewer",
        ));
    }
    let length = request.password.chars().count();
    if length < min_password_chars {
        return Err(invalid(
            "password",
            format!(
                "The password must be at least {min_password_chars} characters; three random words work well"
            ),
        ));
    }
    if length > 256 {
        return Err(invalid(
            "password",
            "The password must be 256 characters or fewer",
        ));
    }
    let mut roles = request.roles.clone();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(invalid("roles", "Choose at least one role"));
    }
    let organisational = roles.iter().any(|role| !role.is_national());
    if organisational && request.organisation_id.is_none() {
        return Err(invalid(
            "organisation",
            "Choose the organisation this person belongs to",
        ));
    }
    Ok(CheckedUser {
        email,
        display_name: display_name.to_owned(),
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_boring() {
        assert_eq!(
            slugify("  Leeds Teaching Hospitals NHS Trust "),
            "leeds-teaching-hospitals-nhs-trust"
        );
        assert_eq!(
            slugify("St. Mary's (GP) — Practice"),
            "st-mary-s-gp-practice"
        );
        assert_eq!(slugify("!!!"), "");
    }

    fn request(
        email: &str,
        password: &str,
        roles: Vec<Role>,
        organisation_id: Option<i64>,
    ) -> NewUserRequest {
        NewUserRequest {
            email: email.into(),
            display_name: "Ada Lovelace".into(),
            password: password.into(),
            organisation_id,
            roles,
        }
    }

    #[test]
    fn user_checks_name_the_field() {
        let field = |r: NewUserRequest| match user(&r, 12) {
            Err(AccountsError::Invalid { field, .. }) => field,
            other => panic!(
                "expected a validation error, got {:?}",
                other.map(|u| u.email)
            ),
        };
        assert_eq!(
            field(request(
                "not-an-email",
                "long enough pass",
                vec![Role::Learner],
                Some(1)
            )),
            "email"
        );
        assert_eq!(
            field(request("a@b.nhs.uk", "short", vec![Role::Learner], Some(1))),
            "password"
        );
        assert_eq!(
            field(request("a@b.nhs.uk", "long enough pass", vec![], Some(1))),
            "roles"
        );
        assert_eq!(
            field(request(
                "a@b.nhs.uk",
                "long enough pass",
                vec![Role::Learner],
                None
            )),
            "organisation"
        );
        let ok = user(
            &request(
                " A@B.NHS.UK ",
                "long enough pass",
                vec![Role::CertAnalyst],
                None,
            ),
            12,
        )
        .unwrap();
        assert_eq!(ok.email, "a@b.nhs.uk");
    }
}
