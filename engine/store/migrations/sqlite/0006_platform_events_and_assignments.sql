-- Events an organisation sends up to the platform scope (`events.publish-to-platform`): delivered as
-- platform calls, with `organisation_id` naming the sender.
ALTER TABLE events ADD COLUMN to_platform BOOLEAN NOT NULL DEFAULT FALSE;

-- Courses assigned to people (by a plugin through `training.assign`, or later by an admin): shown on the
-- learner's dashboard with the reason and due date. One assignment per person and course; the first wins.
CREATE TABLE course_assignments (
    id           INTEGER PRIMARY KEY,
    package_id   INTEGER NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    due_at       INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (package_id, user_id)
);
CREATE INDEX course_assignments_user ON course_assignments (user_id);

-- A sixth role, IT staff (an audience for technical advisories). SQLite cannot change a CHECK in place,
-- so the table is rebuilt with the same rows.
CREATE TABLE user_roles_new (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('learner', 'org_admin', 'security_lead', 'it_staff', 'cert_analyst', 'platform_admin')),
    PRIMARY KEY (user_id, role)
);
INSERT INTO user_roles_new (user_id, role) SELECT user_id, role FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;

-- Urgent notifications (`notify.alert`) also show as a banner on every page until read.
ALTER TABLE notifications ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;

-- One organisation's courses (training.assign looks them up on every advisory delivery).
CREATE INDEX packages_organisation ON packages (organisation_id);
