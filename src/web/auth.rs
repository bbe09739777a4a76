//! The signed-in user: roles, the session lookup behind the `CurrentUser` extractor, and the
//! guards that close whole areas to the wrong roles.

use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;

use super::AppError;
use crate::AppState;

/// What a person does in coachline. Every permission is a method here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    Admin,
    Coordinator,
    Nurse,
    /// Read-only: the pseudonymised research export and nothing else.
    Researcher,
    /// Asks the randomised people of one call centre whom no nurse follows (the control arm,
    /// and intervention people outside a course) the study's questionnaires, and records the
    /// result. Opens no record: only the follow-up pages. A role of its own rather than the
    /// researcher's, so whoever analyses the pseudonymised data never sees who is behind it.
    #[serde(rename = "research_assistant")]
    #[sqlx(rename = "research_assistant")]
    ResearchAssistant,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Nurse,
        Role::Researcher,
        Role::ResearchAssistant,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Nurse => "nurse",
            Role::Researcher => "researcher",
            Role::ResearchAssistant => "research_assistant",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The catalogue key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role.admin",
            Role::Coordinator => "role.coordinator",
            Role::Nurse => "role.nurse",
            Role::Researcher => "role.researcher",
            Role::ResearchAssistant => "role.research_assistant",
        }
    }

    /// Users, call centres, imports, letters, the access log.
    pub fn can_administer(self) -> bool {
        self == Role::Admin
    }

    /// Runs a call centre: assignment, caseloads, safety nets.
    pub fn can_coordinate(self) -> bool {
        self == Role::Coordinator
    }

    /// Lists and searches patients (a nurse or coordinator their centre's, an admin all): a
    /// nurse covering a colleague finds any patient of her centre.
    pub fn can_list_patients(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Nurse)
    }

    /// Works in a call centre's calendar: nurses and coordinators.
    pub fn works_in_centre(self) -> bool {
        matches!(self, Role::Coordinator | Role::Nurse)
    }

    /// Has a caseload and a Today page.
    pub fn has_caseload(self) -> bool {
        self == Role::Nurse
    }

    /// Logs calls: a call is recorded with the nurse who made it, so only nurses log them (a
    /// coordinator covering moves the patient to a colleague nurse instead).
    pub fn logs_calls(self) -> bool {
        self == Role::Nurse
    }

    /// Downloads the pseudonymised research export.
    pub fn can_export_research(self) -> bool {
        matches!(self, Role::Admin | Role::Researcher)
    }

    /// Opens pages about one identified patient (the record and the pages around it).
    pub fn may_open_records(self) -> bool {
        matches!(self, Role::Admin | Role::Coordinator | Role::Nurse)
    }

    /// Records the study's follow-up of the randomised people no nurse follows.
    pub fn follows_up(self) -> bool {
        self == Role::ResearchAssistant
    }

    /// Bound to one call centre's patients.
    pub fn is_bound_to_centre(self) -> bool {
        matches!(self, Role::Coordinator | Role::Nurse | Role::ResearchAssistant)
    }

    /// Signs in with a second factor: always for the roles that see many patients or the
    /// whole installation; for nurses where their centre asks for it.
    pub fn needs_second_factor(self, centre_asks_nurses: bool) -> bool {
        match self {
            Role::Admin | Role::Coordinator | Role::Researcher | Role::ResearchAssistant => true,
            Role::Nurse => centre_asks_nurses,
        }
    }

    /// Where this role starts after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Admin => "/imports",
            Role::Coordinator => "/centre",
            Role::Nurse => "/today",
            Role::Researcher => "/research",
            Role::ResearchAssistant => "/follow-up",
        }
    }
}

/// The person behind the request, loaded from the server-side session.
#[derive(Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub centre_id: Option<i64>,
    pub centre_code: Option<String>,
    pub centre_name: Option<String>,
    /// The zone times are shown in: the centre's, or Copenhagen.
    pub tz: Tz,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentUser")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("centre_id", &self.centre_id)
            .finish_non_exhaustive()
    }
}

/// The centre a coordinator runs; a coordinator always has one (the database says so).
pub fn centre_of(user: &CurrentUser) -> Result<i64, AppError> {
    user.centre_id.ok_or(AppError::Forbidden)
}

impl CurrentUser {
    /// Whether this person may see things belonging to `centre_id`.
    pub fn may_see_centre(&self, centre_id: i64) -> bool {
        // A researcher sees no identified patient of any centre.
        self.role.may_open_records() && (!self.role.is_bound_to_centre() || self.centre_id == Some(centre_id))
    }

    /// Whether this person opens the clinical content of `centre_id`'s patients only with a
    /// stated reason ("break the glass"): anyone who does not work in that centre (an admin).
    pub fn needs_reason_for(&self, centre_id: i64) -> bool {
        !(self.role.is_bound_to_centre() && self.centre_id == Some(centre_id))
    }
}

/// The name of the session cookie (`__Host-` prefixed over HTTPS).
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-coachline_session"
    } else {
        "coachline_session"
    }
}

/// What is stored for a session id: its SHA-256.
pub fn hash_session_id(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

struct SessionRow {
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    id: i64,
    name: String,
    email: String,
    role: String,
    centre_id: Option<i64>,
    centre_code: Option<String>,
    centre_name: Option<String>,
    timezone: Option<String>,
}

/// Loads the user of a live session; ends sessions that are past their idle or absolute timeout.
pub async fn load_session(
    db: &sqlx::PgPool,
    session_id: &str,
    idle: Duration,
    absolute: Duration,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    let hash = hash_session_id(session_id);
    let row = sqlx::query_as!(
        SessionRow,
        r#"select s.created_at, s.last_seen_at, u.id, u.name, u.email, u.role,
                  u.centre_id, c.code as "centre_code?", c.name as "centre_name?",
                  c.timezone as "timezone?"
             from sessions s
             join users u on u.id = s.user_id
             left join centres c on c.id = u.centre_id
            where s.id_hash = $1 and u.active"#,
        hash
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let now = Utc::now();
    let idle = chrono::Duration::from_std(idle).unwrap_or_default();
    // The last use is written at most once per `touch` (fewer writes), so `last_seen_at` may
    // be up to `touch` older than the last use: the idle limit counts from the last use, and
    // a session in use never ends at it.
    let touch = std::cmp::min(chrono::Duration::seconds(30), idle / 10);
    let expired = now - row.created_at > chrono::Duration::from_std(absolute).unwrap_or_default()
        || now - row.last_seen_at > idle + touch;
    if expired {
        end_session(db, session_id).await?;
        return Ok(None);
    }
    if now - row.last_seen_at > touch {
        sqlx::query!(
            "update sessions set last_seen_at = now() where id_hash = $1",
            hash
        )
        .execute(db)
        .await?;
    }
    let Some(role) = Role::parse(&row.role) else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        id: row.id,
        name: row.name,
        email: row.email,
        role,
        centre_id: row.centre_id,
        centre_code: row.centre_code,
        centre_name: row.centre_name,
        tz: row
            .timezone
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::Europe::Copenhagen),
    }))
}

/// Starts a session for `user_id`; returns the new random id (the cookie value).
pub async fn create_session(db: impl PgExecutor<'_>, user_id: i64) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    let id = hex::encode(bytes);
    sqlx::query!(
        "insert into sessions (id_hash, user_id) values ($1, $2)",
        hash_session_id(&id),
        user_id
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Ends every session of a user (deactivation, password reset).
pub async fn end_all_sessions(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from sessions where user_id = $1", user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes a session id unusable.
pub async fn end_session(db: impl PgExecutor<'_>, session_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from sessions where id_hash = $1",
        hash_session_id(session_id)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The session id sent with a request, if any.
pub fn session_id_of(parts: &Parts, https: bool) -> Option<String> {
    let jar = CookieJar::from_headers(&parts.headers);
    jar.get(session_cookie_name(https)).map(|c| c.value().to_owned())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let Some(id) = session_id_of(parts, state.config.https) else {
            return Err(AppError::SignInRequired);
        };
        let cfg = &state.config;
        let user = load_session(&state.db, &id, cfg.idle_timeout, cfg.absolute_timeout)
            .await?
            .ok_or(AppError::SignInRequired)?;
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// Loads the user (or sends them to sign in) and refuses anyone `allowed` says no to.
async fn guard(state: AppState, request: Request, next: Next, allowed: fn(Role) -> bool) -> Response {
    let (mut parts, body) = request.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(user) => user,
        Err(error) => return axum::response::IntoResponse::into_response(error),
    };
    if !allowed(user.role) {
        tracing::warn!(
            user_id = user.id,
            role = user.role.as_str(),
            "refused an area outside the role"
        );
        return axum::response::IntoResponse::into_response(AppError::Forbidden);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Guard layer for `/admin/...` and the admin's other areas.
pub async fn admins_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::can_administer).await
}

/// Guard layer for the coordinator's centre pages.
pub async fn coordinators_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::can_coordinate).await
}

/// Guard layer for the centre's calendar (nurses and coordinators).
pub async fn staff_of_centre(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::works_in_centre).await
}

/// Guard layer for the nurse's own pages.
pub async fn nurses_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::has_caseload).await
}

/// Guard layer for patient lists.
pub async fn patient_listers_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::can_list_patients).await
}

/// Guard layer for the research export (admins and researchers).
pub async fn research_exporters_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    guard(state, request, next, Role::can_export_research).await
}

/// Guard layer for the study's follow-up pages (research assistants).
pub async fn follow_up_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::follows_up).await
}

/// Guard layer for pages about one identified patient: admins, coordinators and nurses.
pub async fn record_openers_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, Role::may_open_records).await
}

/// Guard layer for pages any signed-in person may open.
pub async fn signed_in(State(state): State<AppState>, request: Request, next: Next) -> Response {
    guard(state, request, next, |_| true).await
}
