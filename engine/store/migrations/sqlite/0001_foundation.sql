-- Foundation schema: organisations, users, roles, sessions, sign-in throttling, audit log.
-- Times are Unix seconds (INTEGER) on both backends so that comparisons behave identically.
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    region      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX organisations_name_folded ON organisations (lower(name));

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER REFERENCES organisations (id),
    email            TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    password_hash    TEXT,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       INTEGER NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('learner', 'org_admin', 'security_lead', 'cert_analyst', 'platform_admin')),
    PRIMARY KEY (user_id, role)
);

-- Exactly one row once first-run setup has happened; the primary key makes setup race-free.
CREATE TABLE platform_setup (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    completed_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    client_ip     TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE sign_in_throttle (
    throttle_key       TEXT PRIMARY KEY,
    failures           INTEGER NOT NULL,
    window_started_at  INTEGER NOT NULL,
    locked_until       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    actor_user_id    INTEGER,
    organisation_id  INTEGER,
    action           TEXT NOT NULL,
    target           TEXT,
    detail           TEXT NOT NULL DEFAULT '',
    client_ip        TEXT
);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, at);
