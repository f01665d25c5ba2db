-- SCORM packages and their versions. File contents live in the content-addressed blob store on disk
-- (named by SHA-256); a version lists its paths and the blob behind each.
CREATE TABLE packages (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER REFERENCES organisations (id),
    identifier       TEXT NOT NULL,
    title            TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX packages_identifier ON packages (identifier);

CREATE TABLE package_versions (
    id             INTEGER PRIMARY KEY,
    package_id     INTEGER NOT NULL REFERENCES packages (id),
    version_no     INTEGER NOT NULL,
    standard       TEXT NOT NULL,
    title          TEXT NOT NULL,
    launch_path    TEXT,
    manifest_json  TEXT NOT NULL,
    report_json    TEXT NOT NULL,
    n_files        INTEGER NOT NULL,
    total_bytes    INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users (id),
    created_at     INTEGER NOT NULL,
    UNIQUE (package_id, version_no)
);

CREATE TABLE package_files (
    version_id  INTEGER NOT NULL REFERENCES package_versions (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (version_id, path)
);
CREATE INDEX package_files_blob ON package_files (sha256);
