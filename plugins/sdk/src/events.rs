//! Publishing events. Every publish is stored before it returns and delivered at least once to the
//! plugins subscribed to its topic (including this one), in the organisation it was published to.

use serde::Serialize;

use crate::__bindings::rampart::plugin::events as host;
pub use crate::Event;

/// Publishes `payload` (JSON text) on `topic` to the calling organisation; returns the event id.
/// Needs the `events.publish` capability.
pub fn publish(topic: &str, payload: &str) -> Result<i64, String> {
    host::publish(topic, payload)
}

/// Publishes `payload` serialised as JSON.
pub fn publish_json<T: Serialize + ?Sized>(topic: &str, payload: &T) -> Result<i64, String> {
    let payload = serde_json::to_string(payload)
        .map_err(|error| format!("cannot serialise the payload: {error}"))?;
    host::publish(topic, &payload)
}

/// Publishes one event per listed organisation; returns their ids. Needs `events.cross-organisation`.
pub fn publish_to(organisations: &[i64], topic: &str, payload: &str) -> Result<Vec<i64>, String> {
    host::publish_to(organisations, topic, payload)
}

/// Sends `payload` from the calling organisation up to the platform scope (such as a national CERT's
/// queue); returns the event id. Subscribed plugins handle it as a platform call whose event names the
/// sending organisation (set by the host, so it can be trusted). Needs `events.platform`.
pub fn publish_to_platform(topic: &str, payload: &str) -> Result<i64, String> {
    host::publish_to_platform(topic, payload)
}

impl Event {
    /// The payload decoded from JSON.
    pub fn payload_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_str(&self.payload).map_err(|error| {
            format!(
                "event {} ({}) has an unexpected payload: {error}",
                self.id, self.topic
            )
        })
    }
}
