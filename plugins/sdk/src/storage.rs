//! Keyed JSON documents, private to the plugin and the calling organisation.
//!
//! A document lives in a *collection* under a *key*, holds JSON text (at most 256 KiB), and has a
//! *revision* that starts at 1 and grows by one on every write. Pass the revision you read back to a write
//! ([`put_json_if`]) to fail with [`StorageError::Conflict`] instead of overwriting someone else's write; a
//! revision of 0 means "must not exist yet". Each write also replaces the document's *index entries*
//! (name/value pairs), which [`query`] and [`count`] can filter on.
//!
//! Storage is scoped by the host: the same collection and key in another organisation (or in the platform
//! scope, for calls without an organisation) is another document, and no plugin sees another's documents.
//!
//! ```no_run
//! use rampart_plugin_sdk::storage::{self, DocumentQuery};
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Note { text: String }
//! # fn f() -> Result<(), rampart_plugin_sdk::StorageError> {
//! storage::put_json("notes", "0001", &Note { text: "hi".into() }, &[storage::index("author", "42")])?;
//! let note: Option<Note> = storage::get_json("notes", "0001")?;
//! let mine = storage::query_json::<Note>(&DocumentQuery::new("notes").where_index("author", "42").limit(50))?;
//! let how_many = storage::count("notes", None)?;
//! # Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::__bindings::rampart::plugin::storage as host;
pub use crate::{Document, DocumentQuery, IndexEntry, StorageError};

/// Documents larger than this many bytes are refused with [`StorageError::TooLarge`].
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// A document decoded from JSON, with its key and revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    /// The document's key.
    pub key: String,
    /// The decoded body.
    pub value: T,
    /// The revision to pass back to [`put_json_if`].
    pub revision: u64,
    /// Unix milliseconds of the last write.
    pub updated_at: i64,
}

/// An index entry for [`put`] and [`put_json`].
pub fn index(name: impl Into<String>, value: impl Into<String>) -> IndexEntry {
    IndexEntry {
        name: name.into(),
        value: value.into(),
    }
}

impl DocumentQuery {
    /// Documents of `collection` in key order, at most 100.
    pub fn new(collection: impl Into<String>) -> Self {
        DocumentQuery {
            collection: collection.into(),
            where_: None,
            after: None,
            limit: 100,
        }
    }

    /// Only documents whose index `name` equals `value`.
    pub fn where_index(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.where_ = Some(index(name, value));
        self
    }

    /// Starts after this key (pass the last key of the previous page).
    pub fn after(mut self, key: impl Into<String>) -> Self {
        self.after = Some(key.into());
        self
    }

    /// At most this many documents (the host may cap it).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }
}

/// The raw document, body as JSON text.
pub fn get(collection: &str, key: &str) -> Result<Option<Document>, StorageError> {
    host::get(collection, key)
}

/// Writes JSON text (the host checks it parses) and replaces the index entries; returns the new revision.
/// With `expected_revision`, fails with [`StorageError::Conflict`] unless the stored revision matches
/// (0: must not exist yet).
pub fn put(
    collection: &str,
    key: &str,
    body: &str,
    indexes: &[IndexEntry],
    expected_revision: Option<u64>,
) -> Result<u64, StorageError> {
    host::put(collection, key, body, indexes, expected_revision)
}

/// True when something was deleted.
pub fn delete(collection: &str, key: &str) -> Result<bool, StorageError> {
    host::delete(collection, key)
}

/// The raw documents a query finds.
pub fn query(query: &DocumentQuery) -> Result<Vec<Document>, StorageError> {
    host::query(query)
}

/// How many documents `collection` has (only those whose index matches, with `where_`).
pub fn count(collection: &str, where_: Option<IndexEntry>) -> Result<u64, StorageError> {
    host::count(collection, where_.as_ref())
}

/// The document decoded from JSON into `T`; `None` when there is none. A body that does not decode into
/// `T` is a [`StorageError::Invalid`].
pub fn get_json<T: DeserializeOwned>(
    collection: &str,
    key: &str,
) -> Result<Option<T>, StorageError> {
    Ok(get_stored(collection, key)?.map(|stored| stored.value))
}

/// Like [`get_json`], with the key and revision (for [`put_json_if`]).
pub fn get_stored<T: DeserializeOwned>(
    collection: &str,
    key: &str,
) -> Result<Option<Stored<T>>, StorageError> {
    host::get(collection, key)?.map(decode).transpose()
}

/// Stores `value` as JSON with these index entries (replacing the old ones); returns the new revision.
pub fn put_json<T: Serialize + ?Sized>(
    collection: &str,
    key: &str,
    value: &T,
    indexes: &[IndexEntry],
) -> Result<u64, StorageError> {
    host::put(collection, key, &encode(value)?, indexes, None)
}

/// Like [`put_json`], but only if the stored revision is `expected_revision` (0: the document must not
/// exist yet); otherwise [`StorageError::Conflict`] with the current revision.
pub fn put_json_if<T: Serialize + ?Sized>(
    collection: &str,
    key: &str,
    value: &T,
    indexes: &[IndexEntry],
    expected_revision: u64,
) -> Result<u64, StorageError> {
    host::put(
        collection,
        key,
        &encode(value)?,
        indexes,
        Some(expected_revision),
    )
}

/// The documents a query finds, decoded from JSON.
pub fn query_json<T: DeserializeOwned>(
    query: &DocumentQuery,
) -> Result<Vec<Stored<T>>, StorageError> {
    host::query(query)?.into_iter().map(decode).collect()
}

/// Reads, changes and writes a document, retrying on a conflict (a concurrent write) up to five times.
/// `change` gets the current value (`None` when there is none) and returns the new one; returns the value
/// written.
pub fn update_json<T, F>(
    collection: &str,
    key: &str,
    indexes: &[IndexEntry],
    mut change: F,
) -> Result<T, StorageError>
where
    T: Serialize + DeserializeOwned,
    F: FnMut(Option<T>) -> T,
{
    let mut attempt = 0;
    loop {
        let current = get_stored::<T>(collection, key)?;
        let revision = current.as_ref().map_or(0, |stored| stored.revision);
        let value = change(current.map(|stored| stored.value));
        match put_json_if(collection, key, &value, indexes, revision) {
            Ok(_) => return Ok(value),
            Err(StorageError::Conflict(_)) if attempt < 4 => attempt += 1,
            Err(error) => return Err(error),
        }
    }
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value)
        .map_err(|error| StorageError::Invalid(format!("cannot serialise: {error}")))
}

fn decode<T: DeserializeOwned>(document: Document) -> Result<Stored<T>, StorageError> {
    let value = serde_json::from_str(&document.body).map_err(|error| {
        StorageError::Invalid(format!(
            "{}/{} is not the expected JSON: {error}",
            document.collection, document.key
        ))
    })?;
    Ok(Stored {
        key: document.key,
        value,
        revision: document.revision,
        updated_at: document.updated_at,
    })
}
