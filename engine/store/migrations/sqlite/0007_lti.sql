-- LTI: Rampart as an LTI 1.3 Advantage tool and an LTI 1.1 provider.

-- Rampart's own RSA keys as a tool. The private key is sealed with the server's secret key; a rotated-out
-- key keeps being published in the JWKS until `retired_at` plus the overlap period.
CREATE TABLE lti_tool_keys (
    kid             TEXT PRIMARY KEY,
    public_jwk      TEXT NOT NULL,
    private_sealed  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
);

-- A platform (LMS) registered for an organisation: by Dynamic Registration or by hand. `pending` ones
-- came without a valid one-time token and wait for an admin's approval.
CREATE TABLE lti_platforms (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    issuer           TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    auth_endpoint    TEXT NOT NULL,
    token_endpoint   TEXT NOT NULL,
    jwks_url         TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled')),
    registered_via   TEXT NOT NULL CHECK (registered_via IN ('manual', 'dynamic')),
    jwks_json        TEXT,
    jwks_fetched_at  INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (issuer, client_id)
);
CREATE INDEX lti_platforms_organisation ON lti_platforms (organisation_id);

CREATE TABLE lti_deployments (
    platform_id    INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    deployment_id  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (platform_id, deployment_id)
);

-- One-time Dynamic Registration tokens (stored as SHA-256 hashes).
CREATE TABLE lti_registration_tokens (
    token_hash       TEXT PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_by       INTEGER,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER
);

-- OIDC login states: single use, short-lived; each carries the nonce the id_token must echo.
CREATE TABLE lti_login_states (
    state_hash       TEXT PRIMARY KEY,
    platform_id      INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    nonce            TEXT NOT NULL,
    target_link_uri  TEXT NOT NULL,
    storage_target   TEXT,
    -- The login initiation's parameters, to start again in a new window when the frame cannot be bound.
    login_params     TEXT NOT NULL DEFAULT '',
    expires_at       INTEGER NOT NULL
);
CREATE INDEX lti_login_states_expiry ON lti_login_states (expires_at);

-- Nonces seen in accepted id_tokens and LTI 1.1 launches, kept until they could no longer be valid.
CREATE TABLE lti_nonces (
    scope       TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, nonce)
);
CREATE INDEX lti_nonces_expiry ON lti_nonces (expires_at);

-- Who a launched person is: (issuer, subject) for 1.3, ('lti11:<consumer key>', user_id) for 1.1.
CREATE TABLE lti_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX lti_identities_user ON lti_identities (user_id);

-- LTI 1.1 consumers: a key and a sealed secret per organisation.
CREATE TABLE lti11_consumers (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    consumer_key     TEXT NOT NULL UNIQUE,
    secret_sealed    TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);

-- A resource link (a placement of Rampart in an LMS course) and the course bound to it. `source` is
-- 'p<platform id>' or 'c<consumer id>'.
CREATE TABLE lti_resource_links (
    id                INTEGER PRIMARY KEY,
    source            TEXT NOT NULL,
    organisation_id   INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    resource_link_id  TEXT NOT NULL,
    context_id        TEXT,
    title             TEXT,
    package_id        INTEGER REFERENCES packages (id) ON DELETE SET NULL,
    lineitem_url      TEXT,
    created_at        INTEGER NOT NULL,
    UNIQUE (source, resource_link_id)
);

-- Where a learner's result for a resource link goes: an AGS line item (1.3) or an outcome service
-- (1.1). `subject` is the AGS userId or the 1.1 lis_result_sourcedid.
CREATE TABLE lti_grade_targets (
    id                INTEGER PRIMARY KEY,
    resource_link_id  INTEGER NOT NULL REFERENCES lti_resource_links (id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    package_id        INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('ags', 'lti11')),
    service_url       TEXT NOT NULL,
    subject           TEXT NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (resource_link_id, user_id)
);
CREATE INDEX lti_grade_targets_user ON lti_grade_targets (user_id, package_id);

-- Scores and outcomes on their way to the LMS: durable, retried with back-off, idempotent by key.
CREATE TABLE lti_outbox (
    id               INTEGER PRIMARY KEY,
    target_id        INTEGER NOT NULL REFERENCES lti_grade_targets (id) ON DELETE CASCADE,
    idempotency_key  TEXT NOT NULL UNIQUE,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX lti_outbox_due ON lti_outbox (status, next_attempt_at);

-- Every launch, accepted or refused, for the admin page (refused ones with the reason, never tokens).
CREATE TABLE lti_launches (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
    source           TEXT,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    message_type     TEXT NOT NULL,
    accepted         BOOLEAN NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    at               INTEGER NOT NULL
);
CREATE INDEX lti_launches_source ON lti_launches (source, at);

-- A course's roster as the LMS sees it (NRPS), so reports can show who has not started.
CREATE TABLE lti_roster (
    platform_id  INTEGER NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    context_id   TEXT NOT NULL,
    subject      TEXT NOT NULL,
    name         TEXT,
    email        TEXT,
    roles        TEXT NOT NULL,
    status       TEXT NOT NULL,
    fetched_at   INTEGER NOT NULL,
    PRIMARY KEY (platform_id, context_id, subject)
);
