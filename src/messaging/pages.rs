//! The admin's page of the outbox (every message's state, never its content) and the
//! coordinator's setting of when reminders leave.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, NaiveTime, Utc};
use serde::Deserialize;

use super::outbox::{self, Listed};
use crate::web::auth::centre_of;
use crate::web::{render, FormErrors, Layout, Page, Result};
use crate::AppState;

/// How many messages the outbox page lists.
const SHOWN: i64 = 300;

#[derive(Template)]
#[template(path = "messaging/outbox.html")]
struct OutboxPage {
    layout: Layout,
    messages: Vec<Listed>,
}

impl OutboxPage {
    fn when(&self, at: &DateTime<Utc>) -> String {
        self.layout.datetime(at)
    }
}

/// `GET /admin/outbox`: the latest messages and where each stands.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    render(&OutboxPage {
        messages: outbox::listed(&state.db, None, SHOWN).await?,
        layout: page.layout,
    })
}

/// `POST /admin/outbox/{id}/retry`: tries a waiting message at the next round.
pub async fn retry(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    outbox::retry_now(&state.db, id, page.now()).await?;
    tracing::info!(
        admin = page.user.id,
        message = id,
        "an outgoing message is to be tried again now"
    );
    Ok(crate::web::flash::redirect("/admin/outbox", "done.outbox_retry"))
}

#[derive(Template)]
#[template(path = "messaging/reminders.html")]
struct RemindersPage {
    layout: Layout,
    form: ReminderForm,
    errors: FormErrors,
}

/// When the centre's reminders leave, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReminderForm {
    #[serde(default)]
    pub send_at: String,
    /// The checkbox: `on` when reminders are sent.
    #[serde(default)]
    pub enabled: Option<String>,
}

/// `GET /reminders`: the coordinator's centre's reminder time.
pub async fn reminders(State(state): State<AppState>, page: Page) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let row = sqlx::query!(
        "select send_at, enabled from reminder_settings where centre_id = $1",
        centre_id
    )
    .fetch_optional(&state.db)
    .await?;
    let (send_at, enabled) = row.map_or(
        (NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(), true),
        |r| (r.send_at, r.enabled),
    );
    render(&RemindersPage {
        layout: page.layout,
        form: ReminderForm {
            send_at: send_at.format("%H:%M").to_string(),
            enabled: enabled.then(|| "on".to_owned()),
        },
        errors: FormErrors::default(),
    })
}

/// `POST /reminders`: saves the time and whether reminders are sent at all.
pub async fn save_reminders(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ReminderForm>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let Ok(send_at) = NaiveTime::parse_from_str(form.send_at.trim(), "%H:%M") else {
        let mut errors = FormErrors::default();
        errors.add("send_at", "reminders.time_invalid");
        return render(&RemindersPage {
            layout: page.layout,
            form,
            errors,
        });
    };
    let enabled = form.enabled.is_some();
    sqlx::query!(
        "insert into reminder_settings (centre_id, send_at, enabled) values ($1, $2, $3)
         on conflict (centre_id) do update set send_at = excluded.send_at, enabled = excluded.enabled",
        centre_id,
        send_at,
        enabled
    )
    .execute(&state.db)
    .await?;
    tracing::info!(user = page.user.id, centre_id, enabled, "saved the reminder time");
    Ok(crate::web::flash::redirect("/reminders", "done.saved"))
}
