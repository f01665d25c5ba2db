//! What the LTI admin pages (`/admin/lti`, `/admin/lti/platforms/<id>`) show and change: the server's
//! side of `web`'s `LtiAdmin`. Organisation admins see and change their own organisation's platforms
//! and consumers; platform admins see every organisation's. Every change is audited.

use accounts::{Role, User, has_role};
use store::{NewAuditEntry, NewLtiPlatform, Store, StoreError};
use web::api::ssr::{BoxFuture, LtiAdmin};
use web::api::{
    AppError, LtiConsumerRow, LtiLaunchRow, LtiOutboxRow, LtiOutboxView, LtiOverview,
    LtiPlatformDetail, LtiPlatformRow, LtiToolUrls, NewConsumer, NewPlatformForm,
};

use crate::AppState;

/// How many launches and outbox rows the platform page lists.
const LISTED: i64 = 50;

/// The server's `LtiAdmin`.
pub struct Admin {
    pub state: AppState,
}

/// Whose platforms a user may manage: `Some(None)` every organisation's, `Some(Some(id))` one, `None`
/// nobody's.
fn scope(user: &User) -> Option<Option<i64>> {
    if has_role(user, Role::PlatformAdmin) {
        Some(None)
    } else if has_role(user, Role::OrgAdmin) {
        user.organisation_id.map(Some)
    } else {
        None
    }
}

fn forbidden() -> AppError {
    AppError::Forbidden(
        "Only organisation and platform administrators manage LMS connections.".into(),
    )
}

fn internal(error: StoreError) -> AppError {
    tracing::error!(%error, "LTI administration failed");
    AppError::Internal
}

/// A field error; the server function adds what was typed.
fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        field: field.to_owned(),
        message: message.to_owned(),
        entered: Vec::new(),
    }
}

/// An absolute http(s) URL, or why not.
fn check_url(value: &str) -> Result<(), &'static str> {
    match url::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => Ok(()),
        Ok(_) => Err("Enter an address that starts with https://."),
        Err(_) => {
            Err("Enter a full web address, such as https://lms.example.ac.uk/mod/lti/auth.php.")
        }
    }
}

impl Admin {
    fn store(&self) -> &Store {
        self.state.accounts.store()
    }

    /// The organisation a change is for: an org admin's own; a platform admin must name one.
    fn target_organisation(&self, user: &User, named: Option<i64>) -> Result<i64, AppError> {
        match scope(user) {
            Some(Some(own)) => Ok(own),
            Some(None) => named.ok_or_else(|| AppError::Invalid {
                field: "organisation_id".into(),
                message: "Choose the organisation this is for.".into(),
                entered: Vec::new(),
            }),
            None => Err(forbidden()),
        }
    }

    async fn audit(&self, user: &User, organisation_id: i64, action: &str, target: &str) {
        let entry = NewAuditEntry {
            at: self.state.clock.now(),
            actor_user_id: Some(user.id),
            organisation_id: Some(organisation_id),
            action: action.to_owned(),
            target: Some(target.to_owned()),
            detail: String::new(),
            client_ip: None,
        };
        if let Err(error) = self.store().append_audit(&entry).await {
            tracing::error!(%error, "could not audit an LTI change");
        }
    }

    async fn organisation_names(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(self
            .store()
            .list_organisations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    async fn platform_row(
        &self,
        platform: &store::LtiPlatform,
        names: &[(i64, String)],
    ) -> Result<LtiPlatformRow, StoreError> {
        let source = format!("p{}", platform.id);
        let (last, refused) = self
            .store()
            .lti_launch_stats(&source, self.state.clock.now() - 24 * 3600)
            .await?;
        Ok(LtiPlatformRow {
            id: platform.id,
            organisation: organisation_name(names, platform.organisation_id),
            name: platform.name.clone(),
            issuer: platform.issuer.clone(),
            client_id: platform.client_id.clone(),
            status: platform.status.clone(),
            registered_via: platform.registered_via.clone(),
            deployments: self.store().lti_deployments(platform.id).await?,
            last_launch_at: last,
            refused_launches_24h: refused,
        })
    }

    /// The platform, when this user may manage it.
    async fn own_platform(&self, user: &User, id: i64) -> Result<store::LtiPlatform, AppError> {
        let Some(scope) = scope(user) else {
            return Err(forbidden());
        };
        let not_found = || AppError::NotFound("There is no such LMS connection.".into());
        let platform = match self.store().lti_platform(id).await {
            Ok(platform) => platform,
            Err(StoreError::NotFound) => return Err(not_found()),
            Err(error) => return Err(internal(error)),
        };
        match scope {
            Some(own) if own != platform.organisation_id => Err(not_found()),
            _ => Ok(platform),
        }
    }

    async fn overview_of(&self, user: User) -> Result<LtiOverview, AppError> {
        let Some(scope) = scope(&user) else {
            return Err(forbidden());
        };
        let names = self.organisation_names().await.map_err(internal)?;
        let urls = self.state.lti.urls();
        let mut platforms = Vec::new();
        for platform in self.store().lti_platforms(scope).await.map_err(internal)? {
            platforms.push(
                self.platform_row(&platform, &names)
                    .await
                    .map_err(internal)?,
            );
        }
        let consumers = self
            .store()
            .lti11_consumers(scope)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| LtiConsumerRow {
                id: c.id,
                organisation: organisation_name(&names, c.organisation_id),
                name: c.name,
                key: c.consumer_key,
                created_at: c.created_at,
            })
            .collect();
        let platform_admin = scope.is_none();
        Ok(LtiOverview {
            tool: LtiToolUrls {
                login: urls.login,
                deep_link: urls.launch.clone(),
                launch: urls.launch,
                jwks: urls.jwks,
                registration: urls.registration,
                lti11_launch: urls.lti11_launch,
                domain: urls.domain,
            },
            platforms,
            consumers,
            organisations: if platform_admin { names } else { Vec::new() },
            platform_admin,
        })
    }

    async fn detail_of(&self, user: User, id: i64) -> Result<LtiPlatformDetail, AppError> {
        let platform = self.own_platform(&user, id).await?;
        let names = self.organisation_names().await.map_err(internal)?;
        let source = format!("p{}", platform.id);
        let store = self.store();
        let launches = store
            .lti_launches(&source, LISTED)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|l| LtiLaunchRow {
                at: l.at,
                accepted: l.accepted,
                message_type: l.message_type,
                person: l.person,
                reason: l.reason,
            })
            .collect();
        let counts = store.outbox_counts(&source).await.map_err(internal)?;
        let recent = store
            .recent_outbox(&source, LISTED)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| LtiOutboxRow {
                created_at: r.created_at,
                status: r.status,
                attempts: r.attempts,
                learner: r.learner,
                course: r.course,
                last_error: r.last_error,
            })
            .collect();
        Ok(LtiPlatformDetail {
            platform: self
                .platform_row(&platform, &names)
                .await
                .map_err(internal)?,
            auth_endpoint: platform.auth_endpoint.clone(),
            token_endpoint: platform.token_endpoint.clone(),
            jwks_url: platform.jwks_url.clone(),
            launches,
            outbox: LtiOutboxView {
                pending: counts.pending,
                sent: counts.sent,
                failed: counts.failed,
                recent,
            },
            roster_members: store.roster_size(platform.id).await.map_err(internal)?,
        })
    }

    async fn add_platform_for(&self, user: User, form: NewPlatformForm) -> Result<i64, AppError> {
        let organisation_id = self.target_organisation(&user, form.organisation_id)?;
        let name = form.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "Enter a name, such as “Moodle”."));
        }
        if let Err(message) = check_url(&form.issuer) {
            return Err(invalid("issuer", message));
        }
        if form.client_id.trim().is_empty() {
            return Err(invalid(
                "client_id",
                "Enter the client ID the LMS gave Rampart.",
            ));
        }
        for (field, value) in [
            ("auth_endpoint", &form.auth_endpoint),
            ("token_endpoint", &form.token_endpoint),
            ("jwks_url", &form.jwks_url),
        ] {
            if let Err(message) = check_url(value) {
                return Err(invalid(field, message));
            }
        }
        let deployments: Vec<String> = form
            .deployment_ids
            .split([',', '\n'])
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect();
        if deployments.is_empty() {
            return Err(invalid(
                "deployment_ids",
                "Enter at least one deployment ID (the LMS shows it when the tool is added).",
            ));
        }
        let new = NewLtiPlatform {
            organisation_id,
            name,
            issuer: form.issuer.trim().trim_end_matches('/'),
            client_id: form.client_id.trim(),
            auth_endpoint: form.auth_endpoint.trim(),
            token_endpoint: form.token_endpoint.trim(),
            jwks_url: form.jwks_url.trim(),
            status: "active",
            registered_via: "manual",
            deployment_ids: &deployments,
        };
        let id = match self
            .store()
            .insert_lti_platform(&new, self.state.clock.now())
            .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict { .. }) => {
                return Err(invalid(
                    "client_id",
                    "This issuer and client ID are already registered.",
                ));
            }
            Err(error) => return Err(internal(error)),
        };
        let _ = self.state.lti.refresh_frame_ancestors(self.store()).await;
        self.audit(&user, organisation_id, "lti.platform.add", new.issuer)
            .await;
        Ok(id)
    }
}

fn organisation_name(names: &[(i64, String)], id: i64) -> String {
    names
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

impl LtiAdmin for Admin {
    fn overview(&self, user: User) -> BoxFuture<Result<LtiOverview, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move { this.overview_of(user).await })
    }

    fn platform(&self, user: User, id: i64) -> BoxFuture<Result<LtiPlatformDetail, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move { this.detail_of(user, id).await })
    }

    fn registration_url(
        &self,
        user: User,
        organisation_id: Option<i64>,
    ) -> BoxFuture<Result<String, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move {
            let organisation = this.target_organisation(&user, organisation_id)?;
            let url = super::register::registration_url(&this.state, organisation, Some(user.id))
                .await
                .map_err(internal)?;
            this.audit(&user, organisation, "lti.registration_url", "")
                .await;
            Ok(url)
        })
    }

    fn add_platform(&self, user: User, form: NewPlatformForm) -> BoxFuture<Result<i64, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move { this.add_platform_for(user, form).await })
    }

    fn set_platform_status(
        &self,
        user: User,
        id: i64,
        status: String,
    ) -> BoxFuture<Result<(), AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move {
            if !matches!(status.as_str(), "active" | "disabled") {
                return Err(AppError::Refused {
                    message: "A connection is either active or disabled.".into(),
                    entered: Vec::new(),
                });
            }
            let platform = this.own_platform(&user, id).await?;
            this.store()
                .set_lti_platform_status(id, &status)
                .await
                .map_err(internal)?;
            let _ = this.state.lti.refresh_frame_ancestors(this.store()).await;
            this.audit(
                &user,
                platform.organisation_id,
                &format!("lti.platform.{status}"),
                &platform.issuer,
            )
            .await;
            Ok(())
        })
    }

    fn add_deployment(
        &self,
        user: User,
        id: i64,
        deployment_id: String,
    ) -> BoxFuture<Result<(), AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move {
            let platform = this.own_platform(&user, id).await?;
            let deployment = deployment_id.trim();
            if deployment.is_empty() {
                return Err(AppError::Invalid {
                    field: "deployment_id".into(),
                    message: "Enter the deployment ID the LMS shows for this tool.".into(),
                    entered: Vec::new(),
                });
            }
            this.store()
                .add_lti_deployment(id, deployment, this.state.clock.now())
                .await
                .map_err(internal)?;
            this.audit(
                &user,
                platform.organisation_id,
                "lti.deployment.add",
                deployment,
            )
            .await;
            Ok(())
        })
    }

    fn add_consumer(
        &self,
        user: User,
        name: String,
        organisation_id: Option<i64>,
    ) -> BoxFuture<Result<NewConsumer, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move {
            let organisation = this.target_organisation(&user, organisation_id)?;
            let name = name.trim();
            if name.is_empty() {
                return Err(AppError::Invalid {
                    field: "name".into(),
                    message: "Enter a name, such as “Old Moodle”.".into(),
                    entered: Vec::new(),
                });
            }
            let (key, secret) = super::lti11::add_consumer(&this.state, organisation, name)
                .await
                .map_err(internal)?;
            this.audit(&user, organisation, "lti.consumer.add", &key)
                .await;
            Ok(NewConsumer { key, secret })
        })
    }

    fn take_consumer_secret(
        &self,
        user: User,
        key: String,
    ) -> BoxFuture<Result<Option<String>, AppError>> {
        let this = Admin {
            state: self.state.clone(),
        };
        Box::pin(async move {
            let Some(scope) = scope(&user) else {
                return Err(forbidden());
            };
            // Only for a consumer this admin may see.
            let consumer = this
                .store()
                .lti11_consumer_by_key(&key)
                .await
                .map_err(internal)?;
            match consumer {
                Some(c) if scope.is_none_or(|own| own == c.organisation_id) => {
                    Ok(this.state.lti.take_new_secret(&key))
                }
                _ => Ok(None),
            }
        })
    }
}
