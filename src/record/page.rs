//! The patient record page: the header (who, how to reach them, diagnoses in words, course),
//! contacts and preferred call times, booked calls, goals, and the timeline of the whole course.
//! Every opening is written to the access log; a person from another centre is refused (and
//! that is logged too).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::timeline::{self, Entry, Item, Kind};
use crate::audit::access::{check, Action};
use crate::calls::{all_topics, Topic};
use crate::courses::{latest_course, Course};
use crate::domain::{
    AppointmentStatus, EndReason, GoalStatus, Outcome, PatientStatus, ReferralKind, Sex, Timepoint,
};
use crate::patients::contacts::{self, Contact};
use crate::web::{render, FormKey, Layout, Page, Result, Role};
use crate::AppState;

/// What the record's header shows.
pub struct Record {
    pub id: i64,
    pub centre_name: String,
    pub cpr: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub diagnoses: Vec<String>,
    pub risk_score: Option<f64>,
    pub status: PatientStatus,
    pub nurse: Option<String>,
    pub batch_id: Option<i64>,
    pub preferred_call_times: String,
}

impl Record {
    /// `DDMMYY-SSSS`, shown in full only on this page.
    pub fn cpr_formatted(&self) -> String {
        format!("{}-{}", &self.cpr[..6], &self.cpr[6..])
    }

    pub fn sex_key(&self) -> &'static str {
        self.sex.label_key()
    }

    pub fn status_key(&self) -> &'static str {
        self.status.label_key()
    }

    /// The risk score with the language's decimal separator, or a dash.
    pub fn risk(&self, lang: crate::web::Lang) -> String {
        self.risk_score
            .map_or_else(|| "–".to_owned(), |r| lang.decimal(r, 2))
    }
}

/// A booked call still to come.
pub struct Upcoming {
    pub id: i64,
    pub starts_at: DateTime<Utc>,
}

/// A goal with its latest rating.
pub struct GoalRow {
    pub id: i64,
    pub text: String,
    pub status: GoalStatus,
    pub rating: Option<i32>,
}

/// Messages a redirect back to the record can carry (`?problem=`).
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    #[serde(default)]
    pub problem: String,
    #[serde(default)]
    pub extension: String,
}

#[derive(Template)]
#[template(path = "record/record.html")]
struct RecordPage {
    layout: Layout,
    p: Record,
    course: Option<Course>,
    /// The course's consents as they stand today (`courses::consent`).
    consents: Vec<crate::courses::consent::Consent>,
    today: NaiveDate,
    contacts: Vec<Contact>,
    upcoming: Vec<Upcoming>,
    goals: Vec<GoalRow>,
    timeline: Vec<Item>,
    topics: Vec<Topic>,
    unreachable: bool,
    /// The safety nets the patient is caught in, with the date since when.
    nets: Vec<(crate::safety::Net, NaiveDate)>,
    may_write: bool,
    may_log_calls: bool,
    problem: Option<&'static str>,
    kinds: &'static [ReferralKind],
    /// The directory's organisations the patient's GP and municipality are.
    organisations: Vec<crate::messaging::directory::Organisation>,
    /// Messages sent about the patient (MedCom, SMS) and where each stands.
    messages: Vec<crate::messaging::outbox::Listed>,
}

impl RecordPage {
    /// The directory's entry for the patient's GP or municipality, if the directory has it.
    fn matched(
        &self,
        kind: crate::domain::OrganisationKind,
    ) -> Option<&crate::messaging::directory::Organisation> {
        self.organisations.iter().find(|o| o.kind == kind)
    }

    fn gp_match(&self) -> Option<&crate::messaging::directory::Organisation> {
        self.matched(crate::domain::OrganisationKind::GpPractice)
    }

    fn municipality_match(&self) -> Option<&crate::messaging::directory::Organisation> {
        self.matched(crate::domain::OrganisationKind::Municipality)
    }

    /// Still on the way in: the invitation page has something to do, not only history.
    fn invitation_open(&self) -> bool {
        match self.p.status {
            PatientStatus::Invited
            | PatientStatus::MeetingBooked
            | PatientStatus::NoResponse
            | PatientStatus::Unreachable => true,
            PatientStatus::Active
            | PatientStatus::Ended
            | PatientStatus::Declined
            | PatientStatus::NotEligible => false,
        }
    }

    fn diagnosis_name(&self, code: &str) -> &'static str {
        crate::patients::icd10::name(code, self.layout.lang == crate::web::Lang::Da).unwrap_or("")
    }

    fn course_week(&self, c: &Course) -> String {
        self.layout.lang.tf(
            "record.course_week",
            &[("n", &c.week(self.today)), ("of", &c.weeks())],
        )
    }

    fn needs_extension(&self, c: &Course) -> bool {
        self.course_open() && c.needs_extension_reason(self.today)
    }

    fn course_open(&self) -> bool {
        self.p.status == PatientStatus::Active
    }

    fn kind_label(&self, kind: &ReferralKind) -> &'static str {
        self.layout.t(kind.label_key())
    }

    fn when(&self, at: &DateTime<Utc>) -> String {
        self.layout.datetime(at)
    }

    /// The line that says what an entry is.
    fn headline(&self, e: &Entry) -> String {
        let t = |k: &str| self.layout.t(k).to_owned();
        let code = e.code.as_deref().unwrap_or("");
        let word = |key: Option<&'static str>| key.map(t).unwrap_or_else(|| code.to_owned());
        match e.kind {
            Kind::Call => {
                let mut s = format!(
                    "{} · {}",
                    t("timeline.call"),
                    word(Outcome::parse(code).map(Outcome::label_key))
                );
                if let Some(n) = e.n.filter(|n| *n > 0) {
                    s.push_str(&format!(" · {n} min"));
                }
                s
            }
            Kind::Appointment => match AppointmentStatus::parse(code) {
                Some(AppointmentStatus::Cancelled) => t("timeline.appointment_cancelled"),
                Some(AppointmentStatus::Moved) => format!(
                    "{} {}",
                    t("timeline.appointment_moved"),
                    e.when_at.as_ref().map(|w| self.when(w)).unwrap_or_default()
                ),
                Some(
                    AppointmentStatus::Scheduled | AppointmentStatus::Done | AppointmentStatus::NoAnswer,
                )
                | None => t("timeline.appointment_missed"),
            },
            Kind::Goal => t("timeline.goal"),
            Kind::GoalClosed => match GoalStatus::parse(code) {
                Some(GoalStatus::Achieved) => t("timeline.goal_achieved"),
                Some(GoalStatus::Dropped) => t("timeline.goal_dropped"),
                Some(GoalStatus::Open) | None => t("timeline.goal_changed"),
            },
            Kind::GoalChanged => t("timeline.goal_changed"),
            Kind::Progress => match e.n {
                Some(n) => format!("{} · {n}/10", t("timeline.progress")),
                None => t("timeline.progress"),
            },
            Kind::Referral => format!(
                "{} · {} · {}",
                t("timeline.referral"),
                word(ReferralKind::parse(code).map(ReferralKind::label_key)),
                e.day.map(|d| self.layout.date(&d)).unwrap_or_default()
            ),
            Kind::Status => {
                let reason = e.text2.as_deref().map(|r| match EndReason::parse(r) {
                    Some(reason) => t(reason.label_key()),
                    None if r == crate::courses::REASON_COURSE_STARTED => t("timeline.course_started"),
                    None => r.to_owned(),
                });
                let mut s = format!(
                    "{} {}",
                    t("timeline.status"),
                    word(PatientStatus::parse(code).map(PatientStatus::label_key))
                );
                if let Some(r) = reason {
                    s.push_str(&format!(" ({r})"));
                }
                s
            }
            Kind::Letter => format!(
                "{} · {} {}",
                t("timeline.letter"),
                t("timeline.letter_proposes"),
                e.when_at.as_ref().map(|w| self.when(w)).unwrap_or_default()
            ),
            Kind::Move => {
                let mut s = format!(
                    "{} {} → {}",
                    t("timeline.moved"),
                    e.text1.as_deref().unwrap_or(""),
                    e.text2.as_deref().unwrap_or("")
                );
                if let Some(until) = e.day {
                    s.push_str(&format!(" ({} {})", t("move.until"), self.layout.date(&until)));
                }
                if code == crate::caseload::REASON_INITIAL_MEETING {
                    s.push_str(&format!(" · {}", t("invitation.moved_for_meeting")));
                }
                if code == crate::caseload::REASON_ABSENCE {
                    s.push_str(&format!(" · {}", t("timeline.covers_absence")));
                }
                s
            }
            Kind::MoveBack => format!(
                "{} {} → {}",
                t("timeline.moved_back"),
                e.text1.as_deref().unwrap_or(""),
                e.text2.as_deref().unwrap_or("")
            ),
            Kind::ReachLetter | Kind::ReachGp => {
                let what = if e.kind == Kind::ReachLetter {
                    t("timeline.reach_letter")
                } else {
                    t("timeline.reach_gp")
                };
                let attempts = self
                    .layout
                    .lang
                    .tf("timeline.reach_attempts", &[("n", &e.n.unwrap_or_default())]);
                format!("{what} · {attempts}")
            }
            Kind::Questionnaire => {
                let name = if self.layout.lang == crate::web::Lang::Da {
                    &e.text1
                } else {
                    &e.text2
                };
                format!(
                    "{} · {} · {} {}",
                    name.as_deref().unwrap_or(""),
                    word(Timepoint::parse(code).map(Timepoint::label_key)),
                    t("timeline.score"),
                    e.n.unwrap_or_default()
                )
            }
            Kind::Plan => t("timeline.plan"),
            Kind::MedcomSent | Kind::MedcomReceived => {
                let what = if e.kind == Kind::MedcomSent {
                    t("timeline.medcom_sent")
                } else {
                    t("timeline.medcom_received")
                };
                format!(
                    "{what} · {}",
                    word(
                        crate::domain::CareCategory::parse(code).map(crate::domain::CareCategory::label_key)
                    )
                )
            }
            Kind::Amendment | Kind::ReferralResult => String::new(),
        }
    }

    fn topics_text(&self, e: &Entry) -> String {
        let codes = e.topics.clone().unwrap_or_default();
        codes
            .iter()
            .map(|c| {
                self.topics
                    .iter()
                    .find(|t| &t.code == c)
                    .map_or_else(|| c.clone(), |t| t.label(self.layout.lang).to_owned())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The steps taken to reach the patient since a call last reached them, oldest first, so
    /// the banner says what has been done already.
    fn reach_steps(&self) -> Vec<&Entry> {
        let reached = self
            .timeline
            .iter()
            .map(|i| &i.entry)
            .find(|e| {
                e.kind == Kind::Call
                    && e.code
                        .as_deref()
                        .and_then(Outcome::parse)
                        .is_some_and(Outcome::reached)
            })
            .map(|e| e.at);
        let mut steps: Vec<&Entry> = self
            .timeline
            .iter()
            .map(|i| &i.entry)
            .filter(|e| e.kind.is_reach_step() && reached.is_none_or(|r| e.at > r))
            .collect();
        steps.reverse();
        steps
    }

    /// A goal's earlier wording, when a change reworded it.
    fn goal_before<'a>(&self, e: &'a Entry) -> Option<&'a str> {
        e.text2
            .as_deref()
            .filter(|before| Some(*before) != e.text1.as_deref())
    }

    /// A fresh key for one of the page's forms (see `web::form_key`).
    fn fresh_key(&self) -> FormKey {
        FormKey::fresh()
    }

    fn consent_key(&self, given: &bool) -> &'static str {
        if *given {
            "consent.given"
        } else {
            "consent.not_given"
        }
    }

    fn goal_status_key(&self, g: &GoalRow) -> &'static str {
        g.status.label_key()
    }
}

fn problem_key(notice: &Notice) -> Option<&'static str> {
    if notice.extension == "missing" {
        return Some("record.extension_missing");
    }
    Some(match notice.problem.as_str() {
        "goal_text" => "goal.text_missing",
        "rating" => "goal.rating_invalid",
        "progress_empty" => "goal.progress_empty",
        "referral_kind" | "referral_date" | "referral_purpose" => "referral.incomplete",
        "amendment" => "amendment.empty",
        "referral_result" => "referral.result_empty",
        "form_key" => "record.form_stale",
        "reach_no_course" => "reach.no_course",
        "too_long" => "text.too_long_text",
        _ => return None,
    })
}

/// `GET /patients/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(notice): Query<Notice>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewRecord).await?;
    let db = &state.db;
    let record = sqlx::query_as!(
        Record,
        r#"select p.id, c.name as centre_name, p.cpr, p.first_name, p.last_name,
                  p.birth_date, p.sex as "sex: Sex", p.address, p.postal_code, p.city, p.phone, p.mobile,
                  p.municipality, p.gp, p.diagnoses, p.risk_score, p.status as "status: PatientStatus",
                  u.name as "nurse?", p.batch_id, p.preferred_call_times
             from patients p
             join centres c on c.id = p.centre_id
             left join users u on u.id = p.nurse_id
            where p.id = $1"#,
        id
    )
    .fetch_one(db)
    .await?;
    let upcoming = sqlx::query_as!(
        Upcoming,
        "select id, starts_at from appointments
          where patient_id = $1 and status = 'scheduled' order by starts_at",
        id
    )
    .fetch_all(db)
    .await?;
    let goals = sqlx::query_as!(
        GoalRow,
        r#"select g.id, g.text, g.status as "status: GoalStatus",
                  (select gp.rating from goal_progress gp where gp.goal_id = g.id and gp.rating is not null
                    order by gp.at desc limit 1) as rating
             from goals g where g.patient_id = $1 order by g.status = 'open' desc, g.created_at"#,
        id
    )
    .fetch_all(db)
    .await?;
    let nets = crate::safety::of_patient(db, page.now(), id).await?;
    let unreachable = nets
        .iter()
        .any(|(net, _)| *net == crate::safety::Net::FailedAttempts);
    let course = latest_course(db, id).await?;
    let consents = match &course {
        Some(c) => crate::courses::consent::as_of(db, c.id, page.today()).await?,
        None => Vec::new(),
    };
    // The timeline's three reads share one connection, given back before anything else asks
    // the pool: a connection held while waiting for another deadlocks a full pool.
    let timeline = {
        let mut conn = db.acquire().await?;
        timeline::of_patient(&mut conn, id, page.now()).await?
    };
    render(&RecordPage {
        course,
        consents,
        today: page.today(),
        contacts: contacts::of_patient(db, id).await?,
        upcoming,
        goals,
        timeline,
        topics: all_topics(db).await?,
        unreachable,
        nets,
        may_write: matches!(page.user.role, Role::Nurse | Role::Coordinator),
        may_log_calls: page.user.role.logs_calls(),
        problem: problem_key(&notice),
        kinds: ReferralKind::ALL,
        organisations: crate::messaging::directory::of_patient(db, id).await?,
        messages: crate::messaging::outbox::listed(db, Some(id), 50).await?,
        layout: page.layout,
        p: record,
    })
}
