//! How broadcasts distributes advisories: targeting, audiences, the CERT's response ledger and an
//! organisation's inbox, and where each is stored.
//!
//! The national CERT works in the platform scope (its analysts belong to no organisation): advisories,
//! the response ledger (one entry per advisory and targeted organisation), information requests and feed
//! addresses live there. Each organisation keeps its own inbox in its own scope, so one organisation's
//! acknowledgement, response and questions are invisible to every other organisation; the host enforces
//! that, not this plugin. The two sides talk only through events.

use crate::{Advisory, Severity};
use serde::{Deserialize, Serialize};

/// Platform scope: one [`Broadcast`] per advisory, keyed by its id, indexed by `status`.
pub const ADVISORIES: &str = "advisories";
/// Platform scope: one [`LedgerEntry`] per advisory and organisation, keyed `<advisory>/<org id>`,
/// indexed by `advisory`.
pub const LEDGER: &str = "ledger";
/// Platform scope: [`InfoRequest`]s keyed by time and organisation, indexed by `state`.
pub const REQUESTS: &str = "requests";
/// Platform scope: feed token → organisation id ([`FeedOwner`]).
pub const FEEDS: &str = "feeds";
/// Platform scope: the last advisory number used per year (`counter/<year>`).
pub const COUNTERS: &str = "counters";
/// Organisation scope: one [`InboxItem`] per advisory received, keyed by its id, indexed by `state`.
pub const INBOX: &str = "inbox";
/// Organisation scope: the organisation's own feed token (`settings/feed`).
pub const SETTINGS: &str = "settings";

/// How long a security lead has to acknowledge a high or critical advisory.
pub const ACKNOWLEDGE_WITHIN_MS: i64 = 48 * HOUR_MS;
/// The reminder goes this long before the acknowledgement deadline.
pub const REMIND_BEFORE_MS: i64 = 12 * HOUR_MS;
/// Training assigned for an advisory without a deadline is due after this long.
pub const TRAINING_DUE_MS: i64 = 14 * 24 * HOUR_MS;
pub const HOUR_MS: i64 = 60 * 60 * 1000;

/// Who inside a targeted organisation an advisory is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    SecurityLeads,
    ItStaff,
    Everyone,
}

impl Audience {
    pub const ALL: [Audience; 3] = [
        Audience::SecurityLeads,
        Audience::ItStaff,
        Audience::Everyone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::SecurityLeads => "security_leads",
            Audience::ItStaff => "it_staff",
            Audience::Everyone => "everyone",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::SecurityLeads => "Security leads",
            Audience::ItStaff => "Security leads and IT staff",
            Audience::Everyone => "All staff",
        }
    }

    pub fn parse(text: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The Rampart roles that make up the audience (`None`: everyone).
    pub fn roles(self) -> Option<&'static [&'static str]> {
        match self {
            Audience::SecurityLeads => Some(&["security_lead"]),
            Audience::ItStaff => Some(&["security_lead", "it_staff"]),
            Audience::Everyone => None,
        }
    }

    /// Whether someone with these roles is in the audience (organisation admins always are: they run
    /// the organisation's response).
    pub fn includes(self, roles: &[String]) -> bool {
        match self.roles() {
            None => true,
            Some(wanted) => roles
                .iter()
                .any(|r| r == "org_admin" || wanted.contains(&r.as_str())),
        }
    }
}

/// Which organisations an advisory goes to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", content = "values", rename_all = "snake_case")]
pub enum Targeting {
    #[default]
    All,
    /// Organisation kinds: `acute_trust`, `gp_practice` …
    Kinds(Vec<String>),
    Regions(Vec<String>),
    /// Chosen organisations by id.
    Organisations(Vec<i64>),
}

/// An organisation as the CERT knows it at publication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region: Option<String>,
}

impl Targeting {
    /// The organisations targeted, from the directory.
    pub fn resolve(&self, directory: &[Target]) -> Vec<Target> {
        directory
            .iter()
            .filter(|org| match self {
                Targeting::All => true,
                Targeting::Kinds(kinds) => kinds.contains(&org.kind),
                Targeting::Regions(regions) => {
                    org.region.as_ref().is_some_and(|r| regions.contains(r))
                }
                Targeting::Organisations(ids) => ids.contains(&org.id),
            })
            .cloned()
            .collect()
    }

    pub fn describe(&self, directory: &[Target]) -> String {
        match self {
            Targeting::All => "All organisations".into(),
            Targeting::Kinds(kinds) => format!(
                "Organisation types: {}",
                kinds
                    .iter()
                    .map(|k| kind_label(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Targeting::Regions(regions) => format!("Regions: {}", regions.join(", ")),
            Targeting::Organisations(ids) => format!(
                "Chosen organisations: {}",
                ids.iter()
                    .map(|id| directory
                        .iter()
                        .find(|o| o.id == *id)
                        .map_or_else(|| format!("#{id}"), |o| o.name.clone()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Organisation kinds, as Rampart's accounts name them (`accounts::validate::ORGANISATION_KINDS`).
pub const KINDS: [(&str, &str); 9] = [
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

pub fn kind_label(kind: &str) -> &str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// An advisory with its distribution, as the CERT keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Broadcast {
    /// The stored document's revision when it was read (0: not stored yet); writes check it, so two
    /// changes made at once cannot silently overwrite each other. Not part of the JSON.
    #[serde(skip)]
    pub revision: u64,
    pub advisory: Advisory,
    #[serde(default)]
    pub targeting: Targeting,
    #[serde(default)]
    pub audience: Audience,
    /// Resolved when first published; later revisions go to the same organisations.
    #[serde(default)]
    /// Organisation ids (names live in the ledger), so the document stays small at national scale.
    pub targets: Vec<i64>,
}

impl Broadcast {
    /// When targeted organisations must have acknowledged it (high and critical advisories only).
    pub fn deadline(&self) -> Option<i64> {
        let published = self.advisory.published_at?;
        self.advisory
            .severity
            .requires_acknowledgement()
            .then_some(published + ACKNOWLEDGE_WITHIN_MS)
    }
}

/// What an organisation is doing about an advisory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseState {
    /// Sent; the organisation has not confirmed receipt (the plugin may be off there).
    #[default]
    Sent,
    Received,
    Acknowledged,
    /// Said whether it applies, with actions and a plan.
    Responded,
    /// Marked done by the organisation (remediated, or not applicable).
    Completed,
}

impl ResponseState {
    pub fn label(self) -> &'static str {
        match self {
            ResponseState::Sent => "Sent, not received",
            ResponseState::Received => "Awaiting acknowledgement",
            ResponseState::Acknowledged => "Acknowledged",
            ResponseState::Responded => "Responded",
            ResponseState::Completed => "Completed",
        }
    }
}

/// An organisation's response as it reports it to the CERT: the whole state each time, so a repeated
/// or reordered delivery cannot lose anything.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseReport {
    pub advisory: String,
    pub state: ResponseState,
    pub received_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub applicable: Option<bool>,
    pub responded_at: Option<i64>,
    pub plan_date: Option<String>,
    pub updates: u32,
    pub last_update_at: Option<i64>,
    /// When the organisation's own copy last changed; older reports are ignored.
    pub changed_at: i64,
}

/// The CERT's view of one organisation's response to one advisory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The stored document's revision when it was read (0: not stored yet); writes check it, so two
    /// changes made at once cannot silently overwrite each other. Not part of the JSON.
    #[serde(skip)]
    pub revision: u64,
    pub advisory: String,
    pub organisation: Target,
    pub sent_at: i64,
    pub deadline: Option<i64>,
    #[serde(default)]
    pub report: ResponseReport,
    /// When the CERT was told the organisation missed its deadline.
    pub escalated_at: Option<i64>,
}

impl LedgerEntry {
    pub fn key(advisory: &str, organisation: i64) -> String {
        format!("{advisory}/{organisation:012}")
    }

    /// Past the deadline and not acknowledged.
    pub fn overdue(&self, now: i64) -> bool {
        self.report.acknowledged_at.is_none() && self.deadline.is_some_and(|d| now > d)
    }
}

/// A question from an organisation about an advisory, in the CERT's queue (and React's, later).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InfoRequest {
    pub advisory: String,
    pub organisation: i64,
    pub organisation_name: String,
    pub question: String,
    pub asked_by: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

/// A question as the organisation sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub advisory: String,
    pub question: String,
    pub asked_by: String,
    pub asked_at: i64,
}

/// The CERT's answer, sent back to the asking organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub advisory: String,
    pub question: String,
    pub answer: String,
    pub answered_at: i64,
}

/// Whose feed a token opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedOwner {
    pub organisation: i64,
}

/// An organisation's feed token, as it registers it with the CERT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedToken {
    pub token: String,
}

/// An advisory as the CERT sends it to an organisation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub advisory: Advisory,
    pub audience: Audience,
    pub deadline: Option<i64>,
}

/// An advisory in an organisation's inbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InboxItem {
    /// The stored document's revision when it was read (0: not stored yet); writes check it, so two
    /// changes made at once cannot silently overwrite each other. Not part of the JSON.
    #[serde(skip)]
    pub revision: u64,
    pub advisory: Advisory,
    pub audience: Audience,
    pub received_at: i64,
    pub deadline: Option<i64>,
    pub acknowledged: Option<Stamp>,
    pub response: Option<Response>,
    #[serde(default)]
    pub updates: Vec<Note>,
    #[serde(default)]
    pub questions: Vec<Answerable>,
    pub completed: Option<Stamp>,
    pub reminded_at: Option<i64>,
    pub overdue_notified_at: Option<i64>,
    /// Who has opened it (user ids), for unread counts.
    #[serde(default)]
    pub read_by: Vec<i64>,
    pub changed_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub at: i64,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub applicable: bool,
    pub actions: String,
    pub plan: String,
    /// `2026-12-05`.
    pub plan_date: Option<String>,
    pub at: i64,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub at: i64,
    pub by: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answerable {
    pub question: String,
    pub asked_by: String,
    pub asked_at: i64,
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
}

impl InboxItem {
    pub fn state(&self) -> ResponseState {
        if self.completed.is_some() {
            ResponseState::Completed
        } else if self.response.is_some() {
            ResponseState::Responded
        } else if self.acknowledged.is_some() {
            ResponseState::Acknowledged
        } else {
            ResponseState::Received
        }
    }

    pub fn needs_acknowledgement(&self) -> bool {
        self.deadline.is_some() && self.acknowledged.is_none()
    }

    pub fn overdue(&self, now: i64) -> bool {
        self.needs_acknowledgement() && self.deadline.is_some_and(|d| now > d)
    }

    pub fn report(&self) -> ResponseReport {
        ResponseReport {
            advisory: self.advisory.id.clone(),
            state: self.state(),
            received_at: Some(self.received_at),
            acknowledged_at: self.acknowledged.as_ref().map(|s| s.at),
            acknowledged_by: self.acknowledged.as_ref().map(|s| s.by.clone()),
            applicable: self.response.as_ref().map(|r| r.applicable),
            responded_at: self.response.as_ref().map(|r| r.at),
            plan_date: self.response.as_ref().and_then(|r| r.plan_date.clone()),
            updates: self.updates.len() as u32,
            last_update_at: self.updates.last().map(|n| n.at),
            changed_at: self.changed_at,
        }
    }

    /// The index value used to list the inbox by state.
    pub fn state_index(&self) -> &'static str {
        match self.state() {
            ResponseState::Completed => "completed",
            _ if self.advisory.status == crate::Status::Closed => "closed",
            _ => "open",
        }
    }
}

/// `[HIGH]` style prefix for titles and subjects.
pub fn severity_tag(severity: Severity) -> String {
    format!("[{}]", severity.label().to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, kind: &str, region: Option<&str>) -> Target {
        Target {
            id,
            name: format!("Org {id}"),
            kind: kind.into(),
            region: region.map(Into::into),
        }
    }

    #[test]
    fn targeting_picks_organisations_by_kind_region_or_choice() {
        let directory = vec![
            org(1, "acute_trust", Some("London")),
            org(2, "gp_practice", Some("London")),
            org(3, "acute_trust", Some("North West")),
            org(4, "social_care", None),
        ];
        let ids = |t: Targeting| {
            t.resolve(&directory)
                .iter()
                .map(|o| o.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(Targeting::All), vec![1, 2, 3, 4]);
        assert_eq!(
            ids(Targeting::Kinds(vec!["acute_trust".into()])),
            vec![1, 3]
        );
        assert_eq!(ids(Targeting::Regions(vec!["London".into()])), vec![1, 2]);
        assert_eq!(ids(Targeting::Organisations(vec![4, 2])), vec![2, 4]);
        assert!(ids(Targeting::Regions(vec!["Nowhere".into()])).is_empty());
    }

    #[test]
    fn audiences_are_made_of_roles_and_admins_are_always_in() {
        let roles = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(Audience::SecurityLeads.includes(&roles(&["security_lead"])));
        assert!(!Audience::SecurityLeads.includes(&roles(&["learner", "it_staff"])));
        assert!(Audience::ItStaff.includes(&roles(&["it_staff"])));
        assert!(Audience::SecurityLeads.includes(&roles(&["org_admin"])));
        assert!(Audience::Everyone.includes(&roles(&["learner"])));
    }
}
