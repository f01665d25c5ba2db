//! People and their access: first-run setup, organisations, users and roles, password sign-in with
//! throttling, sessions, CSRF tokens and the audit trail of all of it.
//!
//! The crate owns the *policy* (who may do what, how long a session lives, when sign-in is refused); the
//! store owns the rows; the server owns HTTP. Time comes from a [`Clock`] so that expiry and throttling
//! are tested without sleeping.

mod clock;
mod error;
mod secret;
mod validate;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};
use store::{NewAuditEntry, NewSession, NewUser, Store, StoreError};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::AccountsError;
pub use secret::{SecretKey, SecretKeyError};
pub use store::{AuditEntry, Organisation, User};
pub use validate::{ORGANISATION_KINDS, normalise_email, slugify};

pub type Result<T, E = AccountsError> = std::result::Result<T, E>;

/// The six roles of Rampart. Stored by their [`Role::as_str`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Learner,
    OrgAdmin,
    SecurityLead,
    /// An organisation's IT staff: an audience for technical advisories.
    ItStaff,
    CertAnalyst,
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Learner,
        Role::OrgAdmin,
        Role::SecurityLead,
        Role::ItStaff,
        Role::CertAnalyst,
        Role::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::OrgAdmin => "org_admin",
            Role::SecurityLead => "security_lead",
            Role::ItStaff => "it_staff",
            Role::CertAnalyst => "cert_analyst",
            Role::PlatformAdmin => "platform_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Learner => "Learner",
            Role::OrgAdmin => "Organisation admin",
            Role::SecurityLead => "Security lead",
            Role::ItStaff => "IT staff",
            Role::CertAnalyst => "National CERT analyst",
            Role::PlatformAdmin => "Platform admin",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// National roles work across organisations and so belong to no single one.
    pub fn is_national(self) -> bool {
        matches!(self, Role::CertAnalyst | Role::PlatformAdmin)
    }
}

/// Tunable limits; the defaults follow NCSC guidance (long passwords, throttling rather than expiry).
#[derive(Clone, Debug)]
pub struct AccountsConfig {
    /// A session ends this long after sign-in, however active.
    pub session_absolute_secs: i64,
    /// A session ends after this long without a request.
    pub session_idle_secs: i64,
    /// Failures allowed per account within `throttle_window_secs` before the account is locked.
    pub max_failures_per_account: i64,
    /// Failures allowed per client IP within `throttle_window_secs` before that IP is refused.
    pub max_failures_per_ip: i64,
    pub throttle_window_secs: i64,
    pub lockout_secs: i64,
    pub min_password_chars: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            session_absolute_secs: 12 * 3600,
            session_idle_secs: 2 * 3600,
            max_failures_per_account: 5,
            max_failures_per_ip: 20,
            throttle_window_secs: 15 * 60,
            lockout_secs: 15 * 60,
            min_password_chars: 12,
        }
    }
}

/// Who is acting: a signed-in person, or the operator at the command line (trusted like a platform admin).
#[derive(Clone, Debug)]
pub enum Actor {
    System,
    User(Box<User>),
}

impl Actor {
    fn user_id(&self) -> Option<i64> {
        match self {
            Actor::System => None,
            Actor::User(user) => Some(user.id),
        }
    }

    fn has(&self, role: Role) -> bool {
        match self {
            Actor::System => true,
            Actor::User(user) => has_role(user, role),
        }
    }
}

pub fn has_role(user: &User, role: Role) -> bool {
    user.roles.iter().any(|r| r == role.as_str())
}

/// An opaque session token as held in the cookie. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn from_cookie(value: &str) -> SessionToken {
        SessionToken(value.to_owned())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A session that was just created: the token goes into a cookie, and lives `max_age_secs`.
#[derive(Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub user: User,
    pub max_age_secs: i64,
}

/// What a new user is given; the password is plain text here and hashed before it is stored.
pub struct NewUserRequest {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
}

pub struct NewOrganisationRequest {
    pub name: String,
    pub kind: String,
    pub region: Option<String>,
}

/// The client's address, for throttling and the audit log.
pub type ClientIp = Option<String>;

#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    secret: SecretKey,
    config: AccountsConfig,
    clock: Arc<dyn Clock>,
    setup_complete: AtomicBool,
    /// Bounds how many argon2 checks run at once (each takes ~19 MiB and tens of milliseconds).
    hashing: tokio::sync::Semaphore,
    /// A real argon2 hash of a random password, verified against when the account does not exist so that
    /// a wrong email takes as long as a wrong password.
    dummy_hash: String,
}

impl Accounts {
    pub fn new(
        store: Store,
        secret: SecretKey,
        config: AccountsConfig,
        clock: Arc<dyn Clock>,
    ) -> Accounts {
        let dummy_hash = hash_password(&random_token()).expect("hashing a random password");
        Accounts {
            inner: Arc::new(Inner {
                store,
                secret,
                config,
                clock,
                setup_complete: AtomicBool::new(false),
                hashing: tokio::sync::Semaphore::new(4),
                dummy_hash,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &AccountsConfig {
        &self.inner.config
    }

    /// Unix seconds by the accounts clock (tests move it).
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    // ----- first run -----

    /// True until the first platform admin exists. Cached once false: setup never becomes needed again.
    pub async fn setup_needed(&self) -> Result<bool> {
        if self.inner.setup_complete.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let complete = self.inner.store.is_setup_complete().await?;
        if complete {
            self.inner.setup_complete.store(true, Ordering::Relaxed);
        }
        Ok(!complete)
    }

    /// Creates the platform admin on first run and signs them in.
    pub async fn complete_setup(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        client_ip: ClientIp,
    ) -> Result<SignedIn> {
        if !self.setup_needed().await? {
            return Err(AccountsError::SetupAlreadyDone);
        }
        let new = self.new_user(&NewUserRequest {
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            password: password.to_owned(),
            organisation_id: None,
            roles: vec![Role::PlatformAdmin],
        })?;
        let user = match self.inner.store.complete_setup(&new, self.now()).await {
            Err(StoreError::Conflict { what }) if what == "platform setup" => {
                return Err(AccountsError::SetupAlreadyDone);
            }
            other => other?,
        };
        self.inner.setup_complete.store(true, Ordering::Relaxed);
        self.audit(
            Some(user.id),
            None,
            "platform.setup",
            Some(&user.email),
            "",
            client_ip.clone(),
        )
        .await;
        self.start_session(user, client_ip).await
    }

    // ----- sign-in and sessions -----

    /// Checks an email and password. Failures are counted per account and per client IP; past the limit,
    /// sign-in is refused for a while even with the right password.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client_ip: ClientIp,
    ) -> Result<SignedIn> {
        let email = normalise_email(email);
        let now = self.now();
        let config = &self.inner.config;
        let mut keys = vec![(format!("account:{email}"), config.max_failures_per_account)];
        if let Some(ip) = &client_ip {
            keys.push((format!("ip:{ip}"), config.max_failures_per_ip));
        }
        // Every attempt is counted *before* the password is checked, atomically, so a burst of parallel
        // guesses cannot all slip past the limit; a successful one is taken back afterwards.
        let mut refused: Option<i64> = None;
        for (key, max) in &keys {
            let throttle = self
                .inner
                .store
                .reserve_sign_in_attempt(key, now, config.throttle_window_secs)
                .await?;
            if throttle.locked_until > now {
                refused = Some(refused.unwrap_or(0).max(throttle.locked_until - now));
            } else if throttle.failures > *max {
                refused = Some(refused.unwrap_or(0).max(config.lockout_secs));
            }
        }
        if let Some(retry_after_secs) = refused {
            let what = keys
                .iter()
                .map(|(k, _)| k.split(':').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(",");
            self.audit(
                None,
                None,
                "sign_in.throttled",
                Some(&email),
                &what,
                client_ip.clone(),
            )
            .await;
            return Err(AccountsError::Throttled { retry_after_secs });
        }

        let user = match self.inner.store.user_by_email(&email).await {
            Ok(user) => Some(user),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let checked_hash = stored_hash
            .clone()
            .unwrap_or_else(|| self.inner.dummy_hash.clone());
        let password_ok =
            self.verify_off_thread(password, checked_hash).await? && stored_hash.is_some();
        match user {
            Some(user) if password_ok && !user.disabled => {
                let (account_key, _) = &keys[0];
                self.inner.store.clear_throttle(account_key).await?;
                for (key, _) in &keys[1..] {
                    self.inner.store.release_sign_in_attempt(key).await?;
                }
                self.audit(
                    Some(user.id),
                    user.organisation_id,
                    "sign_in",
                    Some(&email),
                    "",
                    client_ip.clone(),
                )
                .await;
                self.start_session(user, client_ip).await
            }
            user => {
                for (key, max) in &keys {
                    if let Some(throttle) = self.inner.store.throttle(key).await?
                        && throttle.failures >= *max
                    {
                        self.inner
                            .store
                            .lock_sign_in(key, now + config.lockout_secs)
                            .await?;
                        tracing::warn!(
                            throttle = key.split(':').next().unwrap_or(""),
                            "sign-in locked after repeated failures"
                        );
                    }
                }
                let organisation_id = user.and_then(|u| u.organisation_id);
                self.audit(
                    None,
                    organisation_id,
                    "sign_in.failed",
                    Some(&email),
                    "",
                    client_ip,
                )
                .await;
                Err(AccountsError::InvalidCredentials)
            }
        }
    }

    /// Argon2 is deliberately slow and memory-hungry: run it on the blocking pool, a few at a time, so a
    /// flood of sign-ins cannot stall the async workers or exhaust memory.
    async fn verify_off_thread(&self, password: &str, phc: String) -> Result<bool> {
        let _permit =
            self.inner.hashing.acquire().await.map_err(|_| {
                AccountsError::Internal("the password checker has shut down".into())
            })?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .map_err(|e| AccountsError::Internal(format!("password check failed: {e}")))
    }

    async fn start_session(&self, user: User, client_ip: ClientIp) -> Result<SignedIn> {
        let token = SessionToken(random_token());
        let now = self.now();
        self.inner
            .store
            .insert_session(&NewSession {
                token_hash: token.hash(),
                user_id: user.id,
                created_at: now,
                expires_at: now + self.inner.config.session_idle_secs,
                client_ip,
            })
            .await?;
        Ok(SignedIn {
            token,
            user,
            max_age_secs: self.inner.config.session_absolute_secs,
        })
    }

    /// The user behind a session token, if the session is live. Extends the idle timeout (never beyond the
    /// absolute limit), writing at most once a minute per session.
    pub async fn authenticate(&self, token: &SessionToken) -> Result<Option<User>> {
        let now = self.now();
        let hash = token.hash();
        let session = match self.inner.store.live_session(&hash, now).await {
            Ok(session) => session,
            Err(StoreError::NotFound) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        let absolute_end = session.created_at + self.inner.config.session_absolute_secs;
        if now >= absolute_end {
            self.inner.store.delete_session(&hash).await?;
            return Ok(None);
        }
        let user = self.inner.store.user(session.user_id).await?;
        if user.disabled {
            return Ok(None);
        }
        if now - session.last_seen_at >= 60 {
            let expires_at = (now + self.inner.config.session_idle_secs).min(absolute_end);
            self.inner
                .store
                .touch_session(&hash, now, expires_at)
                .await?;
        }
        Ok(Some(user))
    }

    pub async fn sign_out(
        &self,
        token: &SessionToken,
        user: Option<&User>,
        client_ip: ClientIp,
    ) -> Result<()> {
        self.inner.store.delete_session(&token.hash()).await?;
        if let Some(user) = user {
            self.audit(
                Some(user.id),
                user.organisation_id,
                "sign_out",
                Some(&user.email),
                "",
                client_ip,
            )
            .await;
        }
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        Ok(self.inner.store.delete_expired_sessions(self.now()).await?)
    }

    // ----- CSRF -----

    /// A fresh random identifier for the CSRF cookie.
    pub fn new_csrf_id(&self) -> String {
        random_token()
    }

    /// The token that forms must echo for a given CSRF cookie (HMAC of the cookie under the server key).
    pub fn csrf_token(&self, csrf_id: &str) -> String {
        self.inner.secret.mac_b64("csrf", csrf_id.as_bytes())
    }

    pub fn verify_csrf(&self, csrf_id: &str, token: &str) -> bool {
        self.inner
            .secret
            .verify_mac_b64("csrf", csrf_id.as_bytes(), token)
    }

    // ----- organisations -----

    pub async fn create_organisation(
        &self,
        actor: &Actor,
        request: &NewOrganisationRequest,
        client_ip: ClientIp,
    ) -> Result<Organisation> {
        if !actor.has(Role::PlatformAdmin) {
            return Err(AccountsError::Forbidden(
                "only a platform admin can create organisations",
            ));
        }
        let new = validate::organisation(request)?;
        let organisation = self
            .inner
            .store
            .create_organisation(&new, self.now())
            .await?;
        self.audit(
            actor.user_id(),
            Some(organisation.id),
            "organisation.create",
            Some(&organisation.name),
            "",
            client_ip,
        )
        .await;
        Ok(organisation)
    }

    /// Every organisation for national roles; one's own organisation for everybody else.
    pub async fn list_organisations(&self, actor: &Actor) -> Result<Vec<Organisation>> {
        match actor {
            Actor::User(user)
                if !Role::ALL
                    .iter()
                    .any(|r| r.is_national() && has_role(user, *r)) =>
            {
                match user.organisation_id {
                    Some(id) => Ok(vec![self.inner.store.organisation(id).await?]),
                    None => Ok(Vec::new()),
                }
            }
            _ => Ok(self.inner.store.list_organisations().await?),
        }
    }

    pub async fn find_organisation(&self, slug_or_name: &str) -> Result<Organisation> {
        match self.inner.store.find_organisation(slug_or_name).await {
            Err(StoreError::NotFound) => {
                Err(AccountsError::UnknownOrganisation(slug_or_name.to_owned()))
            }
            other => Ok(other?),
        }
    }

    // ----- users -----

    /// Creates a user. A platform admin may create anyone; an organisation admin only learners, security
    /// leads and organisation admins of their own organisation.
    pub async fn create_user(
        &self,
        actor: &Actor,
        request: &NewUserRequest,
        client_ip: ClientIp,
    ) -> Result<User> {
        self.authorise_user_creation(actor, request)?;
        if let Some(id) = request.organisation_id {
            match self.inner.store.organisation(id).await {
                Err(StoreError::NotFound) => {
                    return Err(AccountsError::UnknownOrganisation(id.to_string()));
                }
                other => other?,
            };
        }
        let new = self.new_user(request)?;
        let user = self.inner.store.create_user(&new, self.now()).await?;
        let detail = user.roles.join(",");
        self.audit(
            actor.user_id(),
            user.organisation_id,
            "user.create",
            Some(&user.email),
            &detail,
            client_ip,
        )
        .await;
        Ok(user)
    }

    fn authorise_user_creation(&self, actor: &Actor, request: &NewUserRequest) -> Result<()> {
        if actor.has(Role::PlatformAdmin) {
            return Ok(());
        }
        let Actor::User(user) = actor else {
            unreachable!("System has every role")
        };
        if !has_role(user, Role::OrgAdmin) {
            return Err(AccountsError::Forbidden("only admins can create users"));
        }
        if user.organisation_id.is_none() || request.organisation_id != user.organisation_id {
            return Err(AccountsError::Forbidden(
                "an organisation admin can only add users to their own organisation",
            ));
        }
        if request.roles.iter().any(|role| role.is_national()) {
            return Err(AccountsError::Forbidden(
                "only a platform admin can grant national roles",
            ));
        }
        Ok(())
    }

    fn new_user(&self, request: &NewUserRequest) -> Result<NewUser> {
        let checked = validate::user(request, self.inner.config.min_password_chars)?;
        Ok(NewUser {
            organisation_id: request.organisation_id,
            email: checked.email,
            display_name: checked.display_name,
            password_hash: Some(hash_password(&request.password)?),
            roles: checked
                .roles
                .iter()
                .map(|role| role.as_str().to_owned())
                .collect(),
        })
    }

    /// Users the actor may see: all for a platform admin, their organisation's for an organisation admin.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        if actor.has(Role::PlatformAdmin) {
            return Ok(self.inner.store.list_users(None).await?);
        }
        match actor {
            Actor::User(user) if has_role(user, Role::OrgAdmin) => match user.organisation_id {
                Some(id) => Ok(self.inner.store.list_users(Some(id)).await?),
                None => Ok(Vec::new()),
            },
            _ => Err(AccountsError::Forbidden("only admins can list users")),
        }
    }

    // ----- packages -----

    /// Packages the actor may see: every package for a platform admin; for anyone else, their own
    /// organisation's and the shared ones.
    pub async fn visible_packages(&self, actor: &Actor) -> Result<Vec<store::PackageSummary>> {
        let filter = match actor {
            Actor::System => None,
            Actor::User(user) if has_role(user, Role::PlatformAdmin) => None,
            Actor::User(user) => Some(user.organisation_id.unwrap_or(-1)),
        };
        Ok(self.inner.store.list_packages(filter).await?)
    }

    /// Who may upload packages: platform admins (shared or any organisation's) and organisation admins
    /// (their own organisation's). Returns the organisation the upload belongs to.
    pub fn upload_target(&self, actor: &Actor, requested: Option<i64>) -> Result<Option<i64>> {
        match actor {
            Actor::System => Ok(requested),
            Actor::User(user) if has_role(user, Role::PlatformAdmin) => Ok(requested),
            Actor::User(user)
                if has_role(user, Role::OrgAdmin) && user.organisation_id.is_some() =>
            {
                Ok(user.organisation_id)
            }
            _ => Err(AccountsError::Forbidden("only admins can upload packages")),
        }
    }

    // ----- audit -----

    pub async fn recent_audit(&self, actor: &Actor, limit: i64) -> Result<Vec<AuditEntry>> {
        if actor.has(Role::PlatformAdmin) {
            return Ok(self.inner.store.recent_audit(None, limit).await?);
        }
        match actor {
            Actor::User(user)
                if has_role(user, Role::OrgAdmin) && user.organisation_id.is_some() =>
            {
                Ok(self
                    .inner
                    .store
                    .recent_audit(user.organisation_id, limit)
                    .await?)
            }
            _ => Err(AccountsError::Forbidden(
                "only admins can read the audit log",
            )),
        }
    }

    /// Records something another part of Rampart did on the actor's behalf (e.g. a package import).
    pub async fn record(
        &self,
        actor: &Actor,
        organisation_id: Option<i64>,
        action: &str,
        target: &str,
        client_ip: ClientIp,
    ) {
        self.audit(
            actor.user_id(),
            organisation_id,
            action,
            Some(target),
            "",
            client_ip,
        )
        .await;
    }

    /// Writes an audit entry. A failure to audit is logged, not returned: it must not undo what happened.
    async fn audit(
        &self,
        actor_user_id: Option<i64>,
        organisation_id: Option<i64>,
        action: &str,
        target: Option<&str>,
        detail: &str,
        client_ip: ClientIp,
    ) {
        let entry = NewAuditEntry {
            at: self.now(),
            actor_user_id,
            organisation_id,
            action: action.to_owned(),
            target: target.map(str::to_owned),
            detail: detail.to_owned(),
            client_ip,
        };
        if let Err(error) = self.inner.store.append_audit(&entry).await {
            tracing::error!(%error, action, "could not write the audit log");
        }
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    secret::b64(&bytes)
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AccountsError::Internal(format!("password hashing failed: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}
