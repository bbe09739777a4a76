//! Assigning the centre's unassigned patients to nurses: a suggestion for each (the nurse with
//! most free capacity, optionally keeping a municipality or GP with the same nurse), and
//! assigning one or many in one step.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::centre_of;
use super::nurses::{centre_page, NurseRow};
use crate::caseload::lock_nurses;
use crate::web::{AppError, Page, Result};
use crate::AppState;

/// Whether suggestions keep patients of one municipality or one GP with the same nurse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    #[default]
    Nothing,
    Municipality,
    Gp,
}

impl Keep {
    pub fn parse(value: &str) -> Keep {
        match value {
            "municipality" => Keep::Municipality,
            "gp" => Keep::Gp,
            _ => Keep::Nothing,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Nothing => "",
            Keep::Municipality => "municipality",
            Keep::Gp => "gp",
        }
    }
}

/// A patient waiting for a nurse, with the suggested nurse.
pub struct Suggestion {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub status: crate::domain::PatientStatus,
    pub suggested: Option<i64>,
}

impl Suggestion {
    pub fn status_key(&self) -> &'static str {
        self.status.label_key()
    }

    fn group(&self, keep: Keep) -> Option<&str> {
        match keep {
            Keep::Nothing => None,
            Keep::Municipality => self.municipality.as_deref(),
            Keep::Gp => self.gp.as_deref(),
        }
        .filter(|g| !g.trim().is_empty())
    }
}

/// How many waiting patients the centre page shows at once: those who have waited longest.
pub const WAITING_SHOWN: i64 = 100;

/// The centre's patients without a nurse who are still on their way in (the `WAITING_SHOWN`
/// who have waited longest), each with a suggestion, and how many are waiting in all.
pub async fn suggestions(
    db: &sqlx::PgPool,
    centre_id: i64,
    keep: Keep,
    nurses: &[NurseRow],
) -> Result<(Vec<Suggestion>, i64)> {
    // Who is waiting is said once: the count comes with the rows shown.
    let rows = sqlx::query!(
        r#"select id, first_name, last_name, municipality, gp, status as "status: crate::domain::PatientStatus",
                  count(*) over () as "waiting!"
             from patients p
            where centre_id = $1 and nurse_id is null and p.arm is distinct from 'control'
              and status in ('invited', 'meeting_booked', 'no_response', 'unreachable')
            order by created_at, id
            limit $2"#,
        centre_id,
        WAITING_SHOWN
    )
    .fetch_all(db)
    .await?;
    let total = rows.first().map_or(0, |r| r.waiting);
    let mut waiting: Vec<Suggestion> = rows
        .into_iter()
        .map(|r| Suggestion {
            id: r.id,
            first_name: r.first_name,
            last_name: r.last_name,
            municipality: r.municipality,
            gp: r.gp,
            status: r.status,
            suggested: None,
        })
        .collect();
    let mut free: Vec<(i64, String, i64)> = nurses
        .iter()
        .filter(|n| n.active)
        .map(|n| (n.id, n.name.clone(), n.free()))
        .collect();
    let mut groups: HashMap<String, i64> = HashMap::new();
    if keep != Keep::Nothing {
        let rows = sqlx::query!(
            r#"select p.municipality, p.gp, p.nurse_id as "nurse_id!"
                 from patients p join users u on u.id = p.nurse_id and u.active
                where p.centre_id = $1 and on_caseload(p.status, p.arm)
                order by p.created_at"#,
            centre_id
        )
        .fetch_all(db)
        .await?;
        for row in rows {
            let group = if keep == Keep::Municipality {
                row.municipality
            } else {
                row.gp
            };
            if let Some(g) = group.filter(|g| !g.trim().is_empty()) {
                groups.entry(g).or_insert(row.nurse_id);
            }
        }
    }
    for patient in &mut waiting {
        let kept = patient
            .group(keep)
            .and_then(|g| groups.get(g))
            .and_then(|id| free.iter().position(|(n, _, f)| n == id && *f > 0));
        let best = kept.or_else(|| {
            free.iter()
                .enumerate()
                .filter(|(_, (_, _, f))| *f > 0)
                .max_by(|a, b| a.1 .2.cmp(&b.1 .2).then(b.1 .1.cmp(&a.1 .1)))
                .map(|(i, _)| i)
        });
        if let Some(i) = best {
            free[i].2 -= 1;
            patient.suggested = Some(free[i].0);
            if let Some(g) = patient.group(keep) {
                groups.entry(g.to_owned()).or_insert(free[i].0);
            }
        }
    }
    Ok((waiting, total))
}

/// `POST /centre/assign`: `pick` = patient ids (or `only` = one id) with `nurse_<patient id>` =
/// the chosen nurse. All or nothing: a patient of another centre is refused, a nurse without
/// room is explained on the page.
pub async fn assign(
    State(state): State<AppState>,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let centre_id = centre_of(&page.user)?;
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let keep = Keep::parse(field("keep").unwrap_or(""));
    let picked: Vec<i64> = match field("only") {
        Some(one) => vec![one.parse().map_err(|_| AppError::BadRequest)?],
        None => fields
            .iter()
            .filter(|(k, _)| k == "pick")
            .map(|(_, v)| v.parse().map_err(|_| AppError::BadRequest))
            .collect::<Result<_>>()?,
    };
    if picked.is_empty() {
        let text = page.lang().t("centre.pick_someone").to_owned();
        return centre_page(&state, page, keep, Some(text), None).await;
    }
    let mut choices = Vec::new();
    for patient_id in &picked {
        let nurse_id: i64 = field(&format!("nurse_{patient_id}"))
            .and_then(|v| v.parse().ok())
            .ok_or(AppError::BadRequest)?;
        choices.push((*patient_id, nurse_id));
    }
    let mut tx = state.db.begin().await?;
    let nurses = lock_nurses(&mut tx, &choices.iter().map(|c| c.1).collect::<Vec<_>>()).await?;
    let patients = sqlx::query!(
        r#"select id, centre_id, nurse_id, coalesce(arm = 'control', false) as "control!"
             from patients where id = any($1) for update"#,
        &picked
    )
    .fetch_all(&mut *tx)
    .await?;
    if patients.len() != picked.len()
        || nurses.len()
            != choices
                .iter()
                .map(|c| c.1)
                .collect::<std::collections::HashSet<_>>()
                .len()
    {
        return Err(AppError::NotFound);
    }
    if patients.iter().any(|p| p.centre_id != centre_id) || nurses.iter().any(|n| n.centre_id != centre_id) {
        tracing::warn!(user_id = page.user.id, "refused assigning across centres");
        return Err(AppError::Forbidden);
    }
    // The control group is never coached: a forged form cannot assign them.
    if patients.iter().any(|p| p.control) {
        return Err(AppError::BadRequest);
    }
    let lang = page.lang();
    if patients.iter().any(|p| p.nurse_id.is_some()) {
        let text = lang.t("centre.already_assigned").to_owned();
        return centre_page(&state, page, keep, Some(text), None).await;
    }
    for nurse in &nurses {
        let wanted = choices.iter().filter(|c| c.1 == nurse.id).count() as i64;
        if !nurse.takes(wanted) {
            let text = lang.tf(
                "centre.no_room",
                &[("name", &nurse.name), ("n", &nurse.room().max(0))],
            );
            return centre_page(&state, page, keep, Some(text), None).await;
        }
    }
    crate::db::set_actor(&mut tx, page.user.id, "").await?;
    for (patient_id, nurse_id) in &choices {
        crate::patients::set_nurse(&mut tx, *patient_id, *nurse_id).await?;
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        count = choices.len(),
        "assigned patients to nurses"
    );
    let keep = match keep.as_str() {
        "" => String::new(),
        k => format!("&keep={k}"),
    };
    Ok(Redirect::to(&format!("/centre?done={}{keep}", choices.len())).into_response())
}
