//! What the LTI admin pages and the `rampart lti` commands show and change.
