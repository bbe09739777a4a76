//! Outcomes by arm over time: per study follow-up point and arm, how many were due and
//! answered, the mean score with its 95% interval, and the difference between the arms of the
//! change from baseline with Welch's interval. The scores come from the database's
//! `study_scores()`, the one definition of which answer counts for which point; the figures
//! are computed here, once, for the page and its chart. Groups under five are suppressed.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::stats::{mean_ci, welch, Estimate};
use crate::domain::Arm;
use crate::web::Lang;

/// The trial's outcome measures, in the order the page shows them.
pub const MEASURES: [&str; 2] = ["who5", "self_rated_health"];

/// Groups smaller than this show no figures.
pub const SMALLEST: i64 = 5;

/// One arm at one follow-up point.
#[derive(Clone, Debug, Default)]
pub struct ArmPoint {
    /// People whose point's window has opened.
    pub due: i64,
    /// Of them, people with a score.
    pub answered: i64,
    /// Mean score with its interval, when at least [`SMALLEST`] answered.
    pub mean: Option<Estimate>,
}

/// A follow-up point: intervention first, then control.
#[derive(Clone, Debug)]
pub struct Point {
    pub code: String,
    pub label: String,
    pub arms: [ArmPoint; 2],
}

/// The change from baseline to a later point, per arm, and its difference between the arms.
#[derive(Clone, Debug)]
pub struct Change {
    pub code: String,
    pub label: String,
    /// People with a score at baseline and at the point, per arm.
    pub n: [i64; 2],
    pub change: [Option<Estimate>; 2],
    /// Intervention minus control, when both arms have at least [`SMALLEST`] people.
    pub difference: Option<Estimate>,
}

/// One instrument's outcomes.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub code: String,
    pub name: String,
    pub score_label: String,
    pub higher_is_better: bool,
    /// The score's possible range, for the chart's axis.
    pub min: f64,
    pub max: f64,
    pub points: Vec<Point>,
    pub changes: Vec<Change>,
    /// The name of the first point (baseline).
    pub baseline: String,
}

impl Outcome {
    /// Decimals shown: one on a wide scale (WHO-5, 0-100), two on a narrow one (1-5).
    pub fn decimals(&self) -> usize {
        if self.max - self.min > 10.0 {
            1
        } else {
            2
        }
    }
}

/// The arm's index in [`Point::arms`].
pub fn arm_index(arm: Arm) -> usize {
    match arm {
        Arm::Intervention => 0,
        Arm::Control => 1,
    }
}

/// Of one instrument, point and arm: people due, and the scores by person.
type Cell = (i64, HashMap<i64, f64>);

fn estimate(values: &[f64]) -> Option<Estimate> {
    if (values.len() as i64) < SMALLEST {
        None
    } else {
        mean_ci(values)
    }
}

/// The outcomes of the randomised people of `centres` as of `asof`.
pub async fn outcomes(
    db: &sqlx::PgPool,
    centres: &[i64],
    asof: NaiveDate,
    lang: Lang,
) -> Result<Vec<Outcome>, sqlx::Error> {
    let measures: Vec<String> = MEASURES.iter().map(|m| (*m).to_owned()).collect();
    let instruments = sqlx::query!(
        r#"select i.code, i.name_da, i.name_en, i.score_label_da, i.score_label_en, i.higher_is_better,
                  (case i.scoring when 'mean' then 1 else (select count(*) from instrument_items t where t.instrument_id = i.id) end
                   * i.score_factor)::float8 as "span!",
                  (select min(o.value) from scale_options o where o.scale_id = i.scale_id)::float8 as "low!",
                  (select max(o.value) from scale_options o where o.scale_id = i.scale_id)::float8 as "high!"
             from instruments i where i.code = any($1) order by i.position"#,
        &measures
    )
    .fetch_all(db)
    .await?;
    let timepoints =
        sqlx::query!("select code, label_da, label_en from study_timepoints where active order by position")
            .fetch_all(db)
            .await?;
    let scores = sqlx::query!(
        r#"select instrument as "instrument!", timepoint as "timepoint!", arm as "arm!: Arm",
                  patient_id as "patient_id!", opened as "opened!", score::float8 as score
             from study_scores($1, $2) where instrument = any($3)"#,
        centres,
        asof,
        &measures
    )
    .fetch_all(db)
    .await?;

    // (instrument, timepoint, arm) -> (due, scores by person)
    let mut cells: HashMap<(String, String, usize), Cell> = HashMap::new();
    for s in &scores {
        let cell = cells
            .entry((s.instrument.clone(), s.timepoint.clone(), arm_index(s.arm)))
            .or_default();
        if s.opened {
            cell.0 += 1;
        }
        if let Some(score) = s.score {
            cell.1.insert(s.patient_id, score);
        }
    }
    let empty = (0, HashMap::new());
    let label = |da: &str, en: &str| match lang {
        Lang::Da => da.to_owned(),
        Lang::En => en.to_owned(),
    };
    let mut result = Vec::new();
    for i in instruments {
        let cell = |t: &str, arm: usize| cells.get(&(i.code.clone(), t.to_owned(), arm)).unwrap_or(&empty);
        let points: Vec<Point> = timepoints
            .iter()
            .map(|t| Point {
                code: t.code.clone(),
                label: label(&t.label_da, &t.label_en),
                arms: [0, 1].map(|arm| {
                    let (due, by_person) = cell(&t.code, arm);
                    let values: Vec<f64> = by_person.values().copied().collect();
                    ArmPoint {
                        due: *due,
                        answered: values.len() as i64,
                        mean: estimate(&values),
                    }
                }),
            })
            .collect();
        let mut changes = Vec::new();
        if let Some((base, later)) = timepoints.split_first() {
            for t in later {
                let deltas = [0, 1].map(|arm| {
                    let before = &cell(&base.code, arm).1;
                    let mut d: Vec<(i64, f64)> = cell(&t.code, arm)
                        .1
                        .iter()
                        .filter_map(|(p, after)| before.get(p).map(|b| (*p, after - b)))
                        .collect();
                    d.sort_by_key(|(p, _)| *p);
                    d.into_iter().map(|(_, x)| x).collect::<Vec<f64>>()
                });
                let n = [deltas[0].len() as i64, deltas[1].len() as i64];
                let difference = if n.iter().all(|n| *n >= SMALLEST) {
                    welch(&deltas[0], &deltas[1])
                } else {
                    None
                };
                changes.push(Change {
                    code: t.code.clone(),
                    label: label(&t.label_da, &t.label_en),
                    n,
                    change: [estimate(&deltas[0]), estimate(&deltas[1])],
                    difference,
                });
            }
        }
        result.push(Outcome {
            baseline: timepoints
                .first()
                .map(|t| label(&t.label_da, &t.label_en))
                .unwrap_or_default(),
            code: i.code,
            name: label(&i.name_da, &i.name_en),
            score_label: label(&i.score_label_da, &i.score_label_en),
            higher_is_better: i.higher_is_better,
            min: i.low * i.span,
            max: i.high * i.span,
            points,
            changes,
        });
    }
    Ok(result)
}
