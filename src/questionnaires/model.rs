//! Instruments as stored: items, the answer scale and the scoring rule; and the scoring itself.

use crate::web::Lang;

pub use crate::domain::{Scoring, Timepoint};

/// One question.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: i64,
    pub position: i32,
    pub text_da: String,
    pub text_en: String,
    pub reversed: bool,
}

/// One answer on the scale.
#[derive(Clone, Debug)]
pub struct ScaleOption {
    pub value: i32,
    pub label_da: String,
    pub label_en: String,
}

/// An instrument with everything needed to ask it and score it.
#[derive(Clone, Debug)]
pub struct Instrument {
    pub id: i64,
    pub code: String,
    pub name_da: String,
    pub name_en: String,
    pub intro_da: String,
    pub intro_en: String,
    pub reference: String,
    pub scoring: Scoring,
    pub score_factor: f64,
    pub score_label_da: String,
    pub score_label_en: String,
    pub higher_is_better: bool,
    /// The course timepoints it is asked at; empty: at every one.
    pub asked_at: Vec<Timepoint>,
    pub items: Vec<Item>,
    pub options: Vec<ScaleOption>,
}

/// Why answers could not be scored.
#[derive(Debug, PartialEq, Eq)]
pub enum ScoreError {
    /// These items have no answer (or one not on the scale).
    Unanswered(Vec<i64>),
}

fn pick<'a>(lang: Lang, da: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Da => da,
        Lang::En => en,
    }
}

impl Item {
    pub fn text(&self, lang: Lang) -> &str {
        pick(lang, &self.text_da, &self.text_en)
    }
}

impl ScaleOption {
    pub fn label(&self, lang: Lang) -> &str {
        pick(lang, &self.label_da, &self.label_en)
    }
}

impl Instrument {
    /// Whether it is asked at `timepoint`.
    pub fn asked_at(&self, timepoint: Timepoint) -> bool {
        self.asked_at.is_empty() || self.asked_at.contains(&timepoint)
    }

    pub fn name(&self, lang: Lang) -> &str {
        pick(lang, &self.name_da, &self.name_en)
    }

    pub fn intro(&self, lang: Lang) -> &str {
        pick(lang, &self.intro_da, &self.intro_en)
    }

    pub fn score_label(&self, lang: Lang) -> &str {
        pick(lang, &self.score_label_da, &self.score_label_en)
    }

    fn scale_bounds(&self) -> (i32, i32) {
        let min = self.options.iter().map(|o| o.value).min().unwrap_or(0);
        let max = self.options.iter().map(|o| o.value).max().unwrap_or(0);
        (min, max)
    }

    fn scored(&self, raw: f64) -> f64 {
        let score = if self.scoring == Scoring::Mean && !self.items.is_empty() {
            raw / self.items.len() as f64 * self.score_factor
        } else {
            raw * self.score_factor
        };
        (score * 100.0).round() / 100.0
    }

    /// The lowest and highest score the instrument can give.
    pub fn score_range(&self) -> (f64, f64) {
        let (min, max) = self.scale_bounds();
        let n = self.items.len() as f64;
        (self.scored(f64::from(min) * n), self.scored(f64::from(max) * n))
    }

    /// Raw score and score from `answers` (item id, value): every item answered on the scale.
    /// Reversed items count from the other end of the scale.
    pub fn score(&self, answers: &[(i64, i32)]) -> Result<(f64, f64), ScoreError> {
        let (min, max) = self.scale_bounds();
        let mut raw = 0;
        let mut missing = Vec::new();
        for item in &self.items {
            let value = answers
                .iter()
                .find(|(id, _)| *id == item.id)
                .map(|(_, v)| *v)
                .filter(|v| self.options.iter().any(|o| o.value == *v));
            match value {
                Some(v) if item.reversed => raw += min + max - v,
                Some(v) => raw += v,
                None => missing.push(item.id),
            }
        }
        if !missing.is_empty() {
            return Err(ScoreError::Unanswered(missing));
        }
        Ok((f64::from(raw), self.scored(f64::from(raw))))
    }
}

/// Every instrument (active ones only when `only_active`), with items and scale, in order.
pub async fn instruments(db: &sqlx::PgPool, only_active: bool) -> Result<Vec<Instrument>, sqlx::Error> {
    let heads = sqlx::query!(
        r#"select id, code, name_da, name_en, intro_da, intro_en, reference, scale_id, scoring as "scoring: Scoring",
                  score_factor::float8 as "score_factor!", score_label_da, score_label_en, higher_is_better,
                  coalesce(asked_at, '{}') as "asked_at!"
             from instruments where active or not $1 order by position, id"#,
        only_active
    )
    .fetch_all(db)
    .await?;
    let mut all = Vec::with_capacity(heads.len());
    for h in heads {
        let items = sqlx::query_as!(
            Item,
            "select id, position, text_da, text_en, reversed from instrument_items
              where instrument_id = $1 order by position",
            h.id
        )
        .fetch_all(db)
        .await?;
        let options = sqlx::query_as!(
            ScaleOption,
            "select value, label_da, label_en from scale_options where scale_id = $1 order by position",
            h.scale_id
        )
        .fetch_all(db)
        .await?;
        all.push(Instrument {
            id: h.id,
            code: h.code,
            name_da: h.name_da,
            name_en: h.name_en,
            intro_da: h.intro_da,
            intro_en: h.intro_en,
            reference: h.reference,
            scoring: h.scoring,
            score_factor: h.score_factor,
            score_label_da: h.score_label_da,
            score_label_en: h.score_label_en,
            higher_is_better: h.higher_is_better,
            asked_at: h.asked_at.iter().filter_map(|t| Timepoint::parse(t)).collect(),
            items,
            options,
        });
    }
    Ok(all)
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// WHO-5 as published: five items, 0 (at no time) to 5 (all of the time).
    pub fn who5() -> Instrument {
        Instrument {
            id: 1,
            code: "who5".into(),
            name_da: String::new(),
            name_en: String::new(),
            intro_da: String::new(),
            intro_en: String::new(),
            reference: String::new(),
            scoring: Scoring::Sum,
            score_factor: 4.0,
            score_label_da: String::new(),
            score_label_en: String::new(),
            higher_is_better: true,
            asked_at: Vec::new(),
            items: (1..=5)
                .map(|i| Item {
                    id: i,
                    position: i32::try_from(i).unwrap(),
                    text_da: String::new(),
                    text_en: String::new(),
                    reversed: false,
                })
                .collect(),
            options: (0..=5)
                .map(|v| ScaleOption {
                    value: v,
                    label_da: String::new(),
                    label_en: String::new(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::who5;
    use super::*;

    fn answers(values: [i32; 5]) -> Vec<(i64, i32)> {
        (1..=5).zip(values).collect()
    }

    #[test]
    fn who5_is_scored_as_published_raw_0_to_25_and_percentage_raw_times_4() {
        let w = who5();
        assert_eq!(w.score(&answers([5, 5, 5, 5, 5])), Ok((25.0, 100.0)));
        assert_eq!(w.score(&answers([0, 0, 0, 0, 0])), Ok((0.0, 0.0)));
        assert_eq!(w.score(&answers([3, 2, 4, 1, 3])), Ok((13.0, 52.0)));
        // The published cut-off for poor well-being: a raw score below 13 (below 50 %).
        assert_eq!(w.score(&answers([2, 2, 2, 3, 3])), Ok((12.0, 48.0)));
        assert_eq!(w.score_range(), (0.0, 100.0));
    }

    #[test]
    fn an_unanswered_or_off_scale_item_is_not_scored() {
        let w = who5();
        assert_eq!(
            w.score(&[(1, 3), (2, 3), (3, 6), (4, 3)]),
            Err(ScoreError::Unanswered(vec![3, 5]))
        );
    }

    #[test]
    fn reversed_items_and_mean_scoring() {
        let mut w = who5();
        w.items[0].reversed = true;
        w.scoring = Scoring::Mean;
        w.score_factor = 1.0;
        // Item 1 answered 5 counts as 0: (0 + 1 + 2 + 3 + 4) / 5 = 2.
        assert_eq!(w.score(&answers([5, 1, 2, 3, 4])), Ok((10.0, 2.0)));
    }
}
