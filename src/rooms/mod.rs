//! The centre's rooms for initial meetings: an editable list per centre (the coordinator's page),
//! and the rooms that letters and meetings offer.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::web::auth::centre_of;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// `/centre/rooms`, for coordinators.
pub fn router(state: AppState) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/centre/rooms", get(list).post(create))
        .route("/centre/rooms/{id}", post(update))
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            crate::web::auth::coordinators_only,
        ))
}

/// A room as listed.
pub struct Room {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub active: bool,
}

impl Room {
    /// How the room is named in a letter and on an appointment.
    pub fn place(&self) -> String {
        if self.address.trim().is_empty() {
            self.name.clone()
        } else {
            format!("{}, {}", self.name, self.address)
        }
    }
}

/// The centre's rooms, active first.
pub async fn rooms_of(
    db: &sqlx::PgPool,
    centre_id: i64,
    only_active: bool,
) -> Result<Vec<Room>, sqlx::Error> {
    sqlx::query_as!(
        Room,
        "select id, name, address, active from centre_rooms
          where centre_id = $1 and (active or not $2) order by active desc, name",
        centre_id,
        only_active
    )
    .fetch_all(db)
    .await
}

/// The room form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RoomForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub active: Option<String>,
}

#[derive(Template)]
#[template(path = "rooms/rooms.html")]
struct RoomsPage {
    layout: Layout,
    rooms: Vec<Room>,
    form: RoomForm,
    error: Option<&'static str>,
}

async fn show(state: &AppState, page: Page, form: RoomForm, error: Option<&'static str>) -> Result<Response> {
    let rooms = rooms_of(&state.db, centre_of(&page.user)?, false).await?;
    render(&RoomsPage {
        layout: page.layout,
        rooms,
        form,
        error,
    })
}

/// `GET /centre/rooms`.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    show(&state, page, RoomForm::default(), None).await
}

/// `POST /centre/rooms`: adds a room.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<RoomForm>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    if form.name.trim().is_empty() {
        return show(&state, page, form, Some("form.required")).await;
    }
    if [&form.name, &form.address]
        .iter()
        .any(|t| crate::web::limits::Limit::Line.exceeded_by(t.trim()).is_some())
    {
        return show(&state, page, form, Some("text.too_long_line")).await;
    }
    let result = sqlx::query!(
        "insert into centre_rooms (centre_id, name, address) values ($1, $2, $3)",
        centre_id,
        form.name.trim(),
        form.address.trim()
    )
    .execute(&state.db)
    .await;
    match result {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            show(&state, page, form, Some("rooms.name_taken")).await
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(Redirect::to("/centre/rooms").into_response()),
    }
}

/// `POST /centre/rooms/{id}`: renames a room, or takes it out of use (it stays on old meetings).
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<RoomForm>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let owner = sqlx::query_scalar!("select centre_id from centre_rooms where id = $1", id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if owner != centre_id {
        return Err(AppError::Forbidden);
    }
    if form.name.trim().is_empty() {
        return show(&state, page, form, Some("form.required")).await;
    }
    if [&form.name, &form.address]
        .iter()
        .any(|t| crate::web::limits::Limit::Line.exceeded_by(t.trim()).is_some())
    {
        return show(&state, page, form, Some("text.too_long_line")).await;
    }
    let result = sqlx::query!(
        "update centre_rooms set name = $2, address = $3, active = $4, updated_at = now() where id = $1",
        id,
        form.name.trim(),
        form.address.trim(),
        form.active.is_some()
    )
    .execute(&state.db)
    .await;
    match result {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            show(&state, page, form, Some("rooms.name_taken")).await
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(Redirect::to("/centre/rooms").into_response()),
    }
}
