//! What other pages show of questionnaires: the ones due on a nurse's Today, and the scores on
//! a patient's timeline.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::Timepoint;
use crate::web::Lang;

/// A questionnaire a nurse should ask at the next call.
#[derive(Clone, Debug)]
pub struct DueQuestionnaire {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub course_id: i64,
    /// `start`, `month3` or `end`.
    pub timepoint: Timepoint,
    /// From when it is due: the course's start, three months in, two weeks before the planned end
    /// (or at once when the ending is being planned).
    pub due_on: NaiveDate,
}

impl DueQuestionnaire {
    /// The catalogue key of the timepoint's name.
    pub fn timepoint_key(&self) -> &'static str {
        self.timepoint.label_key()
    }

    /// Where the nurse enters the answers.
    pub fn href(&self) -> String {
        format!(
            "/patients/{}/questionnaires?timepoint={}",
            self.patient_id, self.timepoint
        )
    }
}

/// The questionnaires due for nurse `nurse_id`'s open courses: for each course the latest
/// timepoint already reached, when some active instrument asked at it has no answer for it yet. Control
/// people never appear (they have no course; the predicate keeps it so). `today` is the nurse's
/// day by the application's clock (not the database server's day).
pub async fn due_for_nurse(
    db: impl sqlx::PgExecutor<'_>,
    nurse_id: i64,
    today: chrono::NaiveDate,
) -> Result<Vec<DueQuestionnaire>, sqlx::Error> {
    sqlx::query_as!(
        DueQuestionnaire,
        r#"select p.id as patient_id, p.first_name, p.last_name, k.id as course_id,
                  t.timepoint as "timepoint!: Timepoint", t.due_on as "due_on!"
             from courses k
             join patients p on p.id = k.patient_id
             cross join lateral (
                 select v.tp as timepoint, v.d as due_on
                   from (values ('start', k.start_date, 1),
                                ('month3', (k.start_date + interval '3 months')::date, 2),
                                ('end', case when k.ending_planned then least(k.planned_end - 14, $2)
                                             else k.planned_end - 14 end, 3)) as v(tp, d, n)
                  where v.d <= $2
                  order by v.d desc, v.n desc limit 1) t
            where k.nurse_id = $1 and k.end_date is null
              and p.arm is distinct from 'control'
              and exists (select 1 from instruments i
                           where i.active and (i.asked_at is null or t.timepoint = any(i.asked_at))
                             and not exists (select 1 from questionnaire_responses r
                                              where r.course_id = k.id and r.instrument_id = i.id
                                                and r.timepoint = t.timepoint))
            order by t.due_on, p.last_name, p.first_name"#,
        nurse_id,
        today
    )
    .fetch_all(db)
    .await
}

/// A questionnaire answered, as the record's timeline shows it.
#[derive(Clone, Debug)]
pub struct QuestionnaireEvent {
    pub response_id: i64,
    /// The course, or none for an answer at a study follow-up.
    pub course_id: Option<i64>,
    /// The day it was answered (the timeline's date).
    pub answered_on: NaiveDate,
    /// When it was entered.
    pub created_at: DateTime<Utc>,
    pub instrument_code: String,
    pub name_da: String,
    pub name_en: String,
    /// `start`, `month3`, `end` or `other`.
    pub timepoint: Timepoint,
    pub raw_score: f64,
    pub score: f64,
    pub recorded_by: Option<String>,
    /// A later response corrects this one (which stays, and no longer counts).
    pub corrected: bool,
}

impl QuestionnaireEvent {
    /// The instrument's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.name_da,
            Lang::En => &self.name_en,
        }
    }

    /// The catalogue key of the timepoint's name.
    pub fn timepoint_key(&self) -> &'static str {
        self.timepoint.label_key()
    }

    /// One line for the timeline, e.g. `WHO-5 Trivselsindeks (forløbets start): 52 (rå 13)`.
    pub fn summary(&self, lang: Lang) -> String {
        lang.tf(
            "questionnaires.summary",
            &[
                ("name", &self.name(lang)),
                ("timepoint", &lang.t(self.timepoint_key())),
                (
                    "score",
                    &lang.decimal(self.score, if self.score.fract() == 0.0 { 0 } else { 1 }),
                ),
                ("raw", &lang.decimal(self.raw_score, 0)),
            ],
        )
    }
}

/// Every questionnaire answered by patient `patient_id`, newest first. Callers check the centre
/// and write the access log (the record page does both).
pub async fn timeline_events(
    db: impl sqlx::PgExecutor<'_>,
    patient_id: i64,
) -> Result<Vec<QuestionnaireEvent>, sqlx::Error> {
    sqlx::query_as!(
        QuestionnaireEvent,
        r#"select r.id as response_id, r.course_id, r.answered_on, r.created_at, i.code as instrument_code,
                  i.name_da, i.name_en, r.timepoint as "timepoint: Timepoint", r.raw_score::float8 as "raw_score!",
                  r.score::float8 as "score!", u.name as "recorded_by?",
                  exists (select 1 from questionnaire_responses c where c.amends = r.id) as "corrected!"
             from questionnaire_responses r
             join instruments i on i.id = r.instrument_id
             left join users u on u.id = r.recorded_by
            where r.patient_id = $1
            order by r.answered_on desc, r.id desc"#,
        patient_id
    )
    .fetch_all(db)
    .await
}
