//! Moving caseloads: one, several or all of a nurse's patients to a colleague, permanently or
//! until a date after which they return. Future appointments move with the patients; every
//! move is kept in `caseload_moves`, which the patients' timelines read.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::NaiveDate;

use super::nurses::{nurses_of, NurseRow};
use super::{nurse_in_centre, NurseRef};
use crate::caseload;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A patient on the nurse's list, with a move under way if any.
pub struct CaseloadRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub status: crate::domain::PatientStatus,
    pub future_appointments: i64,
    pub returns_to: Option<String>,
    pub until: Option<NaiveDate>,
}

impl CaseloadRow {
    pub fn status_key(&self) -> &'static str {
        self.status.label_key()
    }
}

/// What was typed in the move form, kept when it is refused.
#[derive(Debug, Default)]
pub struct MoveForm {
    pub picked: Vec<i64>,
    pub to: String,
    pub mode: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "centre/nurse.html")]
struct NursePage {
    layout: Layout,
    nurse: NurseRef,
    patients: Vec<CaseloadRow>,
    colleagues: Vec<NurseRow>,
    form: MoveForm,
    error: Option<(&'static str, &'static str)>,
    conflict: Option<String>,
}

impl NursePage {
    fn picked(&self, id: &i64) -> bool {
        self.form.picked.contains(id)
    }

    fn chosen(&self, id: &i64) -> bool {
        self.form.to == id.to_string()
    }

    fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error.filter(|(f, _)| *f == field).map(|(_, k)| k)
    }
}

async fn show(
    state: &AppState,
    page: Page,
    nurse: NurseRef,
    form: MoveForm,
    error: Option<(&'static str, &'static str)>,
    conflict: Option<String>,
) -> Result<Response> {
    let patients = sqlx::query_as!(
        CaseloadRow,
        r#"select p.id, p.first_name, p.last_name, p.status as "status: crate::domain::PatientStatus",
                  (select count(*) from appointments a where a.patient_id = p.id and a.nurse_id = p.nurse_id
                      and a.status = 'scheduled') as "future_appointments!",
                  u.name as "returns_to?", m.until as "until?"
             from patients p
             left join lateral (select from_nurse_id, until from caseload_moves m
                                 where m.patient_id = p.id and m.to_nurse_id = p.nurse_id
                                   and m.until is not null and m.returned_at is null
                                 order by m.moved_at desc limit 1) m on true
             left join users u on u.id = m.from_nurse_id
            where p.nurse_id = $1 and on_caseload(p.status, p.arm)
            order by p.last_name, p.first_name"#,
        nurse.id
    )
    .fetch_all(&state.db)
    .await?;
    let colleagues = nurses_of(&state.db, nurse.centre_id, page.now())
        .await?
        .into_iter()
        .filter(|n| n.active && n.id != nurse.id)
        .collect();
    render(&NursePage {
        layout: page.layout,
        nurse,
        patients,
        colleagues,
        form,
        error,
        conflict,
    })
}

/// `GET /nurses/{id}`: a nurse's patients, and the form to move them.
pub async fn nurse_page(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    crate::caseload::return_due(&state.db, page.now()).await?;
    let nurse = nurse_in_centre(&state.db, &page.user, id).await?;
    let form = MoveForm {
        mode: "temporary".into(),
        ..MoveForm::default()
    };
    show(&state, page, nurse, form, None, None).await
}

/// `POST /nurses/{id}/move`: `pick` = patient ids (or `all`), `to`, `mode` = temporary |
/// permanent, `until` for a temporary move.
pub async fn move_patients(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let from = nurse_in_centre(&state.db, &page.user, id).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut form = MoveForm {
        picked: fields
            .iter()
            .filter(|(k, _)| k == "pick")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        to: field("to"),
        mode: field("mode"),
        until: field("until"),
    };
    let all = !field("all").is_empty();
    let to = match form.to.parse::<i64>() {
        Ok(to_id) => Some(nurse_in_centre(&state.db, &page.user, to_id).await?),
        Err(_) => None,
    };
    let today = page.today();
    let until = NaiveDate::parse_from_str(&form.until, "%Y-%m-%d").ok();
    let error = match (&to, form.mode.as_str()) {
        (None, _) => Some(("to", "move.to_required")),
        (Some(t), _) if t.id == from.id || !t.active => Some(("to", "move.to_invalid")),
        (_, "temporary") if until.is_none_or(|u| u < today) => Some(("until", "move.until_invalid")),
        (_, "temporary" | "permanent") => None,
        _ => Some(("mode", "form.required")),
    };
    let current: Vec<i64> = sqlx::query_scalar!(
        "select id from patients p where nurse_id = $1 and on_caseload(status, arm)",
        from.id
    )
    .fetch_all(&state.db)
    .await?;
    if all {
        form.picked = current.clone();
    }
    if form.picked.iter().any(|p| !current.contains(p)) {
        tracing::warn!(
            user_id = page.user.id,
            "refused moving a patient who is not on the nurse's list"
        );
        return Err(AppError::Forbidden);
    }
    let error = error.or_else(|| form.picked.is_empty().then_some(("pick", "move.pick_someone")));
    let (Some(to), None) = (to, error) else {
        return show(&state, page, from, form, error, None).await;
    };
    let until = if form.mode == "temporary" { until } else { None };
    match move_to(&state.db, &form.picked, &from, &to, until, page.user.id).await? {
        Ok(moved) => {
            tracing::info!(user_id = page.user.id, moved, "moved a caseload");
            Ok(crate::web::flash::redirect(
                &format!("/nurses/{}", from.id),
                "done.caseload_moved",
            ))
        }
        Err(at) => {
            let text = page.lang().tf(
                "move.double_booked",
                &[("name", &to.name), ("at", &page.layout.booked(&at))],
            );
            show(&state, page, from, form, None, Some(text)).await
        }
    }
}

/// Moves patients and their open appointments in one transaction (see `caseload::move_patient`).
/// `Err(at)` when the receiving nurse already has something booked at `at` (nothing is moved then).
pub async fn move_to(
    db: &sqlx::PgPool,
    patients: &[i64],
    from: &NurseRef,
    to: &NurseRef,
    until: Option<NaiveDate>,
    by: i64,
) -> Result<Result<usize, chrono::DateTime<chrono::Utc>>> {
    let mut tx = db.begin().await?;
    crate::db::set_actor(&mut tx, by, "").await?;
    for patient_id in patients {
        let one = caseload::Move {
            patient_id: *patient_id,
            from: from.id,
            to: to.id,
            until,
            appointments_moved: 0,
            by,
            reason: None,
            absence_id: None,
        };
        if let Err(at) = caseload::move_patient(&mut tx, one).await? {
            return Ok(Err(at));
        }
    }
    tx.commit().await?;
    Ok(Ok(patients.len()))
}
