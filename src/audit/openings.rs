//! Who has opened one patient's data: for the patient's right of access (and for the record,
//! which can link here). Also `open_patient`, the centre check and access log entry that every
//! page about one patient starts with.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::web::{render, AppError, CurrentUser, Layout, Page, Result};
use crate::AppState;

/// The patient a page is about: enough for its heading.
pub struct PatientHead {
    pub id: i64,
    pub centre_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub arm: Option<String>,
}

/// Loads patient `id` for `user`: refuses (and logs the refusal) outside the person's centre,
/// logs the opening with `action` otherwise.
pub async fn open_patient(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    id: i64,
    action: crate::domain::AccessAction,
) -> Result<PatientHead> {
    let head = sqlx::query_as!(
        PatientHead,
        "select id, centre_id, first_name, last_name, arm from patients where id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let allowed = user.may_see_centre(head.centre_id);
    // Who opened a record is no clinical content; everything else behind this gate is.
    let clinical = action != crate::domain::AccessAction::AccessView;
    if allowed
        && clinical
        && crate::audit::reason::missing(db, user, id, head.centre_id, chrono::Utc::now()).await?
    {
        return Err(AppError::ReasonRequired(id));
    }
    super::record(db, user.id, action, Some(id), allowed, serde_json::json!({})).await?;
    if !allowed {
        tracing::warn!(
            user_id = user.id,
            patient_id = id,
            action = action.as_str(),
            "refused a patient of another centre"
        );
        return Err(AppError::Forbidden);
    }
    Ok(head)
}

/// One entry of a patient's access history.
pub struct Opening {
    pub at: DateTime<Utc>,
    pub user_name: Option<String>,
    /// The API client that read the data, when no person did.
    pub client_name: Option<String>,
    pub role: Option<crate::web::Role>,
    pub action: crate::domain::AccessAction,
    pub allowed: bool,
    /// The stated reason of an opening from outside the centre, and its note.
    pub reason: Option<String>,
    pub note: Option<String>,
}

impl Opening {
    /// Who opened it: the person, or the API client ("API client: name").
    pub fn actor(&self, lang: crate::web::Lang) -> String {
        match (&self.user_name, &self.client_name) {
            (Some(user), _) => user.clone(),
            (None, Some(client)) => format!("{}: {client}", lang.t("audit.api_client")),
            (None, None) => String::new(),
        }
    }

    /// The catalogue key of the person's role.
    pub fn role_key(&self) -> &'static str {
        if self.user_name.is_none() && self.client_name.is_some() {
            return "audit.api_client";
        }
        self.role
            .map_or("audit.unknown_role", crate::web::Role::label_key)
    }

    /// The catalogue key of the action.
    pub fn action_key(&self) -> &'static str {
        self.action.label_key()
    }

    /// The stated reason in words, or nothing.
    pub fn reason_text(&self, lang: crate::web::Lang) -> String {
        self.reason
            .as_deref()
            .and_then(crate::audit::reason::Reason::parse)
            .map(|r| super::log_page::reason_text(lang, r, self.note.as_deref()))
            .unwrap_or_default()
    }
}

/// Who opened patient `patient_id`'s data, newest first (at most `limit` entries).
pub async fn openings(db: &sqlx::PgPool, patient_id: i64, limit: i64) -> Result<Vec<Opening>, sqlx::Error> {
    sqlx::query_as!(
        Opening,
        r#"select l.at, u.name as "user_name?", a.name as "client_name?", u.role as "role?: crate::web::Role", l.action as "action: crate::domain::AccessAction", l.allowed,
                  l.detail->>'reason' as reason, l.detail->>'note' as note
             from access_log l left join users u on u.id = l.user_id
             left join api_clients a on a.id = l.api_client_id
            where l.patient_id = $1
            order by l.at desc, l.id desc limit $2"#,
        patient_id,
        limit
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "audit/openings.html")]
struct OpeningsPage {
    layout: Layout,
    patient: PatientHead,
    openings: Vec<Opening>,
}

/// `GET /patients/{id}/access`: who has opened this patient's data.
pub async fn page(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let patient = open_patient(&state.db, &page.user, id, crate::domain::AccessAction::AccessView).await?;
    let openings = openings(&state.db, id, 1000).await?;
    render(&OpeningsPage {
        layout: page.layout,
        patient,
        openings,
    })
}
