//! The admin's list of call topics: labels in Danish and English, order, and whether the call
//! form offers them. Topics are never deleted: old calls still name them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::{all_topics, Topic};
use crate::web::FormErrors;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

/// A topic as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TopicForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub label_da: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub active: Option<String>,
}

impl TopicForm {
    fn validate(&mut self, new: bool) -> (i32, FormErrors) {
        let mut errors = FormErrors::default();
        self.code = self.code.trim().to_lowercase();
        self.label_da = self.label_da.trim().to_owned();
        self.label_en = self.label_en.trim().to_owned();
        let code_ok = !self.code.is_empty() && self.code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if new && !code_ok {
            errors.add("code", "topics.code_invalid");
        }
        if self.label_da.is_empty() {
            errors.add("label_da", "form.required");
        }
        if self.label_en.is_empty() {
            errors.add("label_en", "form.required");
        }
        let position = match self.position.trim() {
            "" => 0,
            p => p.parse().unwrap_or_else(|_| {
                errors.add("position", "topics.position_invalid");
                0
            }),
        };
        (position, errors)
    }
}

#[derive(Template)]
#[template(path = "calls/topics.html")]
struct TopicsPage {
    layout: Layout,
    topics: Vec<Topic>,
    form: TopicForm,
    errors: FormErrors,
}

/// `GET /admin/topics`.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    render(&TopicsPage {
        topics: all_topics(&state.db).await?,
        layout: page.layout,
        form: TopicForm::default(),
        errors: FormErrors::default(),
    })
}

/// `POST /admin/topics`: a new topic.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(mut form): Form<TopicForm>,
) -> Result<Response> {
    let (position, mut errors) = form.validate(true);
    if errors.is_empty() {
        let done = sqlx::query!(
            "insert into call_topics (code, label_da, label_en, position) values ($1, $2, $3, $4)
             on conflict (code) do nothing",
            form.code,
            form.label_da,
            form.label_en,
            position
        )
        .execute(&state.db)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Redirect::to("/admin/topics").into_response());
        }
        errors.add("code", "topics.code_taken");
    }
    render(&TopicsPage {
        topics: all_topics(&state.db).await?,
        layout: page.layout,
        form,
        errors,
    })
}

/// `POST /admin/topics/{code}`: new labels, order, offered or not.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
    Form(mut form): Form<TopicForm>,
) -> Result<Response> {
    let (position, errors) = form.validate(false);
    if !errors.is_empty() {
        return render(&TopicsPage {
            topics: all_topics(&state.db).await?,
            layout: page.layout,
            form: TopicForm::default(),
            errors,
        });
    }
    sqlx::query!(
        "update call_topics set label_da = $2, label_en = $3, position = $4, active = $5 where code = $1",
        code,
        form.label_da,
        form.label_en,
        position,
        form.active.is_some()
    )
    .execute(&state.db)
    .await?;
    Ok(Redirect::to("/admin/topics").into_response())
}
