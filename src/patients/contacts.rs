//! The patient's relatives and other contacts (name, relation, phone) and preferred call times.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::{brief, Brief};
use crate::audit::access::{check, Action};
use crate::web::limits::Limit;
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A contact as stored.
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub phone: Option<String>,
}

/// A contact as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub remove: Option<String>,
}

impl ContactForm {
    fn validate(&mut self) -> FormErrors {
        self.name = self.name.trim().to_owned();
        self.relation = self.relation.trim().to_owned();
        self.phone = self.phone.trim().to_owned();
        let mut errors = FormErrors::default();
        if self.name.is_empty() {
            errors.add("name", "form.required");
        }
        errors.limit("name", &self.name, Limit::Line);
        errors.limit("relation", &self.relation, Limit::Line);
        errors.limit("phone", &self.phone, Limit::Line);
        if !self.phone.is_empty()
            && !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-".contains(c))
        {
            errors.add("phone", "contacts.phone_invalid");
        }
        errors
    }
}

/// Every contact of a patient, in the order added.
pub async fn of_patient(db: impl sqlx::PgExecutor<'_>, patient_id: i64) -> Result<Vec<Contact>, sqlx::Error> {
    sqlx::query_as!(
        Contact,
        "select id, name, relation, phone from patient_contacts where patient_id = $1 order by id",
        patient_id
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "patients/contacts.html")]
struct ContactsPage {
    layout: Layout,
    patient: Brief,
    times: String,
    /// The patient has not declined SMS reminders.
    wants_reminders: bool,
    contacts: Vec<Contact>,
    form: ContactForm,
    errors: FormErrors,
    windows: Vec<super::call_times::Window>,
    window: super::call_times::WindowForm,
}

impl ContactsPage {
    /// The ISO weekday numbers with their names' keys.
    fn weekdays(&self) -> Vec<(i16, &'static str)> {
        (1..).zip(crate::web::i18n::WEEKDAY_KEYS).collect()
    }

    fn window_day(&self, day: &i16) -> bool {
        self.window.weekday == day.to_string()
    }
}

async fn page_for(
    state: &AppState,
    page: Page,
    id: i64,
    form: ContactForm,
    errors: FormErrors,
) -> Result<Response> {
    page_with_times(state, page, id, form, errors, None).await
}

/// The page with a refused call-time window as typed.
pub async fn page_with_window(
    state: &AppState,
    page: Page,
    id: i64,
    errors: FormErrors,
    window: super::call_times::WindowForm,
) -> Result<Response> {
    page_with(state, page, id, ContactForm::default(), errors, None, window).await
}

/// The page, with the preferred call times as typed when they were refused.
async fn page_with_times(
    state: &AppState,
    page: Page,
    id: i64,
    form: ContactForm,
    errors: FormErrors,
    typed_times: Option<String>,
) -> Result<Response> {
    let window = super::call_times::WindowForm::default();
    page_with(state, page, id, form, errors, typed_times, window).await
}

/// The page, with whatever was refused as typed.
async fn page_with(
    state: &AppState,
    page: Page,
    id: i64,
    form: ContactForm,
    errors: FormErrors,
    typed_times: Option<String>,
    window: super::call_times::WindowForm,
) -> Result<Response> {
    let stored = sqlx::query!(
        "select preferred_call_times, declines_sms_reminders from patients where id = $1",
        id
    )
    .fetch_one(&state.db)
    .await?;
    let times = typed_times.unwrap_or(stored.preferred_call_times);
    render(&ContactsPage {
        patient: brief(&state.db, id).await?,
        layout: page.layout,
        times,
        wants_reminders: !stored.declines_sms_reminders,
        contacts: of_patient(&state.db, id).await?,
        form,
        errors,
        windows: super::call_times::of_patient(&state.db, id).await?,
        window,
    })
}

/// `GET /patients/{id}/contacts`.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    page_for(&state, page, id, ContactForm::default(), FormErrors::default()).await
}

/// Preferred call times, as typed.
#[derive(Debug, Deserialize)]
pub struct TimesForm {
    #[serde(default)]
    pub preferred_call_times: String,
    /// Present when the form showed the reminder choice (older forms did not).
    #[serde(default)]
    pub reminders_shown: Option<String>,
    /// The checkbox: `on` when the patient wants SMS reminders.
    #[serde(default)]
    pub sms_reminders: Option<String>,
}

/// `POST /patients/{id}/contacts`: saves the preferred call times.
pub async fn save_times(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<TimesForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let mut errors = FormErrors::default();
    if errors.limit(
        "preferred_call_times",
        form.preferred_call_times.trim(),
        Limit::Text,
    ) {
        let typed = Some(form.preferred_call_times);
        return page_with_times(&state, page, id, ContactForm::default(), errors, typed).await;
    }
    // Unchanged when the form did not show the choice.
    let declines = form
        .reminders_shown
        .is_some()
        .then_some(form.sms_reminders.is_none());
    sqlx::query!(
        "update patients set preferred_call_times = $2,
                declines_sms_reminders = coalesce($3, declines_sms_reminders), updated_at = now()
          where id = $1",
        id,
        form.preferred_call_times.trim(),
        declines
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/contacts"),
        "done.saved",
    ))
}

/// `POST /patients/{id}/contacts/new`.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(mut form): Form<ContactForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let errors = form.validate();
    if !errors.is_empty() {
        return page_for(&state, page, id, form, errors).await;
    }
    sqlx::query!(
        "insert into patient_contacts (patient_id, name, relation, phone) values ($1, $2, $3, nullif($4, ''))",
        id,
        form.name,
        form.relation,
        form.phone
    )
    .execute(&state.db)
    .await?;
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}/contacts"),
        "done.saved",
    ))
}

/// `POST /contacts/{id}`: saves or removes a contact.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(contact_id): Path<i64>,
    Form(mut form): Form<ContactForm>,
) -> Result<Response> {
    let patient_id = sqlx::query_scalar!(
        "select patient_id from patient_contacts where id = $1",
        contact_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, patient_id, Action::Write).await?;
    if form.remove.is_some() {
        sqlx::query!("delete from patient_contacts where id = $1", contact_id)
            .execute(&state.db)
            .await?;
    } else {
        let errors = form.validate();
        if !errors.is_empty() {
            return page_for(&state, page, patient_id, ContactForm::default(), errors).await;
        }
        sqlx::query!(
            "update patient_contacts set name = $2, relation = $3, phone = nullif($4, ''), updated_at = now()
              where id = $1",
            contact_id,
            form.name,
            form.relation,
            form.phone
        )
        .execute(&state.db)
        .await?;
    }
    Ok(crate::web::flash::redirect(
        &format!("/patients/{patient_id}/contacts"),
        "done.saved",
    ))
}
