//! Storage for the plugin platform: installed plugins and their activations, plugin documents with their
//! index entries, durable events and deliveries, failures, in-app notifications and the outbox.
//!
//! `scope_id` is an organisation id, or [`PLATFORM_SCOPE`] for calls made without one.

use crate::{Pool, Result, Store, StoreError};

/// The scope of calls made without an organisation (a platform admin's page, a platform tick).
pub const PLATFORM_SCOPE: i64 = 0;

/// An installed plugin.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PluginRecord {
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub api_version: String,
    pub sha256: String,
    /// `plugin_api::PluginInfo` JSON.
    pub info: String,
    /// `enabled`, `disabled` or `suspended`.
    pub status: String,
    pub status_reason: Option<String>,
    pub installed_at: i64,
    pub updated_at: i64,
}

/// What a new or upgraded plugin says about itself.
#[derive(Clone, Debug)]
pub struct NewPlugin {
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub api_version: String,
    pub sha256: String,
    pub info: String,
}

/// Whether an organisation (or the platform scope) turned a plugin on, and what it granted.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Activation {
    pub plugin: String,
    pub scope_id: i64,
    pub active: bool,
    /// JSON array of capability names.
    pub capabilities: String,
    pub changed_by: Option<i64>,
    pub changed_at: i64,
}

impl Activation {
    pub fn granted(&self) -> Vec<String> {
        parse_names(&self.capabilities)
    }
}

fn parse_names(json: &str) -> Vec<String> {
    // Written only by `set_activation` from a Vec<String>; anything else reads as nothing granted.
    let trimmed = json.trim().trim_start_matches('[').trim_end_matches(']');
    trimmed
        .split(',')
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn names_json(names: &[String]) -> String {
    let quoted: Vec<String> = names
        .iter()
        .filter(|name| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .map(|name| format!("\"{name}\""))
        .collect();
    format!("[{}]", quoted.join(","))
}

/// A stored plugin document.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PluginDocument {
    pub collection: String,
    pub key: String,
    pub body: String,
    pub revision: i64,
    pub updated_at: i64,
}

/// Where a plugin document lives.
#[derive(Clone, Copy, Debug)]
pub struct DocumentScope<'a> {
    pub plugin: &'a str,
    pub scope_id: i64,
}

/// Why a document write was refused.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("the document's revision is {0}, not the expected one")]
    Conflict(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PutError {
    fn from(error: sqlx::Error) -> Self {
        PutError::Store(error.into())
    }
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub topic: String,
    pub organisation_id: Option<i64>,
    pub payload: String,
    pub source: String,
    pub published_at: i64,
    /// Sent up from `organisation_id` to the platform scope (`events.publish-to-platform`).
    pub to_platform: bool,
}

/// An event to store: for `organisation_id` (or the platform), or sent up from `organisation_id` to the
/// platform scope when `to_platform`.
#[derive(Clone, Copy, Debug)]
pub struct NewEvent<'a> {
    pub topic: &'a str,
    pub organisation_id: Option<i64>,
    pub payload: &'a str,
    pub source: &'a str,
    pub to_platform: bool,
}

/// An event waiting to be delivered to one plugin.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub topic: String,
    pub organisation_id: Option<i64>,
    pub payload: String,
    pub source: String,
    pub published_at: i64,
    pub to_platform: bool,
    pub plugin: String,
    pub attempts: i64,
}

impl DueDelivery {
    pub fn event(&self) -> EventRecord {
        EventRecord {
            id: self.id,
            topic: self.topic.clone(),
            organisation_id: self.organisation_id,
            payload: self.payload.clone(),
            source: self.source.clone(),
            published_at: self.published_at,
            to_platform: self.to_platform,
        }
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PluginFailure {
    pub plugin: String,
    pub organisation_id: Option<i64>,
    pub kind: String,
    pub message: String,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub organisation_id: Option<i64>,
    pub source: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
    /// Shown as a banner on every page until read.
    pub urgent: bool,
}

/// One batch of in-app notifications: the same message to several people.
#[derive(Clone, Copy, Debug)]
pub struct NewNotification<'a> {
    pub organisation_id: Option<i64>,
    pub source: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
    pub urgent: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub source: String,
    pub organisation_id: Option<i64>,
    pub message: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

const PLUGIN_COLUMNS: &str =
    "SELECT name, version, title, description, api_version, sha256, info, status,
    status_reason, installed_at, updated_at FROM plugins";

const DUE_DELIVERIES: &str =
    "SELECT e.id, e.topic, e.organisation_id, e.payload, e.source, e.published_at, e.to_platform,
    d.plugin, d.attempts FROM event_deliveries d JOIN events e ON e.id = d.event_id
    WHERE d.delivered_at IS NULL AND d.next_attempt_at <= $1 ORDER BY e.id LIMIT $2";

impl Store {
    // ----- installed plugins -----

    /// Installs a plugin, or upgrades it in place (keeping its status, activations and documents).
    pub async fn upsert_plugin(&self, new: &NewPlugin, now: i64) -> Result<PluginRecord> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO plugins (name, version, title, description, api_version, sha256, info, status,
                                      installed_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'enabled', $8, $8)
                 ON CONFLICT (name) DO UPDATE SET version = $2, title = $3, description = $4,
                     api_version = $5, sha256 = $6, info = $7, updated_at = $8",
            )
            .bind(&new.name)
            .bind(&new.version)
            .bind(&new.title)
            .bind(&new.description)
            .bind(&new.api_version)
            .bind(&new.sha256)
            .bind(&new.info)
            .bind(now)
            .execute(pool)
            .await?;
        });
        self.plugin(&new.name).await
    }

    pub async fn plugin(&self, name: &str) -> Result<PluginRecord> {
        let sql = format!("{PLUGIN_COLUMNS} WHERE name = $1");
        with_pool!(self, pool => sqlx::query_as(&sql).bind(name).fetch_one(pool).await.map_err(StoreError::from))
    }

    pub async fn list_plugins(&self) -> Result<Vec<PluginRecord>> {
        let sql = format!("{PLUGIN_COLUMNS} ORDER BY name");
        with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await.map_err(StoreError::from))
    }

    pub async fn set_plugin_status(
        &self,
        name: &str,
        status: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let done = with_pool!(self, pool => sqlx::query(
            "UPDATE plugins SET status = $2, status_reason = $3, updated_at = $4 WHERE name = $1")
            .bind(name)
            .bind(status)
            .bind(reason)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Removes a plugin with its activations, documents, deliveries and failures.
    pub async fn delete_plugin(&self, name: &str) -> Result<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM plugin_document_index WHERE plugin = $1").bind(name).execute(&mut *tx).await?;
            let deleted = sqlx::query("DELETE FROM plugins WHERE name = $1").bind(name).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(deleted > 0)
        })
    }

    // ----- activations and grants -----

    pub async fn activation(&self, plugin: &str, scope_id: i64) -> Result<Option<Activation>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT plugin, scope_id, active, capabilities, changed_by, changed_at FROM plugin_activations
             WHERE plugin = $1 AND scope_id = $2")
            .bind(plugin)
            .bind(scope_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn activations(&self, plugin: &str) -> Result<Vec<Activation>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT plugin, scope_id, active, capabilities, changed_by, changed_at FROM plugin_activations
             WHERE plugin = $1 ORDER BY scope_id")
            .bind(plugin)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Turns a plugin on or off for a scope and grants exactly `capabilities`.
    pub async fn set_activation(
        &self,
        plugin: &str,
        scope_id: i64,
        active: bool,
        capabilities: &[String],
        changed_by: Option<i64>,
        now: i64,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO plugin_activations (plugin, scope_id, active, capabilities, changed_by, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (plugin, scope_id) DO UPDATE SET active = $3, capabilities = $4, changed_by = $5,
                 changed_at = $6")
            .bind(plugin)
            .bind(scope_id)
            .bind(active)
            .bind(names_json(capabilities))
            .bind(changed_by)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    // ----- documents -----

    pub async fn document(
        &self,
        scope: DocumentScope<'_>,
        collection: &str,
        key: &str,
    ) -> Result<Option<PluginDocument>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT collection, key, body, revision, updated_at FROM plugin_documents
             WHERE plugin = $1 AND scope_id = $2 AND collection = $3 AND key = $4")
            .bind(scope.plugin)
            .bind(scope.scope_id)
            .bind(collection)
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Writes a document and replaces its index entries in one transaction. `expected` is the revision
    /// the caller last saw (0: must not exist). Returns the new revision.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_document(
        &self,
        scope: DocumentScope<'_>,
        collection: &str,
        key: &str,
        body: &str,
        indexes: &[(String, String)],
        expected: Option<i64>,
        now: i64,
    ) -> Result<i64, PutError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT revision FROM plugin_documents
                 WHERE plugin = $1 AND scope_id = $2 AND collection = $3 AND key = $4")
                .bind(scope.plugin)
                .bind(scope.scope_id)
                .bind(collection)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            let current = current.unwrap_or(0);
            if let Some(expected) = expected
                && expected != current
            {
                return Err(PutError::Conflict(current));
            }
            let revision = current + 1;
            sqlx::query(
                "INSERT INTO plugin_documents (plugin, scope_id, collection, key, body, revision, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (plugin, scope_id, collection, key) DO UPDATE SET body = $5, revision = $6,
                     updated_at = $7")
                .bind(scope.plugin)
                .bind(scope.scope_id)
                .bind(collection)
                .bind(key)
                .bind(body)
                .bind(revision)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM plugin_document_index
                 WHERE plugin = $1 AND scope_id = $2 AND collection = $3 AND key = $4")
                .bind(scope.plugin)
                .bind(scope.scope_id)
                .bind(collection)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            for (name, value) in indexes {
                sqlx::query(
                    "INSERT INTO plugin_document_index (plugin, scope_id, collection, key, name, value)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                    .bind(scope.plugin)
                    .bind(scope.scope_id)
                    .bind(collection)
                    .bind(key)
                    .bind(name)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(revision)
        })
    }

    pub async fn delete_document(
        &self,
        scope: DocumentScope<'_>,
        collection: &str,
        key: &str,
    ) -> Result<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "DELETE FROM plugin_document_index
                 WHERE plugin = $1 AND scope_id = $2 AND collection = $3 AND key = $4")
                .bind(scope.plugin)
                .bind(scope.scope_id)
                .bind(collection)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            let deleted = sqlx::query(
                "DELETE FROM plugin_documents
                 WHERE plugin = $1 AND scope_id = $2 AND collection = $3 AND key = $4")
                .bind(scope.plugin)
                .bind(scope.scope_id)
                .bind(collection)
                .bind(key)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(deleted > 0)
        })
    }

    /// Documents of a collection in key order, optionally only those with index `name = value`, after
    /// key `after`.
    pub async fn query_documents(
        &self,
        scope: DocumentScope<'_>,
        collection: &str,
        index: Option<(&str, &str)>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PluginDocument>> {
        let (name, value) = index.unzip();
        with_pool!(self, pool => sqlx::query_as(
            "SELECT d.collection, d.key, d.body, d.revision, d.updated_at FROM plugin_documents d
             WHERE d.plugin = $1 AND d.scope_id = $2 AND d.collection = $3
               AND ($4 IS NULL OR d.key > $4)
               AND ($5 IS NULL OR EXISTS (SELECT 1 FROM plugin_document_index i
                    WHERE i.plugin = d.plugin AND i.scope_id = d.scope_id AND i.collection = d.collection
                      AND i.key = d.key AND i.name = $5 AND i.value = $6))
             ORDER BY d.key LIMIT $7")
            .bind(scope.plugin)
            .bind(scope.scope_id)
            .bind(collection)
            .bind(after)
            .bind(name)
            .bind(value)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn count_documents(
        &self,
        scope: DocumentScope<'_>,
        collection: &str,
        index: Option<(&str, &str)>,
    ) -> Result<i64> {
        let (name, value) = index.unzip();
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM plugin_documents d
             WHERE d.plugin = $1 AND d.scope_id = $2 AND d.collection = $3
               AND ($4 IS NULL OR EXISTS (SELECT 1 FROM plugin_document_index i
                    WHERE i.plugin = d.plugin AND i.scope_id = d.scope_id AND i.collection = d.collection
                      AND i.key = d.key AND i.name = $4 AND i.value = $5))")
            .bind(scope.plugin)
            .bind(scope.scope_id)
            .bind(collection)
            .bind(name)
            .bind(value)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- events -----

    /// Stores an event and one pending delivery per subscribed plugin, in one transaction.
    pub async fn publish_event(
        &self,
        event: &NewEvent<'_>,
        subscribers: &[String],
        now: i64,
    ) -> Result<i64> {
        let ids = self
            .publish_events(&[(*event, subscribers.to_vec())], now)
            .await?;
        Ok(ids[0])
    }

    /// Stores events, each with one pending delivery per plugin listed beside it, in one transaction:
    /// all of them or none. Returns their ids in order.
    pub async fn publish_events(
        &self,
        batch: &[(NewEvent<'_>, Vec<String>)],
        now: i64,
    ) -> Result<Vec<i64>> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(batch.len());
            for (event, subscribers) in batch {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO events (topic, organisation_id, payload, source, published_at, to_platform)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                    .bind(event.topic)
                    .bind(event.organisation_id)
                    .bind(event.payload)
                    .bind(event.source)
                    .bind(now)
                    .bind(event.to_platform)
                    .fetch_one(&mut *tx)
                    .await?;
                for plugin in subscribers {
                    sqlx::query(
                        "INSERT INTO event_deliveries (event_id, plugin, next_attempt_at) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(plugin)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                ids.push(id);
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Deliveries that are due, oldest event first.
    pub async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<DueDelivery>> {
        with_pool!(self, pool => sqlx::query_as(DUE_DELIVERIES)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn delivery_done(&self, event_id: i64, plugin: &str, now: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE event_deliveries SET delivered_at = $3, attempts = attempts + 1, last_error = NULL
             WHERE event_id = $1 AND plugin = $2")
            .bind(event_id)
            .bind(plugin)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    pub async fn delivery_failed(
        &self,
        event_id: i64,
        plugin: &str,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE event_deliveries SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4
             WHERE event_id = $1 AND plugin = $2")
            .bind(event_id)
            .bind(plugin)
            .bind(error)
            .bind(next_attempt_at)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// (delivered, pending) deliveries of a plugin, for the admin page and tests.
    pub async fn delivery_counts(&self, plugin: &str) -> Result<(i64, i64)> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END), 0),
                    COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END), 0)
             FROM event_deliveries WHERE plugin = $1")
            .bind(plugin)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- failures -----

    pub async fn record_plugin_failure(&self, failure: &PluginFailure) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO plugin_failures (plugin, organisation_id, kind, message, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&failure.plugin)
            .bind(failure.organisation_id)
            .bind(&failure.kind)
            .bind(&failure.message)
            .bind(failure.at)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Failures of a plugin at or after `since`, newest first.
    pub async fn plugin_failures(
        &self,
        plugin: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<PluginFailure>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT plugin, organisation_id, kind, message, at FROM plugin_failures
             WHERE plugin = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3")
            .bind(plugin)
            .bind(since)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- in-app notifications -----

    pub async fn notify_users(
        &self,
        user_ids: &[i64],
        message: &NewNotification<'_>,
        now: i64,
    ) -> Result<u64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for user_id in user_ids {
                sqlx::query(
                    "INSERT INTO notifications (user_id, organisation_id, source, title, body, link, created_at, urgent)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(user_id)
                    .bind(message.organisation_id)
                    .bind(message.source)
                    .bind(message.title)
                    .bind(message.body)
                    .bind(message.link)
                    .bind(now)
                    .bind(message.urgent)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(user_ids.len() as u64)
        })
    }

    pub async fn notifications_of(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, user_id, organisation_id, source, title, body, link, created_at, read_at, urgent
             FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The user's newest unread urgent notification, for the banner on every page.
    pub async fn newest_urgent_unread(&self, user_id: i64) -> Result<Option<Notification>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, user_id, organisation_id, source, title, body, link, created_at, read_at, urgent
             FROM notifications WHERE user_id = $1 AND urgent AND read_at IS NULL ORDER BY id DESC LIMIT 1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Marks one of the user's notifications read and returns it (`None`: not theirs, or no such one).
    pub async fn open_notification(
        &self,
        user_id: i64,
        id: i64,
        now: i64,
    ) -> Result<Option<Notification>> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL")
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query_as(
                "SELECT id, user_id, organisation_id, source, title, body, link, created_at, read_at, urgent
                 FROM notifications WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::from)
        })
    }

    /// Marks all of a user's notifications read; returns how many were unread.
    pub async fn mark_notifications_read(&self, user_id: i64, now: i64) -> Result<u64> {
        Ok(with_pool!(self, pool => sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    // ----- outbox -----

    pub async fn enqueue_outbox(
        &self,
        kind: &str,
        source: &str,
        organisation_id: Option<i64>,
        message: &str,
        now: i64,
    ) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO outbox (kind, source, organisation_id, message, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
            .bind(kind)
            .bind(source)
            .bind(organisation_id)
            .bind(message)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn due_outbox(&self, now: i64, limit: i64) -> Result<Vec<OutboxItem>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, kind, source, organisation_id, message, attempts, next_attempt_at, sent_at, last_error,
                    created_at FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn outbox_item(&self, id: i64) -> Result<OutboxItem> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, kind, source, organisation_id, message, attempts, next_attempt_at, sent_at, last_error,
                    created_at FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn outbox_sent(&self, id: i64, now: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    pub async fn outbox_failed(&self, id: i64, error: &str, next_attempt_at: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(next_attempt_at)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    // ----- webhooks -----

    /// The organisation's webhook URL and signing secret, if it set one.
    pub async fn webhook(&self, organisation_id: i64) -> Result<Option<(String, String)>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT url, secret FROM organisation_webhooks WHERE organisation_id = $1")
            .bind(organisation_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn set_webhook(
        &self,
        organisation_id: i64,
        url: &str,
        secret: &str,
        now: i64,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO organisation_webhooks (organisation_id, url, secret, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (organisation_id) DO UPDATE SET url = $2, secret = $3, updated_at = $4")
            .bind(organisation_id)
            .bind(url)
            .bind(secret)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    // ----- engine facts -----

    /// Per course: learners of the organisation registered, how many completed and passed (newest attempt).
    pub async fn training_completion(&self, organisation_id: i64) -> Result<Vec<CourseCompletion>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT p.id AS course_id, p.title AS course_title, COUNT(*) AS learners,
                    COALESCE(SUM(CASE WHEN a.completion_status = 'completed' OR a.success_status = 'passed' THEN 1 ELSE 0 END), 0) AS completed,
                    COALESCE(SUM(CASE WHEN a.success_status = 'passed' THEN 1 ELSE 0 END), 0) AS passed
             FROM registrations r
             JOIN users u ON u.id = r.user_id
             JOIN packages p ON p.id = r.package_id
             LEFT JOIN attempts a ON a.registration_id = r.id
               AND a.number = (SELECT MAX(number) FROM attempts WHERE registration_id = r.id)
             WHERE u.organisation_id = $1
             GROUP BY p.id, p.title ORDER BY p.title")
            .bind(organisation_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CourseCompletion {
    pub course_id: i64,
    pub course_title: String,
    pub learners: i64,
    pub completed: i64,
    pub passed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_lists_round_trip_and_drop_odd_names() {
        let names = vec!["events.publish".to_owned(), "bad\"name".to_owned()];
        assert_eq!(parse_names(&names_json(&names)), vec!["events.publish"]);
        assert!(parse_names("[]").is_empty());
    }
}
