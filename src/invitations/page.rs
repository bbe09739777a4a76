//! The invitation page: who the patient is, the letters sent, the meeting booked, the status
//! history, and the forms that fit the patient's status.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::rows::{CourseRow, HistoryRow, LetterRow, MeetingRow, MoveRow, NurseChoice, Person};
use super::{coordinator_or_nurse, subject, Subject};
use crate::appointments::CALL_MINUTES;
use crate::calendar::{refused, typed_instant, Closed, For};
use crate::patients::Status;
use crate::rooms::{rooms_of, Room};
use crate::web::FormErrors;
use crate::web::{render, Layout, Page, Result, Role};
use crate::AppState;

/// Every field of the page's forms, as typed. No `Debug`: a reason may say something about the patient.
#[derive(Clone, Default, Deserialize)]
pub struct Typed {
    #[serde(default)]
    pub response: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub room_id: String,
    #[serde(default)]
    pub nurse_id: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub call_date: String,
    #[serde(default)]
    pub call_time: String,
    #[serde(default)]
    pub consent_course: Option<String>,
    #[serde(default)]
    pub consent_interview: String,
    #[serde(default)]
    pub consent_research: String,
    /// Confirms that booking the meeting with another nurse moves the patient to her.
    #[serde(default)]
    pub move_nurse: Option<String>,
}

/// `?nurse=assigned|moved` after a booking: the page says who the patient is with now, and why.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    pub nurse: String,
}

#[derive(Template)]
#[template(path = "invitations/page.html")]
struct InvitationPage {
    layout: Layout,
    id: i64,
    status: Status,
    person: Person,
    letters: Vec<LetterRow>,
    meeting: Option<MeetingRow>,
    course: Option<CourseRow>,
    /// The course's consents as they stand today.
    consents: Vec<crate::courses::consent::Consent>,
    history: Vec<HistoryRow>,
    moves: Vec<MoveRow>,
    rooms: Vec<Room>,
    nurses: Vec<NurseChoice>,
    typed: Typed,
    errors: FormErrors,
    /// Why the typed meeting time or first call cannot be booked, with the nearest open time.
    meeting_closed: Option<Closed>,
    call_closed: Option<Closed>,
    /// The slot the patient's letter holds, and for which nurse.
    held: Option<Held>,
    coordinator: bool,
    control: bool,
    notice: Option<String>,
}

impl InvitationPage {
    fn may_answer(&self) -> bool {
        !self.control
            && self.coordinator
            && matches!(
                self.status,
                Status::Invited | Status::MeetingBooked | Status::NoResponse | Status::Unreachable
            )
    }

    fn may_book(&self) -> bool {
        !self.control
            && self.coordinator
            && matches!(
                self.status,
                Status::Invited | Status::MeetingBooked | Status::NoResponse | Status::Unreachable
            )
    }

    fn may_record_outcome(&self) -> bool {
        !self.control && self.status == Status::MeetingBooked && self.meeting.is_some()
    }

    fn is(&self, field: &str, value: &str) -> bool {
        let typed = match field {
            "response" => &self.typed.response,
            "room_id" => &self.typed.room_id,
            "nurse_id" => &self.typed.nurse_id,
            "outcome" => &self.typed.outcome,
            "consent_interview" => &self.typed.consent_interview,
            "consent_research" => &self.typed.consent_research,
            _ => return false,
        };
        typed == value
    }

    fn id_is(&self, field: &str, id: &i64) -> bool {
        self.is(field, &id.to_string())
    }

    fn given_key(&self, given: &bool) -> &'static str {
        if *given {
            "consent.given"
        } else {
            "consent.not_given"
        }
    }

    fn status_key(&self) -> &'static str {
        self.status.label_key()
    }

    /// The confirmation to move the patient, once the form has said the nurse would change.
    fn offers_move(&self) -> bool {
        self.typed.move_nurse.is_some()
            || self.errors.get("nurse_id") == Some("invitation.nurse_change_confirm")
    }

    fn move_reason_key(&self, m: &MoveRow) -> Option<&'static str> {
        (m.reason.as_deref() == Some(crate::caseload::REASON_INITIAL_MEETING))
            .then_some("invitation.moved_for_meeting")
    }
}

/// What the page says after a booking: who the patient is with now, and why.
fn nurse_notice(notice: &Notice, page: &Page, person: &Person, moves: &[MoveRow]) -> Option<String> {
    let lang = page.lang();
    let nurse = person.nurse.as_deref()?;
    match notice.nurse.as_str() {
        "assigned" => Some(lang.tf("invitation.nurse_assigned", &[("nurse", &nurse)])),
        "moved" => {
            let from = moves.first().map(|m| m.from_nurse.as_str()).unwrap_or("–");
            Some(lang.tf("invitation.nurse_moved", &[("from", &from), ("nurse", &nurse)]))
        }
        _ => None,
    }
}

/// Refuses any change for a person of the study's control group, with the reason next to
/// `field` and what was typed kept.
pub async fn refuse_control(
    state: &AppState,
    page: Page,
    s: Subject,
    typed: Typed,
    field: &'static str,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    errors.add(field, "invitation.control_arm");
    show_page(state, page, s, Some(typed), errors).await
}

/// Renders the page with what was typed and the errors of a refused form.
pub async fn show_page(
    state: &AppState,
    page: Page,
    s: Subject,
    typed: Option<Typed>,
    errors: FormErrors,
) -> Result<Response> {
    show_page_with(state, page, s, typed, errors, &Notice::default()).await
}

async fn show_page_with(
    state: &AppState,
    page: Page,
    s: Subject,
    typed: Option<Typed>,
    errors: FormErrors,
    notice: &Notice,
) -> Result<Response> {
    let db = &state.db;
    let person = sqlx::query_as!(
        Person,
        r#"select p.first_name, p.last_name, p.cpr, p.address, p.postal_code, p.city, p.phone, p.mobile,
                  p.municipality, p.gp, u.name as "nurse?"
             from patients p left join users u on u.id = p.nurse_id where p.id = $1"#,
        s.id
    )
    .fetch_one(db)
    .await?;
    let letters = sqlx::query_as!(
        LetterRow,
        "select produced_at, proposed_at, place from letters where patient_id = $1 order by produced_at desc",
        s.id
    )
    .fetch_all(db)
    .await?;
    let meeting = current_meeting(db, s.id).await?;
    let course = sqlx::query_as!(
        CourseRow,
        "select c.id, c.start_date, c.planned_end from courses c
          where c.patient_id = $1 order by c.start_date desc limit 1",
        s.id
    )
    .fetch_optional(db)
    .await?;
    let history = sqlx::query_as!(
        HistoryRow,
        r#"select s.at, s.from_status, s.to_status as "to_status: Status", s.reason, u.name as "by?"
             from status_changes s left join users u on u.id = s.changed_by
            where s.patient_id = $1 order by s.at desc, s.id desc"#,
        s.id
    )
    .fetch_all(db)
    .await?;
    let moves = sqlx::query_as!(
        MoveRow,
        "select m.moved_at, f.name as from_nurse, t.name as to_nurse, m.until, m.returned_at, m.reason
           from caseload_moves m join users f on f.id = m.from_nurse_id join users t on t.id = m.to_nurse_id
          where m.patient_id = $1 order by m.moved_at desc",
        s.id
    )
    .fetch_all(db)
    .await?;
    let rooms = rooms_of(db, s.centre_id, true).await?;
    let nurses = sqlx::query_as!(
        NurseChoice,
        "select id, name from users where centre_id = $1 and role = 'nurse' and active order by name",
        s.centre_id
    )
    .fetch_all(db)
    .await?;
    let held = crate::letters::holds::held_for(db, s.id).await?;
    let held_nurse = held.and_then(|(_, n)| n);
    let typed =
        typed.unwrap_or_else(|| defaults(&page, &s, letters.first(), meeting.as_ref(), &rooms, held_nurse));
    let held = held.map(|(at, nurse)| Held {
        at,
        nurse: nurse.and_then(|n| nurses.iter().find(|c| c.id == n).map(|c| c.name.clone())),
    });
    // A refused time says why and proposes the nearest open one.
    let mut meeting_closed = None;
    if shown_by(&errors, "date") {
        if let Some(at) = typed_instant(page.user.tz, &typed.date, &typed.time) {
            let what = For {
                nurse_id: typed.nurse_id.trim().parse().ok(),
                patient_id: Some(s.id),
                except_appointment: meeting.as_ref().map(|m| m.id),
            };
            let minutes = typed.minutes.trim().parse().unwrap_or(60);
            meeting_closed = refused(db, s.centre_id, what, at, minutes, page.now(), page.lang()).await?;
        }
    }
    let mut call_closed = None;
    if shown_by(&errors, "call_date") {
        if let Some(at) = typed_instant(page.user.tz, &typed.call_date, &typed.call_time) {
            let what = For {
                nurse_id: meeting.as_ref().map(|m| m.nurse_id),
                patient_id: Some(s.id),
                except_appointment: None,
            };
            call_closed = refused(db, s.centre_id, what, at, CALL_MINUTES, page.now(), page.lang()).await?;
        }
    }
    let notice = nurse_notice(notice, &page, &person, &moves);
    let consents = match &course {
        Some(c) => crate::courses::consent::as_of(db, c.id, page.today()).await?,
        None => Vec::new(),
    };
    render(&InvitationPage {
        consents,
        notice,
        coordinator: page.user.role == Role::Coordinator,
        control: s.control,
        layout: page.layout,
        id: s.id,
        status: s.status,
        person,
        letters,
        meeting,
        course,
        history,
        moves,
        rooms,
        nurses,
        typed,
        errors,
        meeting_closed,
        call_closed,
        held,
    })
}

/// A letter's held slot, as the page names it.
pub struct Held {
    pub at: chrono::DateTime<chrono::Utc>,
    pub nurse: Option<String>,
}

/// The invitation page's message for a refused time: the nurse busy, or the calendar's refusal.
pub fn invitation_key(closed: &Closed) -> &'static str {
    match closed.error {
        ("time", _) => "invitation.nurse_busy",
        (_, key) => key,
    }
}

/// Whether the form came back because the calendar refused its time in `field`.
fn shown_by(errors: &FormErrors, field: &str) -> bool {
    matches!(
        errors.get(field),
        Some("calendar.closed" | "invitation.nurse_busy")
    )
}

/// The forms filled with what is known: the letter's proposed time, the patient's nurse.
fn defaults(
    page: &Page,
    s: &Subject,
    letter: Option<&LetterRow>,
    meeting: Option<&MeetingRow>,
    rooms: &[Room],
    held_nurse: Option<i64>,
) -> Typed {
    let tz = page.user.tz;
    // A booked meeting is moved from where it is; otherwise the letter's proposal is offered.
    let proposed = meeting
        .map(|m| m.starts_at.with_timezone(&tz))
        .or_else(|| letter.map(|l| l.proposed_at.with_timezone(&tz)));
    let place = meeting
        .and_then(|m| m.place.clone())
        .or_else(|| letter.map(|l| l.place.clone()));
    let meeting_day = meeting.map(|m| m.starts_at.with_timezone(&tz).date_naive());
    let start = meeting_day.unwrap_or_else(|| page.today());
    Typed {
        date: proposed
            .map(|p| p.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        time: proposed
            .map(|p| p.format("%H:%M").to_string())
            .unwrap_or_else(|| "10:00".into()),
        room_id: place
            .and_then(|p| rooms.iter().find(|r| r.place() == p))
            .map(|r| r.id.to_string())
            .unwrap_or_default(),
        nurse_id: meeting
            .map(|m| m.nurse_id)
            .or(s.nurse_id)
            .or(held_nurse)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        minutes: meeting
            .map(|m| (m.ends_at - m.starts_at).num_minutes().to_string())
            .unwrap_or_else(|| "60".into()),
        start_date: start.format("%Y-%m-%d").to_string(),
        call_date: (start + chrono::Duration::days(14))
            .format("%Y-%m-%d")
            .to_string(),
        call_time: "10:00".into(),
        ..Typed::default()
    }
}

/// The initial meeting still booked for the patient, if any.
pub async fn current_meeting(db: &sqlx::PgPool, patient_id: i64) -> Result<Option<MeetingRow>, sqlx::Error> {
    sqlx::query_as!(
        MeetingRow,
        "select a.id, a.starts_at, a.ends_at, a.place, a.nurse_id, u.name as nurse
           from appointments a join users u on u.id = a.nurse_id
          where a.patient_id = $1 and a.kind = 'meeting' and a.status = 'scheduled'
          order by a.starts_at desc limit 1",
        patient_id
    )
    .fetch_optional(db)
    .await
}

/// `GET /patients/{id}/invitation`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> Result<Response> {
    let s = subject(&state.db, &page.user, id, coordinator_or_nurse).await?;
    show_page_with(&state, page, s, None, FormErrors::default(), &notice).await
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Copenhagen;

    // The invitation's forms read typed times with the appointments' rule.
    fn local_instant(tz: chrono_tz::Tz, date: &str, time: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        crate::appointments::parse_when(tz, date, time).ok()
    }

    #[test]
    fn local_times_are_read_in_the_centres_zone_across_daylight_saving() {
        let winter = local_instant(Copenhagen, "2026-11-24", "09:30").unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-11-24T08:30:00+00:00");
        let summer = local_instant(Copenhagen, "2026-06-24", "09:30").unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-06-24T07:30:00+00:00");
        // The hour skipped in spring does not exist; the hour repeated in autumn is the first.
        assert!(local_instant(Copenhagen, "2026-03-29", "02:30").is_none());
        let autumn = local_instant(Copenhagen, "2026-10-25", "02:30").unwrap();
        assert_eq!(autumn.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        assert!(local_instant(Copenhagen, "24.11.2026", "09:30").is_none());
    }
}
