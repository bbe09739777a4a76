//! API clients: the systems an admin lets read one centre's data through the FHIR API. The
//! bearer token is shown once, when the client is created; only its SHA-256 is stored (32
//! random bytes cannot be found by guessing, so a slow hash adds nothing). Clients expire and
//! can be revoked; nothing is deleted, so the access log can always name the client.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, NaiveDate, Utc};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;

use crate::domain::ApiScope;
use crate::web::limits::Limit;
use crate::web::{render, AppError, FormErrors, Layout, Page, Result};
use crate::AppState;

/// How a token starts, so a leaked one is recognisable in a scanner.
const TOKEN_PREFIX: &str = "coachline_";

/// A new bearer token: the prefix and 32 random bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A client as the admin's page lists it.
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub centre_name: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ClientRow {
    /// The scopes as words.
    pub fn scope_keys(&self) -> Vec<&'static str> {
        self.scopes
            .iter()
            .filter_map(|s| ApiScope::parse(s))
            .map(ApiScope::label_key)
            .collect()
    }

    /// The catalogue key of the client's state at `now`.
    pub fn state_key(&self, now: &DateTime<Utc>) -> &'static str {
        if self.revoked_at.is_some() {
            "api.state_revoked"
        } else if self.expires_at <= *now {
            "api.state_expired"
        } else {
            "api.state_active"
        }
    }

    /// Whether it can still be revoked.
    pub fn revocable(&self) -> bool {
        self.revoked_at.is_none()
    }
}

async fn all(db: impl PgExecutor<'_>) -> Result<Vec<ClientRow>, sqlx::Error> {
    sqlx::query_as!(
        ClientRow,
        r#"select a.id, a.name, c.name as centre_name, a.scopes, a.expires_at, a.revoked_at, a.created_at
             from api_clients a join centres c on c.id = a.centre_id
            order by a.revoked_at is not null, a.created_at desc, a.id desc"#
    )
    .fetch_all(db)
    .await
}

/// A centre to choose.
pub struct CentreChoice {
    pub id: i64,
    pub name: String,
}

async fn centres(db: impl PgExecutor<'_>) -> Result<Vec<CentreChoice>, sqlx::Error> {
    sqlx::query_as!(CentreChoice, "select id, name from centres order by code")
        .fetch_all(db)
        .await
}

/// What the new-client form carries, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub centre: String,
    #[serde(default)]
    pub expires_on: String,
    #[serde(default)]
    pub scope_patients: Option<String>,
    #[serde(default)]
    pub scope_plans: Option<String>,
    #[serde(default)]
    pub scope_calls: Option<String>,
    #[serde(default)]
    pub scope_notes: Option<String>,
}

impl ClientForm {
    /// The scopes ticked.
    pub fn scopes(&self) -> Vec<ApiScope> {
        ApiScope::ALL.iter().copied().filter(|s| self.ticked(s)).collect()
    }

    /// Whether the box of `scope` is ticked.
    pub fn ticked(&self, scope: &ApiScope) -> bool {
        let field = match scope {
            ApiScope::Patients => &self.scope_patients,
            ApiScope::Plans => &self.scope_plans,
            ApiScope::Calls => &self.scope_calls,
            ApiScope::Notes => &self.scope_notes,
        };
        field.is_some()
    }

    /// The form's field name for `scope`.
    pub fn field(&self, scope: &ApiScope) -> String {
        format!("scope_{}", scope.as_str())
    }
}

/// A valid new client.
pub struct NewClient {
    pub name: String,
    pub centre_id: i64,
    pub scopes: Vec<ApiScope>,
    pub expires_at: DateTime<Utc>,
}

/// Checks the form against `today` (in Copenhagen): a name, a centre, at least one scope, an
/// expiry after today and at most two years ahead. The client expires at the end of that day.
pub fn validate(form: &ClientForm, today: NaiveDate) -> std::result::Result<NewClient, FormErrors> {
    let mut errors = FormErrors::default();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "form.required");
    }
    errors.limit("name", &name, Limit::Line);
    let centre_id = form.centre.trim().parse::<i64>().ok();
    if centre_id.is_none() {
        errors.add("centre", "form.required");
    }
    let scopes = form.scopes();
    if scopes.is_empty() {
        errors.add("scopes", "api.scopes_required");
    }
    let expires_on = NaiveDate::parse_from_str(form.expires_on.trim(), "%Y-%m-%d").ok();
    let latest = today + chrono::Duration::days(2 * 366);
    let expires_at = match expires_on {
        Some(d) if d > today && d <= latest => day_start(d.succ_opt().unwrap_or(d)),
        _ => {
            errors.add("expires_on", "api.expiry_invalid");
            None
        }
    };
    match (centre_id, expires_at) {
        (Some(centre_id), Some(expires_at)) if errors.is_empty() => Ok(NewClient {
            name,
            centre_id,
            scopes,
            expires_at,
        }),
        _ => Err(errors),
    }
}

/// The first instant of `day` in Copenhagen.
fn day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    chrono_tz::Europe::Copenhagen
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Creates a client and returns its id and its token (the only time the token exists in
/// clear); `None` when the centre does not exist.
pub async fn create(
    db: impl PgExecutor<'_>,
    client: &NewClient,
    created_by: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let token = new_token();
    let scopes: Vec<String> = client.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let id = sqlx::query_scalar!(
        "insert into api_clients (centre_id, name, scopes, token_hash, expires_at, created_by)
         select c.id, $2, $3, $4, $5, $6 from centres c where c.id = $1
         returning id",
        client.centre_id,
        client.name,
        &scopes,
        token_hash(&token),
        client.expires_at,
        created_by
    )
    .fetch_optional(db)
    .await?;
    Ok(id.map(|id| (id, token)))
}

/// Revokes a client at `now`; false when it was already revoked or does not exist.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update api_clients set revoked_at = $2, revoked_by = $3 where id = $1 and revoked_at is null",
        id,
        now,
        by
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Template)]
#[template(path = "fhir/clients.html")]
struct ClientsPage {
    layout: Layout,
    clients: Vec<ClientRow>,
    centres: Vec<CentreChoice>,
    scopes: &'static [ApiScope],
    form: ClientForm,
    errors: FormErrors,
    /// The new client's name and token, shown once after creating it.
    created: Option<(String, String)>,
}

impl ClientsPage {
    fn centre_selected(&self, id: &i64) -> bool {
        self.form.centre == id.to_string()
    }
}

async fn show(
    state: &AppState,
    page: Page,
    form: ClientForm,
    errors: FormErrors,
    created: Option<(String, String)>,
) -> Result<Response> {
    render(&ClientsPage {
        layout: page.layout,
        clients: all(&state.db).await?,
        centres: centres(&state.db).await?,
        scopes: ApiScope::ALL,
        form,
        errors,
        created,
    })
}

/// `GET /admin/api-clients`: every client, and the form for a new one.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    let expires = page.today() + chrono::Duration::days(365);
    let form = ClientForm {
        expires_on: expires.format("%Y-%m-%d").to_string(),
        ..ClientForm::default()
    };
    show(&state, page, form, FormErrors::default(), None).await
}

/// `POST /admin/api-clients`: creates a client and shows its token once, or shows the form
/// again with what was typed.
pub async fn create_client(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ClientForm>,
) -> Result<Response> {
    let new = match validate(&form, page.today()) {
        Ok(new) => new,
        Err(errors) => return show(&state, page, form, errors, None).await,
    };
    let Some((id, token)) = create(&state.db, &new, page.user.id).await? else {
        let mut errors = FormErrors::default();
        errors.add("centre", "form.required");
        return show(&state, page, form, errors, None).await;
    };
    tracing::info!(admin = page.user.id, api_client = id, "created an API client");
    let fresh = ClientForm {
        expires_on: form.expires_on.clone(),
        ..ClientForm::default()
    };
    show(
        &state,
        page,
        fresh,
        FormErrors::default(),
        Some((new.name, token)),
    )
    .await
}

/// `POST /admin/api-clients/{id}/revoke`: the client's token stops working at once.
pub async fn revoke_client(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    if !revoke(&state.db, id, page.user.id, page.now()).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(admin = page.user.id, api_client = id, "revoked an API client");
    Ok(crate::web::flash::redirect(
        "/admin/api-clients",
        "done.api_client_revoked",
    ))
}
