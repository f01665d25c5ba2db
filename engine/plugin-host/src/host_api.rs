//! The host side of `rampart:plugin`: written once against the newest API version, with the older
//! versions' functions forwarding to it. Every function acts for the call's plugin and organisation
//! only, and checks the capability it needs before touching anything.

use crate::bindings::latest::rampart::plugin::{
    clock, directory, events, facts, log, notify, storage, training, types,
};
use crate::state::HostState;
use store::DocumentScope;
use types::{
    CourseCompletion, Document, DocumentQuery, IndexEntry, Level, Organisation, Person, Recipients,
    StorageError,
};

/// Largest stored document body.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Most index entries per document.
const MAX_INDEX_ENTRIES: usize = 16;
/// Most documents one query returns.
const MAX_QUERY_LIMIT: u32 = 500;
/// Largest event payload and notification body.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Longest log line kept.
const MAX_LOG_CHARS: usize = 2000;

/// Topics only the engine may publish.
pub(crate) fn is_engine_topic(topic: &str) -> bool {
    ["course.", "learner.", "engine."]
        .iter()
        .any(|prefix| topic.starts_with(prefix))
}

fn check_name(what: &str, value: &str, max: usize) -> Result<(), StorageError> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:-@/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "the {what} {value:?} must be 1 to {max} characters of letters, digits and . _ : - @ /"
        )))
    }
}

/// What a plugin is told when a host call's database work fails; the cause goes to the log only.
fn database_failed(doing: &'static str) -> impl FnOnce(store::StoreError) -> String {
    move |error| {
        tracing::error!(%error, "plugin host call failed while {doing}");
        "Rampart could not reach its database".to_owned()
    }
}

fn unavailable(error: store::StoreError) -> StorageError {
    tracing::error!(%error, "plugin storage call failed");
    StorageError::Unavailable("Rampart could not reach its database; try again later".into())
}

fn document(doc: store::PluginDocument) -> Document {
    Document {
        collection: doc.collection,
        key: doc.key,
        body: doc.body,
        revision: doc.revision.max(0) as u64,
        updated_at: doc.updated_at * 1000,
    }
}

impl HostState {
    /// The plugin's name and scope id, owned, so a document scope can be borrowed across awaits.
    fn doc_owner(&self) -> (std::sync::Arc<str>, i64) {
        (self.scope.plugin.clone(), self.scope.scope_id())
    }

    /// Refuses unless the capability is granted for this call's organisation.
    fn require(&self, capability: &str) -> Result<(), String> {
        if self.scope.granted.contains(capability) {
            Ok(())
        } else {
            Err(format!(
                "the capability {capability} is not granted to the plugin {} for this organisation",
                self.scope.plugin
            ))
        }
    }

    fn organisation(&self) -> Result<i64, String> {
        self.scope
            .organisation_id
            .ok_or_else(|| "this call has no organisation to act for".to_owned())
    }

    /// The people of the calling organisation named by `to`; in the platform scope, the platform's own
    /// staff (people without an organisation: platform admins, CERT analysts).
    async fn recipients(&mut self, to: &Recipients) -> Result<Vec<store::User>, String> {
        let users = match self.scope.organisation_id {
            Some(organisation) => self.services.store.list_users(Some(organisation)).await,
            None => self.services.store.list_platform_staff().await,
        }
        .map_err(database_failed("listing recipients"))?;
        let users = users.into_iter().filter(|user| !user.disabled);
        Ok(match to {
            Recipients::Users(ids) => users.filter(|user| ids.contains(&user.id)).collect(),
            Recipients::Role(role) => users
                .filter(|user| user.roles.iter().any(|r| r == role))
                .collect(),
            Recipients::Everyone => users.collect(),
        })
    }

    fn now(&self) -> i64 {
        self.services.clock.now()
    }
}

impl types::Host for HostState {}

impl log::Host for HostState {
    async fn log(&mut self, level: Level, message: String) {
        let message: String = message.chars().take(MAX_LOG_CHARS).collect();
        let plugin = &*self.scope.plugin;
        let organisation = self.scope.organisation_id;
        match level {
            Level::Trace => tracing::trace!(plugin, organisation, "{message}"),
            Level::Debug => tracing::debug!(plugin, organisation, "{message}"),
            Level::Info => tracing::info!(plugin, organisation, "{message}"),
            Level::Warn => tracing::warn!(plugin, organisation, "{message}"),
            Level::Error => tracing::error!(plugin, organisation, "{message}"),
        }
    }
}

impl clock::Host for HostState {
    async fn now(&mut self) -> i64 {
        HostState::now(self) * 1000
    }
}

impl storage::Host for HostState {
    async fn get(
        &mut self,
        collection: String,
        key: String,
    ) -> Result<Option<Document>, StorageError> {
        check_name("collection", &collection, 64)?;
        check_name("key", &key, 256)?;
        let owner = self.doc_owner();
        let found = self
            .services
            .store
            .document(
                DocumentScope {
                    plugin: &owner.0,
                    scope_id: owner.1,
                },
                &collection,
                &key,
            )
            .await
            .map_err(unavailable)?;
        Ok(found.map(document))
    }

    async fn put(
        &mut self,
        collection: String,
        key: String,
        body: String,
        indexes: Vec<IndexEntry>,
        expected_revision: Option<u64>,
    ) -> Result<u64, StorageError> {
        check_name("collection", &collection, 64)?;
        check_name("key", &key, 256)?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(StorageError::TooLarge(MAX_DOCUMENT_BYTES as u64));
        }
        if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(&body) {
            return Err(StorageError::Invalid(format!(
                "the body is not JSON: {error}"
            )));
        }
        if indexes.len() > MAX_INDEX_ENTRIES {
            return Err(StorageError::Invalid(format!(
                "at most {MAX_INDEX_ENTRIES} index entries per document"
            )));
        }
        for entry in &indexes {
            check_name("index name", &entry.name, 64)?;
            if entry.value.len() > 512 {
                return Err(StorageError::Invalid(format!(
                    "the value of index {} is over 512 bytes",
                    entry.name
                )));
            }
        }
        let pairs: Vec<(String, String)> = indexes
            .into_iter()
            .map(|entry| (entry.name, entry.value))
            .collect();
        let now = self.now();
        let owner = self.doc_owner();
        match self
            .services
            .store
            .put_document(
                DocumentScope {
                    plugin: &owner.0,
                    scope_id: owner.1,
                },
                &collection,
                &key,
                &body,
                &pairs,
                expected_revision.map(|revision| revision as i64),
                now,
            )
            .await
        {
            Ok(revision) => Ok(revision as u64),
            Err(store::PutError::Conflict(current)) => Err(StorageError::Conflict(current as u64)),
            Err(store::PutError::Store(error)) => Err(unavailable(error)),
        }
    }

    async fn delete(&mut self, collection: String, key: String) -> Result<bool, StorageError> {
        check_name("collection", &collection, 64)?;
        check_name("key", &key, 256)?;
        let owner = self.doc_owner();
        self.services
            .store
            .delete_document(
                DocumentScope {
                    plugin: &owner.0,
                    scope_id: owner.1,
                },
                &collection,
                &key,
            )
            .await
            .map_err(unavailable)
    }

    async fn query(&mut self, query: DocumentQuery) -> Result<Vec<Document>, StorageError> {
        check_name("collection", &query.collection, 64)?;
        let limit = query.limit.clamp(1, MAX_QUERY_LIMIT) as i64;
        let index = query
            .where_
            .as_ref()
            .map(|entry| (entry.name.as_str(), entry.value.as_str()));
        let owner = self.doc_owner();
        let found = self
            .services
            .store
            .query_documents(
                DocumentScope {
                    plugin: &owner.0,
                    scope_id: owner.1,
                },
                &query.collection,
                index,
                query.after.as_deref(),
                limit,
            )
            .await
            .map_err(unavailable)?;
        Ok(found.into_iter().map(document).collect())
    }

    async fn count(
        &mut self,
        collection: String,
        where_: Option<IndexEntry>,
    ) -> Result<u64, StorageError> {
        check_name("collection", &collection, 64)?;
        let index = where_
            .as_ref()
            .map(|entry| (entry.name.as_str(), entry.value.as_str()));
        let owner = self.doc_owner();
        let count = self
            .services
            .store
            .count_documents(
                DocumentScope {
                    plugin: &owner.0,
                    scope_id: owner.1,
                },
                &collection,
                index,
            )
            .await
            .map_err(unavailable)?;
        Ok(count.max(0) as u64)
    }
}

fn check_topic(topic: &str) -> Result<(), String> {
    let ok = !topic.is_empty()
        && topic.len() <= 128
        && topic
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !ok {
        return Err(format!(
            "the topic {topic:?} must be 1 to 128 lower-case letters, digits and . _ -"
        ));
    }
    if is_engine_topic(topic) {
        return Err(format!(
            "the topic {topic} belongs to the engine; plugins publish their own topics"
        ));
    }
    Ok(())
}

fn check_payload(payload: &str) -> Result<(), String> {
    if payload.len() > MAX_MESSAGE_BYTES {
        return Err(format!("the payload is over {MAX_MESSAGE_BYTES} bytes"));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(payload)
        .map(|_| ())
        .map_err(|error| format!("the payload is not JSON: {error}"))
}

impl events::Host for HostState {
    async fn publish(&mut self, topic: String, payload: String) -> Result<i64, String> {
        self.require("events.publish")?;
        check_topic(&topic)?;
        check_payload(&payload)?;
        let (organisation, source) = (self.scope.organisation_id, self.scope.plugin.clone());
        self.services
            .publish(&topic, organisation, &payload, &source)
            .await
            .map_err(|error| error.to_string())
    }

    async fn publish_to(
        &mut self,
        organisations: Vec<i64>,
        topic: String,
        payload: String,
    ) -> Result<Vec<i64>, String> {
        self.require("events.cross-organisation")?;
        check_topic(&topic)?;
        check_payload(&payload)?;
        // Every organisation is checked before anything is published: all of them, or none.
        let known: std::collections::HashSet<i64> = self
            .services
            .store
            .list_organisations()
            .await
            .map_err(database_failed("reading the directory"))?
            .into_iter()
            .map(|org| org.id)
            .collect();
        if let Some(unknown) = organisations.iter().find(|id| !known.contains(id)) {
            return Err(format!("there is no organisation {unknown}"));
        }
        let source = self.scope.plugin.clone();
        self.services
            .publish_to_each(&topic, &organisations, &payload, &source)
            .await
            .map_err(|error| error.to_string())
    }

    async fn publish_to_platform(&mut self, topic: String, payload: String) -> Result<i64, String> {
        self.require("events.platform")?;
        let organisation = self.organisation()?;
        check_topic(&topic)?;
        check_payload(&payload)?;
        let source = self.scope.plugin.clone();
        self.services
            .publish_to_platform(&topic, organisation, &payload, &source)
            .await
            .map_err(|error| error.to_string())
    }
}

impl HostState {
    /// A notification link: a page of this plugin (`page-id?x=1`), a path under it, or an https URL.
    fn notification_link(&self, link: Option<String>) -> Result<Option<String>, String> {
        let Some(link) = link else { return Ok(None) };
        let plugin = &*self.scope.plugin;
        if link.starts_with("https://")
            || link.starts_with(&format!("/plugins/{plugin}/"))
            || link.starts_with(&format!("/p/{plugin}/"))
        {
            return Ok(Some(link));
        }
        if link.starts_with(|c: char| c.is_ascii_alphanumeric()) && !link.contains(':') {
            return Ok(Some(format!("/plugins/{plugin}/{link}")));
        }
        Err(format!(
            "the link {link:?} must be a page of the plugin or an https URL"
        ))
    }
}

impl HostState {
    /// An in-app notification to each recipient; `urgent` ones also show as a banner until read.
    async fn notify_in_app(
        &mut self,
        to: Recipients,
        title: String,
        body_markdown: String,
        link: Option<String>,
        urgent: bool,
    ) -> Result<u32, String> {
        self.require("notify.in-app")?;
        if title.trim().is_empty() || title.len() > 200 {
            return Err("the title must be 1 to 200 characters".into());
        }
        if body_markdown.len() > MAX_MESSAGE_BYTES {
            return Err(format!("the body is over {MAX_MESSAGE_BYTES} bytes"));
        }
        let link = self.notification_link(link)?;
        let users: Vec<i64> = self.recipients(&to).await?.iter().map(|u| u.id).collect();
        let now = self.now();
        let message = store::NewNotification {
            organisation_id: self.scope.organisation_id,
            source: &self.scope.plugin,
            title: &title,
            body: &body_markdown,
            link: link.as_deref(),
            urgent,
        };
        self.services
            .store
            .notify_users(&users, &message, now)
            .await
            .map(|count| count as u32)
            .map_err(database_failed("storing notifications"))
    }
}

impl notify::Host for HostState {
    async fn in_app(
        &mut self,
        to: Recipients,
        title: String,
        body_markdown: String,
        link: Option<String>,
    ) -> Result<u32, String> {
        self.notify_in_app(to, title, body_markdown, link, false)
            .await
    }

    async fn alert(
        &mut self,
        to: Recipients,
        title: String,
        body_markdown: String,
        link: Option<String>,
    ) -> Result<u32, String> {
        self.notify_in_app(to, title, body_markdown, link, true)
            .await
    }

    async fn email(
        &mut self,
        to: Recipients,
        subject: String,
        body_text: String,
    ) -> Result<u32, String> {
        self.require("notify.email")?;
        if subject.trim().is_empty() || subject.len() > 200 || subject.contains(['\r', '\n']) {
            return Err("the subject must be one line of 1 to 200 characters".into());
        }
        if body_text.len() > MAX_MESSAGE_BYTES {
            return Err(format!("the body is over {MAX_MESSAGE_BYTES} bytes"));
        }
        let users = self.recipients(&to).await?;
        let now = self.now();
        for user in &users {
            let message = serde_json::json!({
                "to": user.email,
                "subject": subject,
                "body": body_text,
            })
            .to_string();
            self.services
                .store
                .enqueue_outbox(
                    "email",
                    &self.scope.plugin,
                    self.scope.organisation_id,
                    &message,
                    now,
                )
                .await
                .map_err(database_failed("queueing an email"))?;
        }
        self.services.outbox_ready.notify_one();
        Ok(users.len() as u32)
    }

    async fn webhook(&mut self, event: String, payload: String) -> Result<(), String> {
        self.require("notify.webhook")?;
        check_payload(&payload)?;
        let organisation = self.organisation()?;
        let configured = self
            .services
            .store
            .webhook(organisation)
            .await
            .map_err(database_failed("reading the database"))?;
        if configured.is_none() {
            return Err("this organisation has not set up a webhook URL".into());
        }
        let message = serde_json::json!({ "event": event, "payload": payload }).to_string();
        let now = self.now();
        self.services
            .store
            .enqueue_outbox(
                "webhook",
                &self.scope.plugin,
                Some(organisation),
                &message,
                now,
            )
            .await
            .map_err(database_failed("reading the database"))?;
        self.services.outbox_ready.notify_one();
        Ok(())
    }
}

/// An organisation as the directory interface shows it.
fn organisation_record(org: store::Organisation) -> Organisation {
    Organisation {
        id: org.id,
        name: org.name,
        slug: org.slug,
        kind: org.kind,
        region: org.region,
    }
}

impl directory::Host for HostState {
    async fn organisations(&mut self) -> Result<Vec<Organisation>, String> {
        self.require("directory.read")?;
        let list = self
            .services
            .store
            .list_organisations()
            .await
            .map_err(database_failed("reading the database"))?;
        Ok(list.into_iter().map(organisation_record).collect())
    }

    async fn organisation_by_id(&mut self, id: i64) -> Result<Option<Organisation>, String> {
        self.require("directory.read")?;
        match self.services.store.organisation(id).await {
            Ok(org) => Ok(Some(organisation_record(org))),
            Err(store::StoreError::NotFound) => Ok(None),
            Err(error) => Err(database_failed("reading the directory")(error)),
        }
    }

    async fn users_with_role(&mut self, role: String) -> Result<Vec<Person>, String> {
        self.require("directory.read")?;
        let users = self.recipients(&Recipients::Role(role)).await?;
        Ok(users
            .into_iter()
            .map(|user| Person {
                id: user.id,
                organisation_id: user.organisation_id,
                name: user.display_name,
                email: user.email,
                roles: user.roles,
            })
            .collect())
    }
}

impl facts::Host for HostState {
    async fn training_completion(&mut self) -> Result<Vec<CourseCompletion>, String> {
        self.require("facts.training")?;
        let organisation = self.organisation()?;
        let rows = self
            .services
            .store
            .training_completion(organisation)
            .await
            .map_err(database_failed("reading the database"))?;
        Ok(rows
            .into_iter()
            .map(|row| CourseCompletion {
                course_id: row.course_id,
                course_title: row.course_title,
                learners: row.learners.max(0) as u32,
                completed: row.completed.max(0) as u32,
                passed: row.passed.max(0) as u32,
            })
            .collect())
    }
}

/// Longest assignment reason shown on a learner's dashboard.
const MAX_REASON_CHARS: usize = 500;

impl training::Host for HostState {
    async fn courses(&mut self) -> Result<Vec<training::Course>, String> {
        self.require("training.assign")?;
        let packages = self
            .services
            .store
            .list_packages(self.scope.organisation_id)
            .await
            .map_err(database_failed("listing courses"))?;
        let mut seen = std::collections::HashSet::new();
        Ok(packages
            .into_iter()
            .filter(|package| seen.insert(package.identifier.clone()))
            .map(|package| training::Course {
                identifier: package.identifier,
                title: package.title,
            })
            .collect())
    }

    async fn assign(
        &mut self,
        course: String,
        to: Recipients,
        due_at: Option<i64>,
        reason: String,
    ) -> Result<u32, String> {
        self.require("training.assign")?;
        let organisation = self.organisation()?;
        if reason.trim().is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(format!(
                "the reason must be 1 to {MAX_REASON_CHARS} characters"
            ));
        }
        let packages = self
            .services
            .store
            .list_packages(Some(organisation))
            .await
            .map_err(database_failed("finding the course"))?;
        // The organisation's own copy before a shared one.
        let package = packages
            .iter()
            .filter(|package| package.identifier == course)
            .max_by_key(|package| package.organisation_id.is_some())
            .ok_or_else(|| {
                format!("this organisation has no course with the identifier {course:?}")
            })?;
        let users: Vec<i64> = self.recipients(&to).await?.iter().map(|u| u.id).collect();
        let assignment = store::NewAssignment {
            package_id: package.id,
            source: &self.scope.plugin,
            reason: reason.trim(),
            // The API speaks milliseconds; the engine stores seconds.
            due_at: due_at.map(|ms| ms.div_euclid(1000)),
        };
        let now = self.now();
        self.services
            .store
            .assign_course(&assignment, &users, now)
            .await
            .map(|added| added as u32)
            .map_err(database_failed("assigning the course"))
    }
}

/// Forwards an older version's host functions (the same types, fewer functions) to the newest ones.
/// `count` is given for the versions that have `storage.count` (0.2.0 on).
macro_rules! forward_to_latest {
    ($old:path, $($count:tt)*) => {
        use super::*;
        use $old as old;

    impl old::log::Host for HostState {
        async fn log(&mut self, level: Level, message: String) {
            log::Host::log(self, level, message).await
        }
    }

    impl old::clock::Host for HostState {
        async fn now(&mut self) -> i64 {
            clock::Host::now(self).await
        }
    }

    impl old::events::Host for HostState {
        async fn publish(&mut self, topic: String, payload: String) -> Result<i64, String> {
            events::Host::publish(self, topic, payload).await
        }

        async fn publish_to(
            &mut self,
            organisations: Vec<i64>,
            topic: String,
            payload: String,
        ) -> Result<Vec<i64>, String> {
            events::Host::publish_to(self, organisations, topic, payload).await
        }
    }

    impl old::notify::Host for HostState {
        async fn in_app(
            &mut self,
            to: Recipients,
            title: String,
            body_markdown: String,
            link: Option<String>,
        ) -> Result<u32, String> {
            notify::Host::in_app(self, to, title, body_markdown, link).await
        }

        async fn email(
            &mut self,
            to: Recipients,
            subject: String,
            body_text: String,
        ) -> Result<u32, String> {
            notify::Host::email(self, to, subject, body_text).await
        }

        async fn webhook(&mut self, event: String, payload: String) -> Result<(), String> {
            notify::Host::webhook(self, event, payload).await
        }
    }

    impl old::directory::Host for HostState {
        async fn organisations(&mut self) -> Result<Vec<Organisation>, String> {
            directory::Host::organisations(self).await
        }

        async fn users_with_role(&mut self, role: String) -> Result<Vec<Person>, String> {
            directory::Host::users_with_role(self, role).await
        }
    }

    impl old::facts::Host for HostState {
        async fn training_completion(&mut self) -> Result<Vec<CourseCompletion>, String> {
            facts::Host::training_completion(self).await
        }
    }
    impl old::storage::Host for HostState {
        async fn get(
            &mut self,
            collection: String,
            key: String,
        ) -> Result<Option<Document>, StorageError> {
            storage::Host::get(self, collection, key).await
        }

        async fn put(
            &mut self,
            collection: String,
            key: String,
            body: String,
            indexes: Vec<IndexEntry>,
            expected_revision: Option<u64>,
        ) -> Result<u64, StorageError> {
            storage::Host::put(self, collection, key, body, indexes, expected_revision).await
        }

        async fn delete(&mut self, collection: String, key: String) -> Result<bool, StorageError> {
            storage::Host::delete(self, collection, key).await
        }

        async fn query(&mut self, query: DocumentQuery) -> Result<Vec<Document>, StorageError> {
            storage::Host::query(self, query).await
        }

        $($count)*
    }

    };
}

/// `rampart:plugin@0.2.0`: every function forwards to the newest implementation.
mod v0_2_0 {
    forward_to_latest!(
        crate::bindings::v0_2_0::rampart::plugin,
        async fn count(
            &mut self,
            collection: String,
            where_: Option<IndexEntry>,
        ) -> Result<u64, StorageError> {
            storage::Host::count(self, collection, where_).await
        }
    );
}

/// `rampart:plugin@0.1.0`: every function forwards to the newest implementation.
mod v0_1_0 {
    forward_to_latest!(crate::bindings::v0_1_0::rampart::plugin,);
}
