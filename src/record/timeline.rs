//! The timeline of a patient's whole course, newest first, read in one query: calls with their
//! notes (and amendments beneath), missed, moved and cancelled appointments, goals (every
//! version) and their progress, referrals (results beneath), status changes, printed plans,
//! invitation letters, moves between nurses and the steps taken to reach the patient, each
//! with who and when; questionnaire answers are merged in from their module.

use chrono::{DateTime, NaiveDate, Utc};

/// What kind of thing happened. The SQL below names each with the same code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Kind {
    Call,
    Amendment,
    Appointment,
    Goal,
    GoalClosed,
    GoalChanged,
    Progress,
    Referral,
    ReferralResult,
    ReachLetter,
    ReachGp,
    Status,
    Plan,
    Letter,
    Move,
    MoveBack,
    Questionnaire,
    MedcomSent,
    MedcomReceived,
}

impl Kind {
    /// The code, also the entry's class on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Amendment => "amendment",
            Kind::Appointment => "appointment",
            Kind::Goal => "goal",
            Kind::GoalClosed => "goal_closed",
            Kind::GoalChanged => "goal_changed",
            Kind::Progress => "progress",
            Kind::Referral => "referral",
            Kind::ReferralResult => "referral_result",
            Kind::ReachLetter => "reach_letter",
            Kind::ReachGp => "reach_gp",
            Kind::Status => "status",
            Kind::Plan => "plan",
            Kind::Letter => "letter",
            Kind::Move => "move",
            Kind::MoveBack => "move_back",
            Kind::Questionnaire => "questionnaire",
            Kind::MedcomSent => "medcom_sent",
            Kind::MedcomReceived => "medcom_received",
        }
    }

    /// Whether the entry is written beneath another (a call's amendment, a referral's result),
    /// and under which kind.
    pub fn beneath(self) -> Option<Kind> {
        match self {
            Kind::Amendment => Some(Kind::Call),
            Kind::ReferralResult => Some(Kind::Referral),
            Kind::Call
            | Kind::Appointment
            | Kind::Goal
            | Kind::GoalClosed
            | Kind::GoalChanged
            | Kind::Progress
            | Kind::Referral
            | Kind::ReachLetter
            | Kind::ReachGp
            | Kind::Status
            | Kind::Plan
            | Kind::Letter
            | Kind::Move
            | Kind::MoveBack
            | Kind::Questionnaire
            | Kind::MedcomSent
            | Kind::MedcomReceived => None,
        }
    }

    /// A step taken to reach the patient.
    pub fn is_reach_step(self) -> bool {
        matches!(self, Kind::ReachLetter | Kind::ReachGp)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened, as read. `code` is the kind's own word: a call's outcome, an
/// appointment's or goal's or patient's status, a referral's kind, a questionnaire's time point.
#[derive(Clone, Debug)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub who: Option<String>,
    pub id: i64,
    pub ref_id: Option<i64>,
    pub when_at: Option<DateTime<Utc>>,
    pub day: Option<NaiveDate>,
    pub code: Option<String>,
    pub text1: Option<String>,
    pub text2: Option<String>,
    pub n: Option<i32>,
    pub topics: Option<Vec<String>>,
}

/// An amendment under its call.
#[derive(Clone, Debug)]
pub struct Amendment {
    pub at: DateTime<Utc>,
    pub who: String,
    pub text: String,
}

/// A timeline entry with what was added beneath it: a call's amendments, a referral's results.
pub struct Item {
    pub entry: Entry,
    pub amendments: Vec<Amendment>,
}

/// The whole timeline of a patient, newest first.
pub async fn of_patient(
    db: &mut sqlx::PgConnection,
    patient_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Entry,
        r#"select at as "at!", kind as "kind!: Kind", who, id as "id!", ref_id, when_at, day, code, text1, text2, n, topics
             from (
               select c.called_at as at, 'call' as kind, u.name as who, c.id, null::bigint as ref_id,
                      null::timestamptz as when_at, null::date as day, c.outcome as code, c.note as text1,
                      null::text as text2, c.duration_minutes as n, c.topics
                 from calls c join users u on u.id = c.nurse_id where c.patient_id = $1
               union all
               select am.created_at, 'amendment', u.name, am.id, am.call_id, null, null, null, am.text, null, null, null
                 from call_amendments am join calls c on c.id = am.call_id join users u on u.id = am.author_id
                where c.patient_id = $1
               union all
               select a.starts_at, 'appointment', u.name, a.id, a.moved_to, m.starts_at, null, a.status, null, null, null, null
                 from appointments a left join users u on u.id = a.created_by
                 left join appointments m on m.id = a.moved_to
                where a.patient_id = $1
                  and (a.status in ('cancelled', 'moved') or (a.status = 'scheduled' and a.starts_at < $2))
               union all
               select gc.at,
                      case when gc.before_status is null then 'goal'
                           when gc.status is distinct from gc.before_status then 'goal_closed'
                           else 'goal_changed' end,
                      u.name, gc.id, gc.goal_id, null, null, gc.status, gc.text, gc.before_text, null, null
                 from (select c.*, lag(c.status) over w as before_status, lag(c.text) over w as before_text
                         from goal_changes c join goals g on g.id = c.goal_id
                        where g.patient_id = $1
                       window w as (partition by c.goal_id order by c.at, c.id)) gc
                 left join users u on u.id = gc.changed_by
               union all
               select gp.at, 'progress', u.name, gp.id, gp.goal_id, null, null, null, gp.comment, g.text, gp.rating, null
                 from goal_progress gp join goals g on g.id = gp.goal_id left join users u on u.id = gp.recorded_by
                where g.patient_id = $1
               union all
               select r.created_at, 'referral', u.name, r.id, null, null, r.on_date, r.kind, r.purpose, null, null, null
                 from referrals r left join users u on u.id = r.created_by where r.patient_id = $1
               union all
               select rr.recorded_at, 'referral_result', u.name, rr.id, rr.referral_id, null, null, null, rr.result, null,
                      null, null
                 from referral_results rr join referrals r on r.id = rr.referral_id
                 left join users u on u.id = rr.recorded_by
                where r.patient_id = $1
               union all
               select rs.recorded_at, 'reach_' || rs.step, u.name, rs.id, null, null, null, rs.step, null, null,
                      rs.failed_attempts, null
                 from reachability_steps rs join users u on u.id = rs.recorded_by where rs.patient_id = $1
               union all
               select s.at, 'status', u.name, s.id, null, null, null, s.to_status, s.from_status, s.reason, null, null
                 from status_changes s left join users u on u.id = s.changed_by where s.patient_id = $1
               union all
               select pp.printed_at, 'plan', u.name, pp.id, null, null, null, null, null, null, null, null
                 from plan_prints pp join users u on u.id = pp.printed_by where pp.patient_id = $1
               union all
               select l.produced_at, 'letter', u.name, l.id, l.run_id, l.proposed_at, null, null, l.place, null, null, null
                 from letters l join letter_runs r on r.id = l.run_id left join users u on u.id = r.produced_by
                where l.patient_id = $1
               union all
               select m.moved_at, 'move', u.name, m.id, null, m.returned_at, m.until, m.reason, f.name, t.name, null, null
                 from caseload_moves m join users f on f.id = m.from_nurse_id join users t on t.id = m.to_nurse_id
                 left join users u on u.id = m.moved_by
                where m.patient_id = $1
               union all
               select m.returned_at, 'move_back', null, m.id, null, null, m.until, m.reason, t.name, f.name, null, null
                 from caseload_moves m join users f on f.id = m.from_nurse_id join users t on t.id = m.to_nurse_id
                where m.patient_id = $1 and m.returned_at is not null
             ) t
            order by at desc, id desc"#,
        patient_id,
        at
    )
    .fetch_all(&mut *db)
    .await?;
    let (amendments, mut entries): (Vec<Entry>, Vec<Entry>) =
        rows.into_iter().partition(|e| e.kind.beneath().is_some());
    entries.extend(
        crate::questionnaires::timeline_events(&mut *db, patient_id)
            .await?
            .into_iter()
            .map(questionnaire_entry),
    );
    entries.extend(
        crate::messaging::correspondence::timeline_events(&mut *db, patient_id)
            .await?
            .into_iter()
            .map(medcom_entry),
    );
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    Ok(entries
        .into_iter()
        .map(|entry| {
            let mut own: Vec<Amendment> = amendments
                .iter()
                .filter(|a| a.ref_id == Some(entry.id) && a.kind.beneath() == Some(entry.kind))
                .map(|a| Amendment {
                    at: a.at,
                    who: a.who.clone().unwrap_or_default(),
                    text: a.text1.clone().unwrap_or_default(),
                })
                .collect();
            own.reverse();
            Item {
                entry,
                amendments: own,
            }
        })
        .collect())
}

/// A questionnaire answer as a timeline entry: the instrument's Danish and English names, the
/// time point, the day it was answered and the score (rounded).
fn questionnaire_entry(q: crate::questionnaires::QuestionnaireEvent) -> Entry {
    Entry {
        at: q.created_at,
        kind: Kind::Questionnaire,
        who: q.recorded_by,
        id: q.response_id,
        ref_id: q.course_id,
        when_at: None,
        day: Some(q.answered_on),
        code: Some(q.timepoint.as_str().to_owned()),
        text1: Some(q.name_da),
        text2: Some(q.name_en),
        n: Some(q.score.round() as i32),
        topics: None,
    }
}

/// A MedCom message sent or received as a timeline entry: the organisation, the category's
/// code, the topic and the text.
fn medcom_entry(m: crate::messaging::correspondence::Event) -> Entry {
    Entry {
        at: m.at,
        kind: if m.outgoing {
            Kind::MedcomSent
        } else {
            Kind::MedcomReceived
        },
        who: Some(m.author).filter(|a| !a.is_empty()),
        id: m.id,
        ref_id: None,
        when_at: None,
        day: None,
        code: Some(m.category.as_str().to_owned()),
        text1: Some(m.text),
        text2: m.topic,
        n: None,
        topics: None,
    }
}
