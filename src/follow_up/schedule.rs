//! The follow-up schedule as the database defines it (`study_schedule()`), for one person or
//! for who is due in a centre.

use chrono::NaiveDate;

use crate::domain::{Arm, FollowUpState};
use crate::web::Lang;

/// One follow-up point of one person.
#[derive(Clone, Debug)]
pub struct ScheduledPoint {
    pub timepoint: String,
    pub label_da: String,
    pub label_en: String,
    pub due_on: NaiveDate,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub state: FollowUpState,
    /// When it was answered (or the result recorded).
    pub on_date: Option<NaiveDate>,
    /// The result recorded at the point (its latest correction), if any.
    pub follow_up_id: Option<i64>,
}

impl ScheduledPoint {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.label_da,
            Lang::En => &self.label_en,
        }
    }

    /// Whether the assistant may record a result for it: its window has opened.
    pub fn open(&self) -> bool {
        match self.state {
            FollowUpState::NotYetDue => false,
            FollowUpState::Answered
            | FollowUpState::NotReached
            | FollowUpState::Declined
            | FollowUpState::Due
            | FollowUpState::Missing => true,
        }
    }
}

/// Patient `patient_id`'s follow-up points on `today`, in order.
pub async fn schedule_of(
    db: &sqlx::PgPool,
    patient_id: i64,
    today: NaiveDate,
) -> Result<Vec<ScheduledPoint>, sqlx::Error> {
    sqlx::query_as!(
        ScheduledPoint,
        r#"select s.timepoint as "timepoint!", t.label_da, t.label_en, s.due_on as "due_on!",
                  s.window_from as "window_from!", s.window_to as "window_to!",
                  s.state as "state!: FollowUpState", s.on_date, s.follow_up_id
             from study_schedule($2) s join study_timepoints t on t.code = s.timepoint
            where s.patient_id = $1
            order by s.ordinal"#,
        patient_id,
        today
    )
    .fetch_all(db)
    .await
}

/// A person due for follow-up, as the assistant's list shows them.
#[derive(Clone, Debug)]
pub struct DuePerson {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub arm: Arm,
    pub timepoint: String,
    pub label_da: String,
    pub label_en: String,
    pub due_on: NaiveDate,
    pub window_to: NaiveDate,
}

impl DuePerson {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.label_da,
            Lang::En => &self.label_en,
        }
    }
}

/// Whom the research assistant of `centre_id` should ask now: randomised people of the centre
/// whose window is open with nothing recorded, and who are in no course (a nurse asks those).
/// `arm` narrows the list to one arm.
pub async fn due_in_centre(
    db: &sqlx::PgPool,
    centre_id: i64,
    arm: Option<Arm>,
    today: NaiveDate,
) -> Result<Vec<DuePerson>, sqlx::Error> {
    sqlx::query_as!(
        DuePerson,
        r#"select p.id as patient_id, p.first_name, p.last_name, p.arm as "arm!: Arm",
                  s.timepoint as "timepoint!", t.label_da, t.label_en, s.due_on as "due_on!",
                  s.window_to as "window_to!"
             from study_schedule($2) s
             join patients p on p.id = s.patient_id
             join study_timepoints t on t.code = s.timepoint
            where p.centre_id = $1 and s.state = 'due'
              and ($3::text is null or p.arm = $3)
              and not exists (select 1 from courses k where k.patient_id = p.id and k.end_date is null)
            order by s.window_to, s.due_on, p.last_name, p.first_name"#,
        centre_id,
        today,
        arm.map(Arm::as_str)
    )
    .fetch_all(db)
    .await
}
