-- A learner's registration on a package lives across versions; each attempt is pinned to the version it
-- runs on, so a new upload never changes content under a learner part-way through unless an admin says so.
CREATE TABLE registrations (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES packages (id),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    UNIQUE (package_id, user_id)
);

CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    registration_id  INTEGER NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    version_id       INTEGER NOT NULL REFERENCES package_versions (id),
    number           INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    started_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    UNIQUE (registration_id, number)
);
CREATE INDEX attempts_version ON attempts (version_id, status);
