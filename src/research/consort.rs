//! The trial's flow (CONSORT) as the research page shows it: the database's `consort()` per
//! call centre and in total, counts under five shown as "<5" so no small group can be singled
//! out. The export's consort.csv holds the same rows with exact counts.

use chrono::NaiveDate;

use crate::domain::{Arm, EndReason, FollowUpState, PatientStatus};
use crate::web::Lang;

/// One row of the flow: a step (with its reason or follow-up state) and the count per arm.
#[derive(Clone, Debug)]
pub struct FlowRow {
    pub step: String,
    pub timepoint: String,
    pub reason: String,
    /// Intervention, control, and for steps before randomisation everybody.
    pub intervention: i64,
    pub control: i64,
    pub total: i64,
}

impl FlowRow {
    /// The catalogue key of the step's name.
    pub fn step_key(&self) -> &'static str {
        match self.step.as_str() {
            "assessed" => "consort.assessed",
            "not_randomised" => "consort.not_randomised",
            "randomised" => "consort.randomised",
            "received" => "consort.received",
            "not_received" => "consort.not_received",
            "ended" => "consort.ended",
            _ => "consort.follow_up",
        }
    }

    /// The catalogue key of the reason or state, if the row has one.
    pub fn reason_key(&self) -> Option<&'static str> {
        match self.step.as_str() {
            "not_received" => PatientStatus::parse(&self.reason).map(PatientStatus::label_key),
            "ended" => EndReason::parse(&self.reason).map(EndReason::label_key),
            "follow_up" => FollowUpState::parse(&self.reason).map(FollowUpState::label_key),
            _ => None,
        }
    }
}

/// The flow of one centre (or of all, `code` empty).
#[derive(Clone, Debug)]
pub struct CentreFlow {
    pub code: String,
    pub rows: Vec<FlowRow>,
}

/// A count as the page shows it: under five (but not none) suppressed.
pub fn shown(n: i64) -> String {
    if (1..5).contains(&n) {
        "<5".to_owned()
    } else {
        n.to_string()
    }
}

/// The flow of `centres` on `asof`: all of them together first, then each centre.
pub async fn flow(
    db: &sqlx::PgPool,
    centres: &[i64],
    asof: NaiveDate,
) -> Result<Vec<CentreFlow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select centre as "centre!", step as "step!", arm as "arm!", timepoint as "timepoint!",
                  reason as "reason!", n as "n!"
             from consort($1, $2)"#,
        centres,
        asof
    )
    .fetch_all(db)
    .await?;
    let mut flows: Vec<CentreFlow> = Vec::new();
    for r in rows {
        if flows.last().is_none_or(|f| f.code != r.centre) {
            flows.push(CentreFlow {
                code: r.centre.clone(),
                rows: Vec::new(),
            });
        }
        let flow = flows.last_mut().expect("pushed above");
        let same =
            |row: &FlowRow| row.step == r.step && row.timepoint == r.timepoint && row.reason == r.reason;
        if !flow.rows.last().is_some_and(same) {
            flow.rows.push(FlowRow {
                step: r.step.clone(),
                timepoint: r.timepoint.clone(),
                reason: r.reason.clone(),
                intervention: 0,
                control: 0,
                total: 0,
            });
        }
        let row = flow.rows.last_mut().expect("pushed above");
        match Arm::parse(&r.arm) {
            Some(Arm::Intervention) => row.intervention += r.n,
            Some(Arm::Control) => row.control += r.n,
            None => {}
        }
        row.total += r.n;
    }
    Ok(flows)
}

/// The follow-up points' names, by code.
pub async fn timepoint_names(db: &sqlx::PgPool, lang: Lang) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!("select code, label_da, label_en from study_timepoints order by position")
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let label = match lang {
                Lang::Da => r.label_da,
                Lang::En => r.label_en,
            };
            (r.code, label)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn counts_under_five_are_suppressed_but_none_is_shown() {
        assert_eq!(shown(0), "0");
        assert_eq!(shown(1), "<5");
        assert_eq!(shown(4), "<5");
        assert_eq!(shown(5), "5");
    }
}
