//! Interaction response patterns.
