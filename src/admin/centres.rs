//! Call centres: list, create, edit. Shared with the CLI (`coachline centre add`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::PgExecutor;

use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A call centre as listed.
pub struct CentreRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub users: i64,
    pub patients: i64,
}

/// What the centre form carries, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CentreForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    /// The checkbox: `on` when the centre's nurses sign in with a second factor.
    #[serde(default)]
    pub nurses_second_factor: Option<String>,
}

impl CentreForm {
    /// Trims and checks the form; the code is upper-cased.
    pub fn validate(mut self) -> (Self, FormErrors) {
        let mut errors = FormErrors::default();
        self.code = self.code.trim().to_uppercase();
        self.name = self.name.trim().to_owned();
        self.address = self.address.trim().to_owned();
        self.phone = self.phone.trim().to_owned();
        let code_ok = (2..=10).contains(&self.code.len())
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !code_ok {
            errors.add("code", "centre.code_invalid");
        }
        if self.name.is_empty() {
            errors.add("name", "form.required");
        }
        errors.limit("name", &self.name, crate::web::limits::Limit::Line);
        errors.limit("address", &self.address, crate::web::limits::Limit::Line);
        errors.limit("phone", &self.phone, crate::web::limits::Limit::Line);
        (self, errors)
    }
}

/// Creates a centre; `None` when the code is taken.
pub async fn insert(db: impl PgExecutor<'_>, form: &CentreForm) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "insert into centres (code, name, address, phone) values ($1, $2, $3, $4)
         on conflict (code) do nothing returning id",
        form.code,
        form.name,
        form.address,
        form.phone
    )
    .fetch_optional(db)
    .await
}

#[derive(Template)]
#[template(path = "admin/centres.html")]
struct CentresPage {
    layout: Layout,
    centres: Vec<CentreRow>,
    form: CentreForm,
    errors: FormErrors,
}

async fn all(db: impl PgExecutor<'_>) -> Result<Vec<CentreRow>, sqlx::Error> {
    sqlx::query_as!(
        CentreRow,
        r#"select c.id, c.code, c.name, c.address, c.phone,
                  (select count(*) from users u where u.centre_id = c.id) as "users!",
                  (select count(*) from patients p where p.centre_id = c.id) as "patients!"
             from centres c order by c.code"#
    )
    .fetch_all(db)
    .await
}

/// `GET /admin/centres`: every centre, and the form for a new one.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    let centres = all(&state.db).await?;
    render(&CentresPage {
        layout: page.layout,
        centres,
        form: CentreForm::default(),
        errors: FormErrors::default(),
    })
}

/// `POST /admin/centres`: creates a centre, or shows the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CentreForm>,
) -> Result<Response> {
    let (form, mut errors) = form.validate();
    if errors.is_empty() && insert(&state.db, &form).await?.is_none() {
        errors.add("code", "centre.code_taken");
    }
    if !errors.is_empty() {
        let centres = all(&state.db).await?;
        return render(&CentresPage {
            layout: page.layout,
            centres,
            form,
            errors,
        });
    }
    tracing::info!(admin = page.user.id, "created a call centre");
    Ok(crate::web::flash::redirect("/admin/centres", "done.saved"))
}

#[derive(Template)]
#[template(path = "admin/centre_edit.html")]
struct CentreEditPage {
    layout: Layout,
    id: i64,
    form: CentreForm,
    errors: FormErrors,
}

/// `GET /admin/centres/{id}`.
pub async fn edit_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let row = sqlx::query!(
        "select code, name, address, phone, nurses_use_second_factor from centres where id = $1",
        id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    let form = CentreForm {
        code: row.code,
        name: row.name,
        address: row.address,
        phone: row.phone,
        nurses_second_factor: row.nurses_use_second_factor.then(|| "on".to_owned()),
    };
    render(&CentreEditPage {
        layout: page.layout,
        id,
        form,
        errors: FormErrors::default(),
    })
}

/// `POST /admin/centres/{id}`: saves name, address and phone (the code stays: letters use it).
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<CentreForm>,
) -> Result<Response> {
    let code = sqlx::query_scalar!("select code from centres where id = $1", id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, errors) = CentreForm { code, ..form }.validate();
    if !errors.is_empty() {
        return render(&CentreEditPage {
            layout: page.layout,
            id,
            form,
            errors,
        });
    }
    let nurses_second_factor = form.nurses_second_factor.is_some();
    sqlx::query!(
        "update centres set name = $1, address = $2, phone = $3, nurses_use_second_factor = $4,
                updated_at = now() where id = $5",
        form.name,
        form.address,
        form.phone,
        nurses_second_factor,
        id
    )
    .execute(&state.db)
    .await?;
    tracing::info!(
        admin = page.user.id,
        centre_id = id,
        nurses_second_factor,
        "updated a call centre"
    );
    Ok(crate::web::flash::redirect("/admin/centres", "done.saved"))
}

/// Whether the centre works on public holidays (set by its coordinator on the calendar page).
pub async fn set_open_on_holidays(
    conn: &mut sqlx::PgConnection,
    centre_id: i64,
    open: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update centres set open_on_public_holidays = $2 where id = $1",
        centre_id,
        open
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves the centre's safety-net thresholds (set by its coordinator on the safety-net page).
pub async fn save_safety_settings(
    db: &sqlx::PgPool,
    centre_id: i64,
    s: &crate::safety::Settings,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update centres set overdue_after_days = $2, failed_attempts_limit = $3, longest_gap_days = $4
          where id = $1",
        centre_id,
        s.overdue_after_days,
        s.failed_attempts_limit,
        s.longest_gap_days
    )
    .execute(db)
    .await?;
    Ok(())
}
