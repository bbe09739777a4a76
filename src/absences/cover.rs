//! Planning the cover of an absence: the nurse's patients, each with a colleague suggested by
//! free places and by the municipalities she already works with, changed one by one or all at
//! once. Saving a cover for an absence that has begun moves the patients at once.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;

use super::{of_centre, start_due, Absence};
use crate::domain::AbsenceStatus;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// A patient of the absent nurse, with the chosen (or suggested) cover.
pub struct CoverRow {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub municipality: String,
    /// Open bookings inside the absence.
    pub bookings: i64,
    pub cover_nurse_id: Option<i64>,
    pub started: bool,
    /// Moved back already, or to someone else meanwhile.
    pub suggested: Option<i64>,
}

/// A colleague who can cover: free places, and the municipalities of her patients.
pub struct Colleague {
    pub id: i64,
    pub name: String,
    pub room: i64,
    pub municipalities: Vec<String>,
    pub away: bool,
}

#[derive(Template)]
#[template(path = "absences/cover.html")]
struct CoverPage {
    layout: Layout,
    absence: Absence,
    rows: Vec<CoverRow>,
    colleagues: Vec<Colleague>,
    begun: bool,
    uncovered_bookings: i64,
}

impl CoverPage {
    fn chosen(&self, row: &CoverRow, nurse: &Colleague) -> bool {
        row.cover_nurse_id.or(row.suggested) == Some(nurse.id)
    }

    fn covered_by(&self, row: &CoverRow, nurse: &Colleague) -> bool {
        row.cover_nurse_id == Some(nurse.id)
    }

    fn suggested_for(&self, row: &CoverRow, nurse: &Colleague) -> bool {
        row.cover_nurse_id.is_none() && row.suggested == Some(nurse.id)
    }

    fn places(&self, nurse: &Colleague) -> String {
        self.layout.lang.count("absence.places_free", nurse.room)
    }

    fn requested(&self) -> bool {
        self.absence.status == AbsenceStatus::Requested
    }
}

/// The colleague to suggest for a patient in `municipality`: one who already has patients
/// there and room, else the one with most room. Never one who is away too.
fn suggest(colleagues: &[Colleague], municipality: &str) -> Option<i64> {
    colleagues
        .iter()
        .filter(|c| !c.away && c.room > 0)
        .max_by_key(|c| (c.municipalities.iter().any(|m| m == municipality), c.room))
        .or_else(|| colleagues.iter().filter(|c| !c.away).max_by_key(|c| c.room))
        .map(|c| c.id)
}

async fn colleagues(db: &sqlx::PgPool, a: &Absence) -> Result<Vec<Colleague>> {
    Ok(sqlx::query!(
        r#"select u.id, u.name,
                  coalesce(u.capacity, 0) - (select count(*) from patients p where p.nurse_id = u.id
                                               and on_caseload(p.status, p.arm)) as "room!",
                  array(select distinct p.municipality from patients p
                         where p.nurse_id = u.id and on_caseload(p.status, p.arm) and p.municipality <> ''
                         order by 1) as "municipalities!",
                  exists (select 1 from absences x where x.nurse_id = u.id and x.status = 'approved'
                           and x.first_day <= $3 and x.last_day >= $2) as "away!"
             from users u
            where u.centre_id = $1 and u.role = 'nurse' and u.active and u.id <> $4
            order by u.name"#,
        a.centre_id,
        a.first_day,
        a.last_day,
        a.nurse_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Colleague {
        id: r.id,
        name: r.name,
        room: r.room,
        municipalities: r.municipalities,
        away: r.away,
    })
    .collect())
}

/// `GET /absences/{id}`: the coordinator's cover plan.
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let absence = of_centre(&state.db, &page, id).await?;
    let colleagues = colleagues(&state.db, &absence).await?;
    let tz = page.layout.tz();
    let from = crate::calendar::rule::instant(tz, absence.first_day.and_time(chrono::NaiveTime::MIN));
    let until = absence
        .last_day
        .succ_opt()
        .and_then(|d| crate::calendar::rule::instant(tz, d.and_time(chrono::NaiveTime::MIN)));
    // The absent nurse's patients, and those already moved to a cover for this absence.
    let mut rows = sqlx::query!(
        r#"select p.id, p.first_name, p.last_name, coalesce(p.municipality, '') as "municipality!",
                  (select count(*) from appointments x where x.patient_id = p.id and x.status = 'scheduled'
                      and x.starts_at >= $3 and x.starts_at < $4) as "bookings!",
                  c.cover_nurse_id as "cover_nurse_id?", c.started_at as "started_at?"
             from patients p
             left join absence_covers c on c.absence_id = $2 and c.patient_id = p.id
            where (p.nurse_id = $1 and on_caseload(p.status, p.arm)) or c.patient_id is not null
            order by p.last_name, p.first_name"#,
        absence.nurse_id,
        absence.id,
        from,
        until
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| CoverRow {
        patient_id: r.id,
        suggested: None,
        first_name: r.first_name,
        last_name: r.last_name,
        bookings: r.bookings,
        cover_nurse_id: r.cover_nurse_id,
        started: r.started_at.is_some(),
        municipality: r.municipality,
    })
    .collect::<Vec<_>>();
    for row in rows.iter_mut().filter(|r| r.cover_nurse_id.is_none()) {
        row.suggested = suggest(&colleagues, &row.municipality);
    }
    let uncovered_bookings = rows
        .iter()
        .filter(|r| r.cover_nurse_id.is_none())
        .map(|r| r.bookings)
        .sum();
    render(&CoverPage {
        begun: absence.first_day <= page.today(),
        layout: page.layout,
        absence,
        rows,
        colleagues,
        uncovered_bookings,
    })
}

/// `POST /absences/{id}/cover`: `cover_<patient>` per patient (empty: no cover), or `all` for
/// every patient. Covers already started stay as they are.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let absence = of_centre(&state.db, &page, id).await?;
    if absence.status == AbsenceStatus::Cancelled {
        return Err(AppError::Refused("absence.cancelled"));
    }
    let colleagues = colleagues(&state.db, &absence).await?;
    let valid = |v: &str| -> Result<Option<i64>> {
        match v.trim() {
            "" => Ok(None),
            v => {
                let id = v.parse::<i64>().map_err(|_| AppError::BadRequest)?;
                // A nurse of another centre, or the absent nurse herself, is a forged form.
                colleagues
                    .iter()
                    .any(|c| c.id == id)
                    .then_some(Some(id))
                    .ok_or(AppError::Forbidden)
            }
        }
    };
    let all = fields
        .iter()
        .find(|(n, _)| n == "all")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let all = valid(all)?;
    let patients: Vec<i64> = sqlx::query_scalar!(
        "select p.id from patients p where p.nurse_id = $1 and on_caseload(p.status, p.arm)",
        absence.nurse_id
    )
    .fetch_all(&state.db)
    .await?;
    let mut tx = state.db.begin().await?;
    for patient_id in patients {
        let typed = fields
            .iter()
            .find(|(n, _)| *n == format!("cover_{patient_id}"))
            .map(|(_, v)| v.as_str());
        let cover = match (all, typed) {
            (Some(nurse), _) => Some(nurse),
            (None, Some(v)) => valid(v)?,
            (None, None) => continue,
        };
        match cover {
            Some(nurse) => {
                sqlx::query!(
                    "insert into absence_covers (absence_id, patient_id, cover_nurse_id, chosen_by, chosen_at)
                     values ($1, $2, $3, $4, $5)
                     on conflict (absence_id, patient_id) do update
                        set cover_nurse_id = excluded.cover_nurse_id, chosen_by = excluded.chosen_by,
                            chosen_at = excluded.chosen_at
                      where absence_covers.started_at is null",
                    absence.id,
                    patient_id,
                    nurse,
                    page.user.id,
                    page.now()
                )
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query!(
                    "delete from absence_covers where absence_id = $1 and patient_id = $2 and started_at is null",
                    absence.id,
                    patient_id
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    tracing::info!(
        user_id = page.user.id,
        absence_id = absence.id,
        "planned the cover of an absence"
    );
    if absence.status == AbsenceStatus::Approved && absence.first_day <= page.today() {
        start_due(&state.db, page.now(), Some(page.user.id)).await?;
    }
    Ok(crate::web::flash::redirect(
        &format!("/absences/{id}"),
        "done.cover_saved",
    ))
}
