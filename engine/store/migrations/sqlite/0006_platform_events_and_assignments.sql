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
