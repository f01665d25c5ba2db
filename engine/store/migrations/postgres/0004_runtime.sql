-- The SCORM run-time: per attempt and SCO item, the data as it stands, the launch it belongs to and a
-- rollup for reports; a durable journal of every call batch the server acknowledged; and the shared data
-- stores (`adl.data`) of a registration.
CREATE TABLE sco_state (
    attempt_id        BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    item_identifier   TEXT NOT NULL,
    -- runtime::AttemptData JSON as it stands (after the last acknowledged batch).
    data              TEXT,
    -- What the current launch started from (NULL: a new attempt) and its runtime::LaunchContext JSON.
    base_data         TEXT,
    context           TEXT NOT NULL,
    -- Launches of this SCO in this attempt; commits name the launch they belong to.
    launch_no         BIGINT NOT NULL,
    -- Calls journaled in the current launch.
    n_calls           BIGINT NOT NULL,
    -- The current launch's session has not been finished yet.
    open              BOOLEAN NOT NULL,
    -- The next launch resumes from `data` (otherwise it starts a new attempt on this SCO).
    resume            BOOLEAN NOT NULL,
    completion_status TEXT,
    success_status    TEXT,
    score_scaled      DOUBLE PRECISION,
    total_time_cs     BIGINT NOT NULL DEFAULT 0,
    launched_at       BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    revision          BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, item_identifier)
);

CREATE TABLE runtime_commits (
    attempt_id       BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    item_identifier  TEXT NOT NULL,
    launch_no        BIGINT NOT NULL,
    -- Position of the batch's first call in the launch's journal.
    seq              BIGINT NOT NULL,
    -- JSON array of runtime::Call.
    calls            TEXT NOT NULL,
    is_final         BOOLEAN NOT NULL,
    received_at      BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, item_identifier, launch_no, seq)
);

CREATE TABLE adl_data (
    registration_id  BIGINT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    target_id        TEXT NOT NULL,
    store            TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (registration_id, target_id)
);

-- What admins see of an attempt, rolled up from its SCOs.
ALTER TABLE attempts ADD COLUMN completion_status TEXT;
ALTER TABLE attempts ADD COLUMN success_status TEXT;
ALTER TABLE attempts ADD COLUMN score_scaled DOUBLE PRECISION;
ALTER TABLE attempts ADD COLUMN total_time_cs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN last_item TEXT;
ALTER TABLE attempts ADD COLUMN updated_at BIGINT;
