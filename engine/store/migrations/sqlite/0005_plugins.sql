-- The plugin platform: installed plugins, what each organisation turned on and granted, the plugins'
-- documents and index entries, durable events with per-plugin deliveries, failures, in-app notifications
-- and the outbox of emails and webhooks.
--
-- `scope_id` is an organisation id, or 0 for the platform scope (calls made without an organisation).
CREATE TABLE plugins (
    name           TEXT PRIMARY KEY,
    version        TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    api_version    TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    -- plugin_api::PluginInfo JSON, as `describe` returned it at install.
    info           TEXT NOT NULL,
    -- enabled | disabled | suspended
    status         TEXT NOT NULL,
    status_reason  TEXT,
    installed_at   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE plugin_activations (
    plugin        TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
    scope_id      INTEGER NOT NULL,
    active        BOOLEAN NOT NULL,
    -- JSON array of granted capability names.
    capabilities  TEXT NOT NULL,
    changed_by    INTEGER,
    changed_at    INTEGER NOT NULL,
    PRIMARY KEY (plugin, scope_id)
);

CREATE TABLE plugin_documents (
    plugin      TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
    scope_id    INTEGER NOT NULL,
    collection  TEXT NOT NULL,
    key         TEXT NOT NULL,
    body        TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (plugin, scope_id, collection, key)
);

CREATE TABLE plugin_document_index (
    plugin      TEXT NOT NULL,
    scope_id    INTEGER NOT NULL,
    collection  TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (plugin, scope_id, collection, key, name, value),
    FOREIGN KEY (plugin, scope_id, collection, key)
        REFERENCES plugin_documents (plugin, scope_id, collection, key) ON DELETE CASCADE
);
CREATE INDEX plugin_document_index_lookup
    ON plugin_document_index (plugin, scope_id, collection, name, value, key);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    topic         TEXT NOT NULL,
    organisation_id INTEGER,
    payload       TEXT NOT NULL,
    source        TEXT NOT NULL,
    published_at  INTEGER NOT NULL
);

-- One row per (event, subscribed plugin): delivered at least once, retried with back-off until then.
CREATE TABLE event_deliveries (
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    plugin           TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_error       TEXT,
    PRIMARY KEY (event_id, plugin)
);
CREATE INDEX event_deliveries_due ON event_deliveries (delivered_at, next_attempt_at);

CREATE TABLE plugin_failures (
    id               INTEGER PRIMARY KEY,
    plugin           TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
    organisation_id  INTEGER,
    -- trap | timeout | memory | error
    kind             TEXT NOT NULL,
    message          TEXT NOT NULL,
    at               INTEGER NOT NULL
);
CREATE INDEX plugin_failures_recent ON plugin_failures (plugin, at);

CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id  INTEGER,
    source           TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    link             TEXT,
    created_at       INTEGER NOT NULL,
    read_at          INTEGER
);
CREATE INDEX notifications_inbox ON notifications (user_id, read_at, id);

-- Emails and webhooks waiting to go out; a worker sends them and retries with back-off.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    -- email | webhook
    kind             TEXT NOT NULL,
    source           TEXT NOT NULL,
    organisation_id  INTEGER,
    -- JSON: {"to","subject","body"} or {"url","event","payload"}
    message          TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    sent_at          INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- Where an organisation's own tooling receives signed webhooks.
CREATE TABLE organisation_webhooks (
    organisation_id  INTEGER PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,
    updated_at       INTEGER NOT NULL
);
