//! Consent: to the course, to be interviewed about the experience, and to the use of the
//! patient's data for research. Each is an event (given or withdrawn, on the clinical date the
//! patient said so, with who recorded it and when) that is never changed: a change is a new
//! event and the earlier ones stay. The consent that holds on a day is the latest event of its
//! kind dated up to that day, the database's `consent_as_of`, which this module, the record,
//! the invitation page and the export all read. All three are given at the initial meeting;
//! interview and research consent are recorded or changed later on `/patients/{id}/consent`,
//! during the course or after it has ended.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::{PgConnection, PgExecutor};

use super::{latest_course, Course};
use crate::audit::access::{check, Action};
use crate::domain::ConsentKind;
use crate::patients::{brief, Brief};
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// One kind's consent as it stands on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub kind: ConsentKind,
    pub given: bool,
    /// The clinical date it was given or withdrawn.
    pub consent_on: NaiveDate,
}

/// One recorded event of the history.
pub struct Event {
    pub kind: ConsentKind,
    pub given: bool,
    pub consent_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
}

/// Appends one consent event to the course.
pub async fn record(
    db: impl PgExecutor<'_>,
    course_id: i64,
    consent: &Consent,
    by_user: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into consent_events (course_id, kind, given, consent_on, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6)",
        course_id,
        consent.kind as ConsentKind,
        consent.given,
        consent.consent_on,
        by_user,
        at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The consents given at the initial meeting on `day`: to the course, and the patient's
/// answers about the interview and research use.
pub async fn record_at_meeting(
    conn: &mut PgConnection,
    course_id: i64,
    interview: bool,
    research: bool,
    day: NaiveDate,
    by_user: i64,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for (kind, given) in [
        (ConsentKind::Course, true),
        (ConsentKind::Interview, interview),
        (ConsentKind::Research, research),
    ] {
        let consent = Consent {
            kind,
            given,
            consent_on: day,
        };
        record(&mut *conn, course_id, &consent, by_user, at).await?;
    }
    Ok(())
}

/// The course's consents as they stand on `asof`, one per kind recorded, in the vocabulary's
/// order.
pub async fn as_of(
    db: impl PgExecutor<'_>,
    course_id: i64,
    asof: NaiveDate,
) -> Result<Vec<Consent>, sqlx::Error> {
    let mut all = sqlx::query_as!(
        Consent,
        r#"select kind as "kind!: ConsentKind", given as "given!", consent_on as "consent_on!"
             from consent_as_of($2) where course_id = $1"#,
        course_id,
        asof
    )
    .fetch_all(db)
    .await?;
    all.sort_by_key(|c| ConsentKind::ALL.iter().position(|k| *k == c.kind));
    Ok(all)
}

/// Every consent event of the course, the latest first.
pub async fn history(db: impl PgExecutor<'_>, course_id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"select e.kind as "kind: ConsentKind", e.given, e.consent_on, e.recorded_at, u.name as "recorded_by?"
             from consent_events e left join users u on u.id = e.recorded_by
            where e.course_id = $1 order by e.consent_on desc, e.id desc"#,
        course_id
    )
    .fetch_all(db)
    .await
}

/// The earliest day a consent to the course may be dated: its start, or the initial meeting
/// when consent was given there before the start.
async fn earliest(db: impl PgExecutor<'_>, course_id: i64) -> Result<NaiveDate, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select least(k.start_date, (select min(e.consent_on) from consent_events e where e.course_id = k.id))
                  as "day!"
             from courses k where k.id = $1"#,
        course_id
    )
    .fetch_one(db)
    .await
}

/// The consent form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub given: String,
    #[serde(default)]
    pub consent_on: String,
}

impl ConsentForm {
    /// A valid consent or the form's errors: a kind recorded after the meeting, given or
    /// withdrawn, on a day from `earliest` to `today`.
    fn parse(&self, earliest: NaiveDate, today: NaiveDate) -> Result<Consent, FormErrors> {
        let mut errors = FormErrors::default();
        let kind = ConsentKind::parse(&self.kind).filter(|k| k.recorded_later());
        if kind.is_none() {
            errors.add("kind", "consent.choose_kind");
        }
        let given = match self.given.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        if given.is_none() {
            errors.add("given", "consent.choose_given");
        }
        let day = NaiveDate::parse_from_str(self.consent_on.trim(), "%Y-%m-%d").ok();
        match day {
            None => errors.add("consent_on", "form.date_invalid"),
            Some(d) if d > today => errors.add("consent_on", "consent.in_future"),
            Some(d) if d < earliest => errors.add("consent_on", "consent.before_course"),
            Some(_) => {}
        }
        match (kind, given, day) {
            (Some(kind), Some(given), Some(consent_on)) if errors.is_empty() => Ok(Consent {
                kind,
                given,
                consent_on,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "courses/consent.html")]
struct ConsentPage {
    layout: Layout,
    patient: Brief,
    course: Course,
    current: Vec<Consent>,
    history: Vec<Event>,
    earliest: NaiveDate,
    form: ConsentForm,
    errors: FormErrors,
}

impl ConsentPage {
    /// The kinds the form offers.
    fn kinds(&self) -> Vec<ConsentKind> {
        ConsentKind::ALL
            .iter()
            .copied()
            .filter(|k| k.recorded_later())
            .collect()
    }

    fn checked(&self, field: &str, value: &str) -> bool {
        match field {
            "kind" => self.form.kind == value,
            "given" => self.form.given == value,
            _ => false,
        }
    }

    fn given_key(&self, given: &bool) -> &'static str {
        if *given {
            "consent.given"
        } else {
            "consent.not_given"
        }
    }
}

/// Renders the page for the patient's latest course with `form` and `errors`.
async fn show(
    state: &AppState,
    page: Page,
    id: i64,
    form: ConsentForm,
    errors: FormErrors,
) -> Result<Response> {
    let db = &state.db;
    let course = latest_course(db, id).await?.ok_or(AppError::NotFound)?;
    render(&ConsentPage {
        patient: brief(db, id).await?,
        current: as_of(db, course.id, page.today()).await?,
        history: history(db, course.id).await?,
        earliest: earliest(db, course.id).await?,
        layout: page.layout,
        course,
        form,
        errors,
    })
}

/// `GET /patients/{id}/consent`: the consents of the patient's latest course, their history,
/// and the form to record a change.
pub async fn form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let form = ConsentForm {
        consent_on: page.today().to_string(),
        ..ConsentForm::default()
    };
    show(&state, page, id, form, FormErrors::default()).await
}

/// `POST /patients/{id}/consent`: `kind` (interview or research), `given` (yes or no) and
/// `consent_on`, the day the patient said so. A new event; the earlier ones stay.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ConsentForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let course = latest_course(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let first = earliest(&state.db, course.id).await?;
    let consent = match form.parse(first, page.today()) {
        Ok(consent) => consent,
        Err(errors) => return show(&state, page, id, form, errors).await,
    };
    record(&state.db, course.id, &consent, page.user.id, page.now()).await?;
    tracing::info!(
        user_id = page.user.id,
        patient_id = id,
        kind = consent.kind.as_str(),
        given = consent.given,
        "recorded a consent"
    );
    Ok(crate::web::flash::redirect(
        &format!("/patients/{id}"),
        "done.consent_saved",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(kind: &str, given: &str, on: &str) -> ConsentForm {
        ConsentForm {
            kind: kind.into(),
            given: given.into(),
            consent_on: on.into(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_consent_is_dated_within_the_course_and_not_after_today() {
        let (start, today) = (day("2026-03-01"), day("2026-10-01"));
        assert_eq!(
            typed("interview", "no", "2026-09-30").parse(start, today).ok(),
            Some(Consent {
                kind: ConsentKind::Interview,
                given: false,
                consent_on: day("2026-09-30")
            })
        );
        let errors = |f: ConsentForm, field: &str| f.parse(start, today).unwrap_err().get(field);
        assert_eq!(
            errors(typed("research", "yes", "2026-10-02"), "consent_on"),
            Some("consent.in_future")
        );
        assert_eq!(
            errors(typed("research", "yes", "2026-02-28"), "consent_on"),
            Some("consent.before_course")
        );
        assert_eq!(
            errors(typed("research", "yes", "1.3.2026"), "consent_on"),
            Some("form.date_invalid")
        );
        assert_eq!(
            errors(typed("course", "no", "2026-09-30"), "kind"),
            Some("consent.choose_kind")
        );
        assert_eq!(
            errors(typed("interview", "", "2026-09-30"), "given"),
            Some("consent.choose_given")
        );
    }
}
