//! LTI rows: the tool's keys, registered platforms and their deployments, one-time registration tokens,
//! login states, used nonces, launched people's identities, resource links bound to courses, where their
//! grades go, the grade outbox, the launch log, LTI 1.1 consumers and NRPS rosters.
//!
//! Policy (who may register what, what a launch must prove) lives in the server and the `lti` crate;
//! these are the statements.

use crate::{NewUser, Pool, Result, Store, StoreError, User};

/// One of Rampart's own signing keys as a tool.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ToolKey {
    pub kid: String,
    /// The public key as a JWK (JSON).
    pub public_jwk: String,
    /// The private key, sealed with the server secret (never printed).
    pub private_sealed: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// A registered platform (an LMS) of one organisation.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LtiPlatform {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub auth_endpoint: String,
    pub token_endpoint: String,
    pub jwks_url: String,
    /// `active`, `pending` (waits for an admin) or `disabled`.
    pub status: String,
    /// `manual` or `dynamic`.
    pub registered_via: String,
    pub jwks_json: Option<String>,
    pub jwks_fetched_at: Option<i64>,
    pub created_at: i64,
}

/// What registering a platform needs.
#[derive(Clone, Debug)]
pub struct NewLtiPlatform<'a> {
    pub organisation_id: i64,
    pub name: &'a str,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub auth_endpoint: &'a str,
    pub token_endpoint: &'a str,
    pub jwks_url: &'a str,
    pub status: &'a str,
    pub registered_via: &'a str,
    pub deployment_ids: &'a [String],
}

/// An OIDC login waiting for its launch.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LoginState {
    pub platform_id: i64,
    pub nonce: String,
    pub target_link_uri: String,
    pub storage_target: Option<String>,
    pub login_params: String,
    pub expires_at: i64,
}

/// A placement of Rampart in an LMS course, and the course bound to it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LtiResourceLink {
    pub id: i64,
    /// `p<platform id>` or `c<consumer id>`.
    pub source: String,
    pub organisation_id: i64,
    pub resource_link_id: String,
    pub context_id: Option<String>,
    pub title: Option<String>,
    pub package_id: Option<i64>,
    pub lineitem_url: Option<String>,
    pub created_at: i64,
}

/// What a launch says about its resource link.
#[derive(Clone, Copy, Debug)]
pub struct NewResourceLink<'a> {
    /// `p<platform id>` or `c<consumer id>`.
    pub source: &'a str,
    pub organisation_id: i64,
    pub resource_link_id: &'a str,
    pub context_id: Option<&'a str>,
    pub title: Option<&'a str>,
    pub lineitem_url: Option<&'a str>,
}

/// Where one learner's result for one resource link goes.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GradeTarget {
    pub id: i64,
    pub resource_link_id: i64,
    pub user_id: i64,
    pub package_id: i64,
    /// `ags` or `lti11`.
    pub kind: String,
    /// The AGS line item URL or the LTI 1.1 outcome service URL.
    pub service_url: String,
    /// The AGS `userId` or the LTI 1.1 `lis_result_sourcedid`.
    pub subject: String,
    pub updated_at: i64,
}

/// What a grade target needs.
#[derive(Clone, Copy, Debug)]
pub struct NewGradeTarget<'a> {
    pub resource_link_id: i64,
    pub user_id: i64,
    pub package_id: i64,
    pub kind: &'a str,
    pub service_url: &'a str,
    pub subject: &'a str,
}

/// A score or outcome due to be sent, with where it goes.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GradeOutboxItem {
    pub id: i64,
    pub target_id: i64,
    pub payload: String,
    pub attempts: i64,
    pub kind: String,
    pub service_url: String,
    pub subject: String,
    /// The resource link's source: `p<platform id>` or `c<consumer id>`.
    pub source: String,
}

/// A row of an outbox listing, for the admin page.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct GradeOutboxRow {
    pub created_at: i64,
    pub status: String,
    pub attempts: i64,
    pub learner: String,
    pub course: String,
    pub last_error: Option<String>,
}

/// Counts of an outbox by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GradeOutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
}

/// An accepted or refused launch, for the admin page.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct LtiLaunchRecord {
    pub at: i64,
    pub accepted: bool,
    pub message_type: String,
    pub person: Option<String>,
    pub reason: String,
}

/// What the launch log records.
#[derive(Clone, Copy, Debug)]
pub struct NewLtiLaunch<'a> {
    pub organisation_id: Option<i64>,
    pub source: Option<&'a str>,
    pub user_id: Option<i64>,
    pub message_type: &'a str,
    pub accepted: bool,
    pub reason: &'a str,
}

/// An LTI 1.1 consumer.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Lti11Consumer {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub consumer_key: String,
    /// The shared secret, sealed with the server secret (never printed).
    pub secret_sealed: String,
    pub created_at: i64,
}

/// One person on a course roster (NRPS).
#[derive(Clone, Debug, PartialEq)]
pub struct RosterMember {
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: String,
    pub status: String,
}

const PLATFORM_COLUMNS: &str =
    "id, organisation_id, name, issuer, client_id, auth_endpoint, token_endpoint,
    jwks_url, status, registered_via, jwks_json, jwks_fetched_at, created_at";
const LINK_COLUMNS: &str =
    "id, source, organisation_id, resource_link_id, context_id, title, package_id,
    lineitem_url, created_at";

impl Store {
    // ----- tool keys -----

    pub async fn insert_tool_key(&self, key: &ToolKey) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO lti_tool_keys (kid, public_jwk, private_sealed, created_at, retired_at)
             VALUES ($1, $2, $3, $4, $5)")
            .bind(&key.kid)
            .bind(&key.public_jwk)
            .bind(&key.private_sealed)
            .bind(key.created_at)
            .bind(key.retired_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Every key held, newest first.
    pub async fn tool_keys(&self) -> Result<Vec<ToolKey>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT kid, public_jwk, private_sealed, created_at, retired_at FROM lti_tool_keys
             ORDER BY created_at DESC, kid DESC")
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Marks every key but `kid` retired (those not retired already) as of `now`.
    pub async fn retire_tool_keys_except(&self, kid: &str, now: i64) -> Result<u64> {
        with_pool!(self, pool => Ok(sqlx::query(
            "UPDATE lti_tool_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL")
            .bind(kid)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    /// Forgets keys retired before `cutoff` (their overlap is over; they are no longer published).
    pub async fn delete_tool_keys_retired_before(&self, cutoff: i64) -> Result<u64> {
        with_pool!(self, pool => Ok(sqlx::query(
            "DELETE FROM lti_tool_keys WHERE retired_at IS NOT NULL AND retired_at < $1")
            .bind(cutoff)
            .execute(pool)
            .await?
            .rows_affected()))
    }

    // ----- platforms -----

    /// Registers a platform with its deployments in one transaction. A second registration of the same
    /// issuer and client id is [`StoreError::Conflict`].
    pub async fn insert_lti_platform(&self, new: &NewLtiPlatform<'_>, now: i64) -> Result<i64> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO lti_platforms (organisation_id, name, issuer, client_id, auth_endpoint,
                    token_endpoint, jwks_url, status, registered_via, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
                .bind(new.organisation_id)
                .bind(new.name)
                .bind(new.issuer)
                .bind(new.client_id)
                .bind(new.auth_endpoint)
                .bind(new.token_endpoint)
                .bind(new.jwks_url)
                .bind(new.status)
                .bind(new.registered_via)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict_as(e, "platform"))?;
            for deployment in new.deployment_ids {
                sqlx::query(
                    "INSERT INTO lti_deployments (platform_id, deployment_id, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (platform_id, deployment_id) DO NOTHING")
                    .bind(id)
                    .bind(deployment)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn lti_platform(&self, id: i64) -> Result<LtiPlatform> {
        let sql = format!("SELECT {PLATFORM_COLUMNS} FROM lti_platforms WHERE id = $1");
        with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Every registration of an issuer (one per client id).
    pub async fn lti_platforms_by_issuer(&self, issuer: &str) -> Result<Vec<LtiPlatform>> {
        let sql =
            format!("SELECT {PLATFORM_COLUMNS} FROM lti_platforms WHERE issuer = $1 ORDER BY id");
        with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(issuer)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The platforms of one organisation, or of all (`None`).
    pub async fn lti_platforms(&self, organisation_id: Option<i64>) -> Result<Vec<LtiPlatform>> {
        let sql = match organisation_id {
            Some(_) => format!(
                "SELECT {PLATFORM_COLUMNS} FROM lti_platforms WHERE organisation_id = $1 ORDER BY lower(name), id"
            ),
            None => {
                format!("SELECT {PLATFORM_COLUMNS} FROM lti_platforms ORDER BY lower(name), id")
            }
        };
        with_pool!(self, pool => {
            let mut query = sqlx::query_as(&sql);
            if let Some(id) = organisation_id {
                query = query.bind(id);
            }
            query.fetch_all(pool).await.map_err(StoreError::from)
        })
    }

    pub async fn set_lti_platform_status(&self, id: i64, status: &str) -> Result<()> {
        let changed = with_pool!(self, pool => sqlx::query(
            "UPDATE lti_platforms SET status = $2 WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(pool)
            .await?
            .rows_affected());
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Remembers the platform's key set as fetched at `now`.
    pub async fn store_lti_platform_jwks(&self, id: i64, jwks_json: &str, now: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE lti_platforms SET jwks_json = $2, jwks_fetched_at = $3 WHERE id = $1")
            .bind(id)
            .bind(jwks_json)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn lti_deployments(&self, platform_id: i64) -> Result<Vec<String>> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT deployment_id FROM lti_deployments WHERE platform_id = $1 ORDER BY created_at, deployment_id")
            .bind(platform_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Adds a deployment; adding one that exists changes nothing.
    pub async fn add_lti_deployment(
        &self,
        platform_id: i64,
        deployment_id: &str,
        now: i64,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO lti_deployments (platform_id, deployment_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform_id, deployment_id) DO NOTHING")
            .bind(platform_id)
            .bind(deployment_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    // ----- dynamic registration tokens -----

    pub async fn insert_registration_token(
        &self,
        token_hash: &str,
        organisation_id: i64,
        created_by: Option<i64>,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO lti_registration_tokens (token_hash, organisation_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(organisation_id)
            .bind(created_by)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Uses a registration token once: its organisation, or `None` when it is unknown, used or expired.
    pub async fn use_registration_token(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        with_pool!(self, pool => sqlx::query_scalar(
            "UPDATE lti_registration_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING organisation_id")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The organisation of a token that is still usable, without using it.
    pub async fn registration_token_organisation(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT organisation_id FROM lti_registration_tokens
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The organisation a registration token was made for and when it expires(d), usable or not.
    pub async fn registration_token_organisation_any(
        &self,
        token_hash: &str,
    ) -> Result<Option<(i64, i64)>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT organisation_id, expires_at FROM lti_registration_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- login states and nonces -----

    pub async fn insert_login_state(&self, state_hash: &str, state: &LoginState) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO lti_login_states (state_hash, platform_id, nonce, target_link_uri, storage_target,
                login_params, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(state_hash)
            .bind(state.platform_id)
            .bind(&state.nonce)
            .bind(&state.target_link_uri)
            .bind(&state.storage_target)
            .bind(&state.login_params)
            .bind(state.expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Takes a login state out (single use): `None` when it is unknown, already used or expired.
    pub async fn take_login_state(&self, state_hash: &str, now: i64) -> Result<Option<LoginState>> {
        let taken: Option<LoginState> = with_pool!(self, pool => sqlx::query_as(
            "DELETE FROM lti_login_states WHERE state_hash = $1
             RETURNING platform_id, nonce, target_link_uri, storage_target, login_params, expires_at")
            .bind(state_hash)
            .fetch_optional(pool)
            .await?);
        Ok(taken.filter(|state| state.expires_at > now))
    }

    /// Records a nonce as used in `scope` until `expires_at`: `false` when it was used already.
    pub async fn use_nonce(&self, scope: &str, nonce: &str, expires_at: i64) -> Result<bool> {
        with_pool!(self, pool => Ok(sqlx::query(
            "INSERT INTO lti_nonces (scope, nonce, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (scope, nonce) DO NOTHING")
            .bind(scope)
            .bind(nonce)
            .bind(expires_at)
            .execute(pool)
            .await?
            .rows_affected() == 1))
    }

    /// Forgets login states and nonces that can no longer be used.
    pub async fn delete_expired_lti_states(&self, now: i64) -> Result<u64> {
        with_pool!(self, pool => {
            let states = sqlx::query("DELETE FROM lti_login_states WHERE expires_at <= $1")
                .bind(now).execute(pool).await?.rows_affected();
            let nonces = sqlx::query("DELETE FROM lti_nonces WHERE expires_at <= $1")
                .bind(now).execute(pool).await?.rows_affected();
            Ok(states + nonces)
        })
    }

    // ----- people -----

    /// The user launched before as `(issuer, subject)`.
    pub async fn lti_identity(&self, issuer: &str, subject: &str) -> Result<Option<i64>> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT user_id FROM lti_identities WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Creates a user and their LTI identity in one transaction. When someone else provisioned the same
    /// identity at the same moment, theirs is returned.
    pub async fn provision_lti_user(
        &self,
        issuer: &str,
        subject: &str,
        new: &NewUser,
        now: i64,
    ) -> Result<User> {
        let created: Result<i64> = with_pool!(self, pool => async {
            let mut tx = pool.begin().await?;
            let id = insert_user!(&mut *tx, new, now);
            sqlx::query(
                "INSERT INTO lti_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)")
                .bind(issuer)
                .bind(subject)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(id)
        }.await);
        match created {
            Ok(id) => self.user(id).await,
            Err(error) => match self.lti_identity(issuer, subject).await? {
                Some(id) => self.user(id).await,
                None => Err(error),
            },
        }
    }

    /// Brings a launched user's name and roles up to date with what the LMS sent (roles only grow: a
    /// role given in Rampart is not taken away by a launch).
    pub async fn refresh_lti_user(
        &self,
        user_id: i64,
        display_name: Option<&str>,
        roles: &[String],
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(name) = display_name {
                sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1 AND display_name <> $2")
                    .bind(user_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
            }
            for role in roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)
                             ON CONFLICT (user_id, role) DO NOTHING")
                    .bind(user_id)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whether an email address is taken by any user.
    pub async fn email_in_use(&self, email: &str) -> Result<bool> {
        with_pool!(self, pool => Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await? > 0))
    }

    // ----- resource links and grades -----

    /// The resource link, created on first launch; its title, context and line item are refreshed.
    pub async fn upsert_resource_link(
        &self,
        link: &NewResourceLink<'_>,
        now: i64,
    ) -> Result<LtiResourceLink> {
        let sql = format!(
            "INSERT INTO lti_resource_links (source, organisation_id, resource_link_id, context_id, title,
                lineitem_url, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source, resource_link_id) DO UPDATE SET
                context_id = COALESCE(excluded.context_id, lti_resource_links.context_id),
                title = COALESCE(excluded.title, lti_resource_links.title),
                lineitem_url = COALESCE(excluded.lineitem_url, lti_resource_links.lineitem_url)
             RETURNING {LINK_COLUMNS}"
        );
        with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(link.source)
            .bind(link.organisation_id)
            .bind(link.resource_link_id)
            .bind(link.context_id)
            .bind(link.title)
            .bind(link.lineitem_url)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn resource_link(
        &self,
        source: &str,
        resource_link_id: &str,
    ) -> Result<Option<LtiResourceLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM lti_resource_links WHERE source = $1 AND resource_link_id = $2"
        );
        with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(source)
            .bind(resource_link_id)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Binds a resource link to a course.
    pub async fn bind_resource_link(&self, id: i64, package_id: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE lti_resource_links SET package_id = $2 WHERE id = $1")
            .bind(id)
            .bind(package_id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Where this learner's result for this resource link goes (created or brought up to date).
    pub async fn upsert_grade_target(&self, new: &NewGradeTarget<'_>, now: i64) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO lti_grade_targets (resource_link_id, user_id, package_id, kind, service_url, subject,
                updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (resource_link_id, user_id) DO UPDATE SET package_id = excluded.package_id,
                kind = excluded.kind, service_url = excluded.service_url, subject = excluded.subject,
                updated_at = excluded.updated_at
             RETURNING id")
            .bind(new.resource_link_id)
            .bind(new.user_id)
            .bind(new.package_id)
            .bind(new.kind)
            .bind(new.service_url)
            .bind(new.subject)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Every place a learner's result for a course goes.
    pub async fn grade_targets(&self, user_id: i64, package_id: i64) -> Result<Vec<GradeTarget>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, resource_link_id, user_id, package_id, kind, service_url, subject, updated_at
             FROM lti_grade_targets WHERE user_id = $1 AND package_id = $2 ORDER BY id")
            .bind(user_id)
            .bind(package_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- the grade outbox -----

    /// Queues a score; a second one with the same idempotency key is ignored (`false`).
    pub async fn enqueue_grade(
        &self,
        target_id: i64,
        idempotency_key: &str,
        payload: &str,
        now: i64,
    ) -> Result<bool> {
        with_pool!(self, pool => Ok(sqlx::query(
            "INSERT INTO lti_outbox (target_id, idempotency_key, payload, status, next_attempt_at, created_at)
             VALUES ($1, $2, $3, 'pending', $4, $4) ON CONFLICT (idempotency_key) DO NOTHING")
            .bind(target_id)
            .bind(idempotency_key)
            .bind(payload)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected() == 1))
    }

    /// Pending grades whose time has come, oldest first.
    pub async fn due_grades(&self, now: i64, limit: i64) -> Result<Vec<GradeOutboxItem>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT o.id, o.target_id, o.payload, o.attempts, t.kind, t.service_url, t.subject, l.source
             FROM lti_outbox o JOIN lti_grade_targets t ON t.id = o.target_id
             JOIN lti_resource_links l ON l.id = t.resource_link_id
             WHERE o.status = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at, o.id LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// Claims a due item for one sender until `lease_until`: `false` when another sender (another
    /// server) claimed it first, so each item is sent by one server at a time.
    pub async fn claim_grade(&self, id: i64, now: i64, lease_until: i64) -> Result<bool> {
        with_pool!(self, pool => Ok(sqlx::query(
            "UPDATE lti_outbox SET next_attempt_at = $3
             WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2")
            .bind(id)
            .bind(now)
            .bind(lease_until)
            .execute(pool)
            .await?
            .rows_affected() == 1))
    }

    pub async fn grade_sent(&self, id: i64, now: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE lti_outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL
             WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A failed try: again at `next_attempt_at`, or given up (`None`).
    pub async fn grade_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE lti_outbox SET attempts = attempts + 1, last_error = $2,
                status = CASE WHEN $3 IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($3, next_attempt_at)
             WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .bind(error)
            .bind(next_attempt_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The outbox of one source (`p<id>` / `c<id>`) by state.
    pub async fn outbox_counts(&self, source: &str) -> Result<GradeOutboxCounts> {
        let rows: Vec<(String, i64)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT o.status, COUNT(*) FROM lti_outbox o JOIN lti_grade_targets t ON t.id = o.target_id
             JOIN lti_resource_links l ON l.id = t.resource_link_id WHERE l.source = $1 GROUP BY o.status")
            .bind(source)
            .fetch_all(pool)
            .await?);
        let mut counts = GradeOutboxCounts::default();
        for (status, count) in rows {
            match status.as_str() {
                "pending" => counts.pending = count,
                "sent" => counts.sent = count,
                _ => counts.failed = count,
            }
        }
        Ok(counts)
    }

    /// The newest outbox rows of one source.
    pub async fn recent_outbox(&self, source: &str, limit: i64) -> Result<Vec<GradeOutboxRow>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT o.created_at, o.status, o.attempts, u.display_name AS learner,
                    COALESCE(p.title, '') AS course, o.last_error
             FROM lti_outbox o JOIN lti_grade_targets t ON t.id = o.target_id
             JOIN lti_resource_links l ON l.id = t.resource_link_id
             JOIN users u ON u.id = t.user_id JOIN packages p ON p.id = t.package_id
             WHERE l.source = $1 ORDER BY o.id DESC LIMIT $2")
            .bind(source)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- the launch log -----

    pub async fn record_lti_launch(&self, launch: &NewLtiLaunch<'_>, now: i64) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO lti_launches (organisation_id, source, user_id, message_type, accepted, reason, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(launch.organisation_id)
            .bind(launch.source)
            .bind(launch.user_id)
            .bind(launch.message_type)
            .bind(launch.accepted)
            .bind(launch.reason)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The newest launches of one source.
    pub async fn lti_launches(&self, source: &str, limit: i64) -> Result<Vec<LtiLaunchRecord>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT l.at, l.accepted, l.message_type, u.display_name AS person, l.reason
             FROM lti_launches l LEFT JOIN users u ON u.id = l.user_id
             WHERE l.source = $1 ORDER BY l.id DESC LIMIT $2")
            .bind(source)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// When a source was last launched, and how many launches it had refused since `since`.
    pub async fn lti_launch_stats(&self, source: &str, since: i64) -> Result<(Option<i64>, i64)> {
        with_pool!(self, pool => {
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(at) FROM lti_launches WHERE source = $1 AND accepted")
                .bind(source).fetch_one(pool).await?;
            let refused: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM lti_launches WHERE source = $1 AND NOT accepted AND at >= $2")
                .bind(source).bind(since).fetch_one(pool).await?;
            Ok((last, refused))
        })
    }

    // ----- LTI 1.1 consumers -----

    /// Adds a consumer; a key in use is [`StoreError::Conflict`].
    pub async fn insert_lti11_consumer(
        &self,
        organisation_id: i64,
        name: &str,
        consumer_key: &str,
        secret_sealed: &str,
        now: i64,
    ) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO lti11_consumers (organisation_id, name, consumer_key, secret_sealed, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(organisation_id)
            .bind(name)
            .bind(consumer_key)
            .bind(secret_sealed)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(|e| conflict_as(e, "consumer key")))
    }

    pub async fn lti11_consumer_by_key(&self, consumer_key: &str) -> Result<Option<Lti11Consumer>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, organisation_id, name, consumer_key, secret_sealed, created_at FROM lti11_consumers
             WHERE consumer_key = $1")
            .bind(consumer_key)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::from))
    }

    pub async fn lti11_consumer(&self, id: i64) -> Result<Lti11Consumer> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, organisation_id, name, consumer_key, secret_sealed, created_at FROM lti11_consumers
             WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }

    /// The consumers of one organisation, or of all (`None`).
    pub async fn lti11_consumers(
        &self,
        organisation_id: Option<i64>,
    ) -> Result<Vec<Lti11Consumer>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, organisation_id, name, consumer_key, secret_sealed, created_at FROM lti11_consumers
             WHERE $1 IS NULL OR organisation_id = $1 ORDER BY lower(name), id")
            .bind(organisation_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    // ----- rosters -----

    /// Replaces what is known of a course's roster with a fresh fetch.
    pub async fn replace_roster(
        &self,
        platform_id: i64,
        context_id: &str,
        members: &[RosterMember],
        now: i64,
    ) -> Result<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM lti_roster WHERE platform_id = $1 AND context_id = $2")
                .bind(platform_id)
                .bind(context_id)
                .execute(&mut *tx)
                .await?;
            for member in members {
                sqlx::query(
                    "INSERT INTO lti_roster (platform_id, context_id, subject, name, email, roles, status, fetched_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (platform_id, context_id, subject) DO NOTHING")
                    .bind(platform_id)
                    .bind(context_id)
                    .bind(&member.subject)
                    .bind(&member.name)
                    .bind(&member.email)
                    .bind(&member.roles)
                    .bind(&member.status)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// A course's roster with each member's Rampart progress on `package_id`: `(subject, name, status)`
    /// where status is the newest attempt's completion, or `None` when they have not started.
    pub async fn roster_progress(
        &self,
        platform_id: i64,
        context_id: &str,
        issuer: &str,
        package_id: i64,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT r.subject, r.name,
                (SELECT a.completion_status FROM lti_identities i
                   JOIN registrations g ON g.user_id = i.user_id AND g.package_id = $4
                   JOIN attempts a ON a.registration_id = g.id
                  WHERE i.issuer = $3 AND i.subject = r.subject ORDER BY a.number DESC LIMIT 1) AS status
             FROM lti_roster r WHERE r.platform_id = $1 AND r.context_id = $2 ORDER BY lower(COALESCE(r.name, r.subject))")
            .bind(platform_id)
            .bind(context_id)
            .bind(issuer)
            .bind(package_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from))
    }

    /// How many roster entries a platform has.
    pub async fn roster_size(&self, platform_id: i64) -> Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM lti_roster WHERE platform_id = $1")
            .bind(platform_id)
            .fetch_one(pool)
            .await
            .map_err(StoreError::from))
    }
}

/// A unique-constraint violation as a [`StoreError::Conflict`] naming `what`.
fn conflict_as(error: sqlx::Error, what: &'static str) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
            what: what.to_owned(),
        },
        _ => error.into(),
    }
}
