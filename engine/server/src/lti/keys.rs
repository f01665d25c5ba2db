//! The tool's RSA signing keys: generated on first run, published at `/.well-known/jwks.json` with their
//! `kid`, rotated on command (`rampart lti rotate-keys`) with the old key still published for an overlap
//! period so platforms holding a cached key set keep verifying, and stored with the private half sealed
//! by the server secret. Also the sealing itself, which LTI 1.1 secrets use too.

use std::sync::{Arc, RwLock};

use accounts::SecretKey;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use store::{Store, ToolKey};

/// How long a rotated-out key stays published: longer than any platform caches a key set, and than
/// any signed message (deep linking response, client assertion) stays valid.
pub const ROTATION_OVERLAP_SECS: i64 = 7 * 24 * 3600;
const RSA_BITS: usize = 2048;

/// Seals a secret for storage: AES-256-GCM under a key derived from the server secret for `purpose`,
/// with a random nonce; the text is `v1.<nonce>.<ciphertext>` in base64.
pub fn seal(secret: &SecretKey, purpose: &str, plaintext: &[u8]) -> String {
    let key = sealing_key(secret, purpose);
    let nonce_bytes: [u8; 12] = rand::random();
    let mut in_out = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce_bytes),
        Aad::from(purpose.as_bytes()),
        &mut in_out,
    )
    .expect("AES-GCM seals any length we store");
    format!(
        "v1.{}.{}",
        STANDARD_NO_PAD.encode(nonce_bytes),
        STANDARD_NO_PAD.encode(in_out)
    )
}

/// Opens what [`seal`] made; `None` when it was sealed under another secret or purpose, or altered.
pub fn open(secret: &SecretKey, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
    let mut parts = sealed.splitn(3, '.');
    let (Some("v1"), Some(nonce), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let nonce: [u8; 12] = STANDARD_NO_PAD.decode(nonce).ok()?.try_into().ok()?;
    let mut in_out = STANDARD_NO_PAD.decode(body).ok()?;
    let key = sealing_key(secret, purpose);
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.as_bytes()),
            &mut in_out,
        )
        .ok()?;
    Some(plain.to_vec())
}

fn sealing_key(secret: &SecretKey, purpose: &str) -> LessSafeKey {
    let bytes = secret.derive_key(&format!("seal:{purpose}"));
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).expect("32 bytes is an AES-256 key"))
}

const KEY_PURPOSE: &str = "lti-tool-key";

/// The keys in memory: the current signing key and the key set to publish.
#[derive(Clone)]
pub struct ToolKeys {
    inner: Arc<RwLock<Loaded>>,
}

struct Loaded {
    signing: Option<lti::SigningKey>,
    jwks: serde_json::Value,
}

impl ToolKeys {
    pub fn empty() -> ToolKeys {
        ToolKeys {
            inner: Arc::new(RwLock::new(Loaded {
                signing: None,
                jwks: serde_json::json!({ "keys": [] }),
            })),
        }
    }

    /// Loads the keys, generating the first one when there is none, and drops keys whose overlap ended.
    pub async fn load(&self, store: &Store, secret: &SecretKey, now: i64) -> anyhow::Result<()> {
        store
            .delete_tool_keys_retired_before(now - ROTATION_OVERLAP_SECS)
            .await?;
        let mut keys = store.tool_keys().await?;
        if !keys.iter().any(|key| key.retired_at.is_none()) {
            let key = tokio::task::spawn_blocking({
                let secret = secret.clone();
                move || generate(&secret, now)
            })
            .await??;
            store.insert_tool_key(&key).await?;
            tracing::info!(kid = %key.kid, "generated the LTI tool signing key");
            keys = store.tool_keys().await?;
        }
        let current = keys
            .iter()
            .find(|key| key.retired_at.is_none())
            .expect("a current key exists");
        let pem = open(secret, KEY_PURPOSE, &current.private_sealed).ok_or_else(|| {
            anyhow::anyhow!(
                "the LTI tool key {} cannot be opened with this server's secret key; was the secret changed? \
                 Run `rampart lti rotate-keys` to make a new one",
                current.kid
            )
        })?;
        let signing = lti::SigningKey::from_rsa_pem(current.kid.clone(), &pem)?;
        let published: Vec<serde_json::Value> = keys
            .iter()
            .filter_map(|key| serde_json::from_str(&key.public_jwk).ok())
            .collect();
        let mut loaded = self.inner.write().unwrap();
        loaded.signing = Some(signing);
        loaded.jwks = serde_json::json!({ "keys": published });
        Ok(())
    }

    /// The key that signs now. Loaded at start-up, so `None` only before [`ToolKeys::load`].
    pub fn signing(&self) -> Option<lti::SigningKey> {
        self.inner.read().unwrap().signing.clone()
    }

    /// The public key set, current key first.
    pub fn jwks(&self) -> serde_json::Value {
        self.inner.read().unwrap().jwks.clone()
    }
}

/// Makes a new current key and retires the others (still published for [`ROTATION_OVERLAP_SECS`]).
/// Returns the new key's id.
pub async fn rotate(store: &Store, secret: &SecretKey, now: i64) -> anyhow::Result<String> {
    let key = tokio::task::spawn_blocking({
        let secret = secret.clone();
        move || generate(&secret, now)
    })
    .await??;
    store.insert_tool_key(&key).await?;
    store.retire_tool_keys_except(&key.kid, now).await?;
    Ok(key.kid)
}

/// A new 2048-bit RSA key: its public JWK and its sealed PKCS#8 PEM. The `kid` is the RFC 7638
/// thumbprint, so it names the key material itself.
fn generate(secret: &SecretKey, now: i64) -> anyhow::Result<ToolKey> {
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), RSA_BITS)?;
    let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
    let thumbprint_input = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let kid = {
        use sha2::Digest;
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(thumbprint_input.as_bytes()))
    };
    let jwk = serde_json::json!({
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": n, "e": e,
    });
    let pem = private.to_pkcs8_pem(LineEnding::LF)?;
    Ok(ToolKey {
        kid,
        public_jwk: jwk.to_string(),
        private_sealed: seal(secret, KEY_PURPOSE, pem.as_bytes()),
        created_at: now,
        retired_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_secret_and_purpose() {
        let secret = SecretKey::generate();
        let sealed = seal(&secret, "a", b"hello");
        assert!(!sealed.contains("hello"));
        assert_eq!(open(&secret, "a", &sealed).as_deref(), Some(&b"hello"[..]));
        assert_eq!(open(&secret, "b", &sealed), None);
        assert_eq!(open(&SecretKey::generate(), "a", &sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(open(&secret, "a", &altered), None);
        assert_ne!(
            seal(&secret, "a", b"hello"),
            sealed,
            "a fresh nonce every time"
        );
    }
}
