//! `/admin/questionnaires`: the instruments, and a form to add another validated instrument
//! without code: its items, its answer scale and its scoring rule, typed as lines.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::model::{instruments, Instrument};
use crate::domain::Scoring;
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// The form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InstrumentForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_da: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub intro_da: String,
    #[serde(default)]
    pub intro_en: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub scoring: String,
    #[serde(default)]
    pub factor: String,
    #[serde(default)]
    pub score_label_da: String,
    #[serde(default)]
    pub score_label_en: String,
    #[serde(default)]
    pub higher_is_better: Option<String>,
    /// One answer a line: `value | Danish label | English label`.
    #[serde(default)]
    pub scale: String,
    /// One item a line: `Danish text | English text`, with `| r` for a reversed item.
    #[serde(default)]
    pub items: String,
}

/// A checked instrument, ready to store.
#[derive(Debug)]
pub struct NewInstrument {
    pub form: InstrumentForm,
    pub factor: f64,
    pub scoring: Scoring,
    pub scale: Vec<(i32, String, String)>,
    pub items: Vec<(String, String, bool)>,
}

fn cells(line: &str) -> Vec<String> {
    line.split('|').map(|c| c.trim().to_owned()).collect()
}

impl InstrumentForm {
    /// Checks every field; the lines of scale and items are parsed here.
    pub fn validate(&self) -> std::result::Result<NewInstrument, FormErrors> {
        let mut errors = FormErrors::default();
        let code = self.code.trim().to_lowercase();
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.add("code", "instruments.code_invalid");
        }
        if self.name_da.trim().is_empty() {
            errors.add("name_da", "form.required");
        }
        if self.name_en.trim().is_empty() {
            errors.add("name_en", "form.required");
        }
        let scoring = Scoring::parse(&self.scoring);
        if scoring.is_none() {
            errors.add("scoring", "instruments.scoring_invalid");
        }
        let factor = self
            .factor
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|f| *f > 0.0 && f.is_finite());
        if factor.is_none() {
            errors.add("factor", "instruments.factor_invalid");
        }
        let mut scale = Vec::new();
        for line in self.scale.lines().filter(|l| !l.trim().is_empty()) {
            match cells(line).as_slice() {
                [v, da, en] if !da.is_empty() && !en.is_empty() => match v.parse::<i32>() {
                    Ok(v) if !scale.iter().any(|(x, _, _)| *x == v) => {
                        scale.push((v, da.clone(), en.clone()))
                    }
                    _ => {
                        errors.add("scale", "instruments.scale_invalid");
                        break;
                    }
                },
                _ => {
                    errors.add("scale", "instruments.scale_invalid");
                    break;
                }
            }
        }
        if scale.len() < 2 && errors.get("scale").is_none() {
            errors.add("scale", "instruments.scale_invalid");
        }
        let mut items = Vec::new();
        for line in self.items.lines().filter(|l| !l.trim().is_empty()) {
            match cells(line).as_slice() {
                [da, en] if !da.is_empty() && !en.is_empty() => items.push((da.clone(), en.clone(), false)),
                [da, en, r] if !da.is_empty() && !en.is_empty() && r.eq_ignore_ascii_case("r") => {
                    items.push((da.clone(), en.clone(), true));
                }
                _ => {
                    errors.add("items", "instruments.items_invalid");
                    break;
                }
            }
        }
        if items.is_empty() && errors.get("items").is_none() {
            errors.add("items", "instruments.items_invalid");
        }
        let (Some(factor), Some(scoring), true) = (factor, scoring, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(NewInstrument {
            form: InstrumentForm { code, ..self.clone() },
            factor,
            scoring,
            scale,
            items,
        })
    }
}

/// Stores a new instrument with its own scale; `None` when the code is taken.
pub async fn insert(db: &sqlx::PgPool, new: &NewInstrument, admin: i64) -> Result<Option<i64>, sqlx::Error> {
    let f = &new.form;
    let mut tx = db.begin().await?;
    let taken = sqlx::query_scalar!("select id from instruments where code = $1", f.code)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let scale_code = format!("{}_scale_{}", f.code, uuid::Uuid::new_v4().simple());
    let scale_id = sqlx::query_scalar!(
        "insert into answer_scales (code) values ($1) returning id",
        scale_code
    )
    .fetch_one(&mut *tx)
    .await?;
    for (position, (value, da, en)) in new.scale.iter().enumerate() {
        sqlx::query!(
            "insert into scale_options (scale_id, value, label_da, label_en, position) values ($1, $2, $3, $4, $5)",
            scale_id,
            value,
            da,
            en,
            i32::try_from(position + 1).unwrap_or(i32::MAX)
        )
        .execute(&mut *tx)
        .await?;
    }
    let id = sqlx::query_scalar!(
        "insert into instruments (code, name_da, name_en, intro_da, intro_en, reference, scale_id, scoring,
                                  score_factor, score_label_da, score_label_en, higher_is_better, position,
                                  created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9::float8, $10, $11, $12,
                 (select coalesce(max(position), 0) + 1 from instruments), $13)
         returning id",
        f.code,
        f.name_da.trim(),
        f.name_en.trim(),
        f.intro_da.trim(),
        f.intro_en.trim(),
        f.reference.trim(),
        scale_id,
        new.scoring as Scoring,
        new.factor,
        f.score_label_da.trim(),
        f.score_label_en.trim(),
        f.higher_is_better.is_some(),
        admin
    )
    .fetch_one(&mut *tx)
    .await?;
    for (position, (da, en, reversed)) in new.items.iter().enumerate() {
        sqlx::query!(
            "insert into instrument_items (instrument_id, position, text_da, text_en, reversed)
             values ($1, $2, $3, $4, $5)",
            id,
            i32::try_from(position + 1).unwrap_or(i32::MAX),
            da,
            en,
            reversed
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Some(id))
}

#[derive(Template)]
#[template(path = "questionnaires/admin.html")]
struct AdminPage {
    layout: Layout,
    instruments: Vec<(Instrument, bool)>,
    form: InstrumentForm,
    errors: FormErrors,
}

impl AdminPage {
    fn lang(&self) -> crate::web::Lang {
        self.layout.lang
    }
}

async fn admin_page(
    state: &AppState,
    layout: Layout,
    form: InstrumentForm,
    errors: FormErrors,
) -> Result<Response> {
    let active: Vec<i64> = instruments(&state.db, true).await?.iter().map(|i| i.id).collect();
    let all = instruments(&state.db, false)
        .await?
        .into_iter()
        .map(|i| {
            let on = active.contains(&i.id);
            (i, on)
        })
        .collect();
    let failed = !errors.is_empty();
    let mut response = render(&AdminPage {
        layout,
        instruments: all,
        form,
        errors,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /admin/questionnaires`.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    let form = InstrumentForm {
        scoring: "sum".into(),
        factor: "1".into(),
        higher_is_better: Some("on".into()),
        ..InstrumentForm::default()
    };
    admin_page(&state, page.layout, form, FormErrors::default()).await
}

/// `POST /admin/questionnaires`: adds an instrument.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<InstrumentForm>,
) -> Result<Response> {
    let new = match form.validate() {
        Ok(new) => new,
        Err(errors) => return admin_page(&state, page.layout, form, errors).await,
    };
    match insert(&state.db, &new, page.user.id).await? {
        Some(id) => {
            tracing::info!(
                admin = page.user.id,
                instrument_id = id,
                "added a questionnaire instrument"
            );
            Ok(Redirect::to("/admin/questionnaires").into_response())
        }
        None => {
            let mut errors = FormErrors::default();
            errors.add("code", "instruments.code_taken");
            admin_page(&state, page.layout, new.form, errors).await
        }
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// `POST /admin/questionnaires/{id}/active`: retires an instrument (its answers stay) or brings it back.
pub async fn set_active(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response> {
    let done = sqlx::query!(
        "update instruments set active = $1 where id = $2",
        form.active == "true",
        id
    )
    .execute(&state.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(
        admin = page.user.id,
        instrument_id = id,
        "changed whether an instrument is active"
    );
    Ok(Redirect::to("/admin/questionnaires").into_response())
}
