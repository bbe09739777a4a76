//! A person changes their own password.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::password::{self, Password};
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

#[derive(Template)]
#[template(path = "auth/password.html")]
struct PasswordPage {
    layout: Layout,
    error: Option<&'static str>,
    done: bool,
}

/// `GET /account/password`.
pub async fn form(page: Page) -> Result<Response> {
    render(&PasswordPage {
        layout: page.layout,
        error: None,
        done: false,
    })
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
    repeat: String,
}

/// `POST /account/password`: needs the current password; ends the person's other sessions.
pub async fn change(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<PasswordChange>,
) -> Result<Response> {
    let fail = |key| {
        render(&PasswordPage {
            layout: page.layout.clone(),
            error: Some(key),
            done: false,
        })
    };
    let stored = sqlx::query_scalar!("select password_hash from users where id = $1", page.user.id)
        .fetch_one(&state.db)
        .await?;
    if !password::verify(Password::typed(form.current), Some(stored)).await? {
        return fail("password.current_wrong");
    }
    if form.new != form.repeat {
        return fail("password.mismatch");
    }
    let new = match Password::new(form.new) {
        Ok(p) => p,
        Err(key) => return fail(key),
    };
    let mut tx = state.db.begin().await?;
    super::accounts::set_password(&mut tx, page.user.id, new).await?;
    crate::web::auth::end_all_sessions(&mut *tx, page.user.id).await?;
    tx.commit().await?;
    tracing::info!(user_id = page.user.id, "changed own password; all sessions ended");
    render(&PasswordPage {
        layout: page.layout,
        error: None,
        done: true,
    })
}
