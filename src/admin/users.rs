//! Users: list, create, edit, deactivate, reset a password. Shared with `coachline user add`.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::PgPool;

use crate::auth::accounts::{self, NewUser};
use crate::auth::password::Password;
use crate::auth::{pending, second_factor};
use crate::db::violates;
use crate::web::auth::end_all_sessions;
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result, Role};
use crate::AppState;

/// A user as listed.
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub centre_code: Option<String>,
    pub capacity: Option<i32>,
    pub caseload: i64,
    pub active: bool,
}

impl UserRow {
    pub fn role_key(&self) -> &'static str {
        self.role.label_key()
    }
}

/// A centre to pick in a form.
pub struct CentreChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The user form as typed: everything a string so nothing typed is lost on an error.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub centre_id: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub password: String,
}

impl UserForm {
    /// Checks the fields; `with_password` for a new user.
    pub fn validate(&self, with_password: bool) -> Result<(NewUser, Option<Password>), FormErrors> {
        let mut errors = FormErrors::default();
        let email = self.email.trim().to_lowercase();
        let valid_email = email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            && !email.contains(char::is_whitespace);
        if !valid_email {
            errors.add("email", "user.email_invalid");
        }
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.add("name", "form.required");
        }
        errors.limit("name", &name, crate::web::limits::Limit::Line);
        errors.limit("email", &email, crate::web::limits::Limit::Line);
        let role = Role::parse(self.role.trim());
        if role.is_none() {
            errors.add("role", "user.role_invalid");
        }
        let centre_id = self.centre_id.trim().parse::<i64>().ok();
        if role.is_some_and(Role::is_bound_to_centre) && centre_id.is_none() {
            errors.add("centre_id", "user.centre_required");
        }
        let capacity = match self.capacity.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(n) if (0..=500).contains(&n) => Some(n),
                _ => {
                    errors.add("capacity", "user.capacity_invalid");
                    None
                }
            },
        };
        let password = if with_password {
            match Password::new(self.password.clone()) {
                Ok(p) => Some(p),
                Err(key) => {
                    errors.add("password", key);
                    None
                }
            }
        } else {
            None
        };
        let (Some(role), true) = (role, errors.is_empty()) else {
            return Err(errors);
        };
        let user = NewUser {
            email,
            name,
            role,
            centre_id: if role.is_bound_to_centre() {
                centre_id
            } else {
                None
            },
            capacity: if role == Role::Nurse {
                Some(capacity.unwrap_or(60))
            } else {
                None
            },
        };
        Ok((user, password))
    }
}

/// Every call centre, for the form's choice.
pub async fn centre_choices(db: &PgPool) -> Result<Vec<CentreChoice>, sqlx::Error> {
    sqlx::query_as!(CentreChoice, "select id, code, name from centres order by code")
        .fetch_all(db)
        .await
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
}

/// `GET /admin/users`.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    let users = sqlx::query_as!(
        UserRow,
        r#"select u.id, u.email, u.name, u.role as "role: Role", c.code as "centre_code?", u.capacity, u.active,
                  (select count(*) from patients p where p.nurse_id = u.id and on_caseload(p.status, p.arm)) as "caseload!"
             from users u left join centres c on c.id = u.centre_id
            order by u.active desc, c.code nulls first, u.role, u.name"#
    )
    .fetch_all(&state.db)
    .await?;
    render(&UsersPage {
        layout: page.layout,
        users,
    })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserFormPage {
    layout: Layout,
    id: Option<i64>,
    active: bool,
    form: UserForm,
    errors: FormErrors,
    centres: Vec<CentreChoice>,
    roles: [Role; 5],
    /// Whether the person has a second factor set up (shown with a reset button).
    second_factor: bool,
}

impl UserFormPage {
    fn selected_centre(&self, id: &i64) -> bool {
        self.form.centre_id == id.to_string()
    }
}

async fn form_page(
    state: &AppState,
    layout: Layout,
    id: Option<i64>,
    form: UserForm,
    errors: FormErrors,
) -> Result<Response> {
    let active = match id {
        Some(id) => sqlx::query_scalar!("select active from users where id = $1", id)
            .fetch_optional(&state.db)
            .await?
            .ok_or(AppError::NotFound)?,
        None => true,
    };
    let centres = centre_choices(&state.db).await?;
    let second_factor = match id {
        Some(id) => second_factor::is_enrolled(&state.db, id).await?,
        None => false,
    };
    render(&UserFormPage {
        layout,
        id,
        active,
        form,
        errors,
        centres,
        roles: Role::ALL,
        second_factor,
    })
}

/// `GET /admin/users/new`.
pub async fn new_form(State(state): State<AppState>, page: Page) -> Result<Response> {
    let form = UserForm {
        role: "nurse".into(),
        capacity: "60".into(),
        ..UserForm::default()
    };
    form_page(&state, page.layout, None, form, FormErrors::default()).await
}

/// `POST /admin/users`: creates a user.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    let (user, password) = match form.validate(true) {
        Ok(valid) => valid,
        Err(errors) => {
            return form_page(
                &state,
                page.layout,
                None,
                UserForm {
                    password: String::new(),
                    ..form
                },
                errors,
            )
            .await
        }
    };
    let Some(id) = accounts::insert(&state.db, &user, password.expect("validated with password")).await?
    else {
        let mut errors = FormErrors::default();
        errors.add("email", "user.email_taken");
        return form_page(
            &state,
            page.layout,
            None,
            UserForm {
                password: String::new(),
                ..form
            },
            errors,
        )
        .await;
    };
    tracing::info!(
        admin = page.user.id,
        user_id = id,
        role = user.role.as_str(),
        "created a user"
    );
    Ok(crate::web::flash::redirect("/admin/users", "done.saved"))
}

/// The form filled with what is stored for user `id`.
async fn stored_form(db: &PgPool, id: i64) -> Result<UserForm> {
    let row = sqlx::query!(
        "select email, name, role, centre_id, capacity from users where id = $1",
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(UserForm {
        email: row.email,
        name: row.name,
        role: row.role,
        centre_id: row.centre_id.map(|c| c.to_string()).unwrap_or_default(),
        capacity: row.capacity.map(|c| c.to_string()).unwrap_or_default(),
        password: String::new(),
    })
}

/// `GET /admin/users/{id}`.
pub async fn edit_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let form = stored_form(&state.db, id).await?;
    form_page(&state, page.layout, Some(id), form, FormErrors::default()).await
}

/// `POST /admin/users/{id}`: saves e-mail, name, role, centre and capacity.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    let user = match form.validate(false) {
        Ok((user, _)) => user,
        Err(errors) => return form_page(&state, page.layout, Some(id), form, errors).await,
    };
    match accounts::update(&state.db, id, &user).await {
        Ok(Some(true)) => {}
        Ok(Some(false)) => return Err(AppError::NotFound),
        Ok(None) => {
            let mut errors = FormErrors::default();
            errors.add("email", "user.email_taken");
            return form_page(&state, page.layout, Some(id), form, errors).await;
        }
        // The database keeps a nurse who holds patients an active nurse of her centre.
        Err(e) if violates(&e, "nurse_holds_patients") => {
            let mut errors = FormErrors::default();
            errors.add("role", "move.change_first");
            let mut response = form_page(&state, page.layout, Some(id), form, errors).await?;
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    }
    // A changed role or centre changes what the person may see: make them sign in again.
    end_all_sessions(&state.db, id).await?;
    tracing::info!(admin = page.user.id, user_id = id, "updated a user");
    Ok(crate::web::flash::redirect("/admin/users", "done.saved"))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// `POST /admin/users/{id}/active`: deactivates (ending every session) or reactivates.
pub async fn set_active(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response> {
    let active = form.active == "true";
    if id == page.user.id && !active {
        return Err(AppError::BadRequest);
    }
    let mut tx = state.db.begin().await?;
    let done = accounts::set_active(&mut tx, id, active).await;
    // A deactivated nurse's patients would be left without anyone: the database refuses until
    // the coordinator has moved them.
    let done = match done {
        Err(e) if violates(&e, "nurse_holds_patients") => {
            // Given back before the form is read again: never hold one connection while asking
            // the pool for another.
            drop(tx);
            let mut errors = FormErrors::default();
            errors.add("active", "move.deactivate_first");
            let form = stored_form(&state.db, id).await?;
            let mut response = form_page(&state, page.layout, Some(id), form, errors).await?;
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            return Ok(response);
        }
        other => other?,
    };
    if !done {
        return Err(AppError::NotFound);
    }
    if !active {
        end_all_sessions(&mut *tx, id).await?;
    }
    tx.commit().await?;
    tracing::info!(
        admin = page.user.id,
        user_id = id,
        active,
        "changed whether a user is active"
    );
    Ok(crate::web::flash::redirect(
        &format!("/admin/users/{id}"),
        "done.saved",
    ))
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// `POST /admin/users/{id}/password`: sets a new password and ends the person's sessions.
pub async fn reset_password(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ResetForm>,
) -> Result<Response> {
    let password = match Password::new(form.password) {
        Ok(p) => p,
        Err(key) => {
            let form = stored_form(&state.db, id).await?;
            let mut errors = FormErrors::default();
            errors.add("password", key);
            return form_page(&state, page.layout, Some(id), form, errors).await;
        }
    };
    let mut tx = state.db.begin().await?;
    if !accounts::set_password(&mut tx, id, password).await? {
        return Err(AppError::NotFound);
    }
    end_all_sessions(&mut *tx, id).await?;
    tx.commit().await?;
    tracing::info!(admin = page.user.id, user_id = id, "reset a password");
    Ok(crate::web::flash::redirect(
        &format!("/admin/users/{id}"),
        "done.saved",
    ))
}

/// `POST /admin/users/{id}/second-factor`: takes away the person's second factor and recovery
/// codes (a lost phone) and ends their sessions; a role that needs one sets up a new one at the
/// next sign-in. Written to the access log.
pub async fn reset_second_factor(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let exists = sqlx::query_scalar!("select id from users where id = $1", id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    second_factor::remove(&mut tx, id).await?;
    end_all_sessions(&mut *tx, id).await?;
    pending::end_all(&mut *tx, id).await?;
    crate::audit::record(
        &mut *tx,
        page.user.id,
        crate::domain::AccessAction::SecondFactorReset,
        None,
        true,
        serde_json::json!({ "user": id }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(admin = page.user.id, user_id = id, "reset a second factor");
    Ok(crate::web::flash::redirect(
        &format!("/admin/users/{id}"),
        "done.saved",
    ))
}
