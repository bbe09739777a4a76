//! The course's trend for one instrument, drawn on the server as SVG coordinates (no script,
//! no inline style: the template draws with classes).

use chrono::NaiveDate;

use super::model::Instrument;
use crate::web::Lang;

/// Plot area in SVG units.
pub const WIDTH: f64 = 520.0;
pub const HEIGHT: f64 = 180.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A point of the plot with its label (shown as the point's `<title>`).
pub struct Dot {
    pub x: String,
    pub y: String,
    pub label: String,
}

/// A drawn trend.
pub struct Trend {
    pub title: String,
    pub hint: String,
    /// The `points` attribute of the polyline.
    pub points: String,
    pub dots: Vec<Dot>,
    pub y_top: String,
    pub y_bottom: String,
    pub x_start: String,
    pub x_end: String,
}

impl Trend {
    /// Coordinates of the axes, for the template.
    pub fn x0(&self) -> String {
        fmt(LEFT)
    }
    pub fn x1(&self) -> String {
        fmt(WIDTH - RIGHT)
    }
    pub fn y0(&self) -> String {
        fmt(TOP)
    }
    pub fn y1(&self) -> String {
        fmt(HEIGHT - BOTTOM)
    }
    pub fn label_y(&self) -> String {
        fmt(HEIGHT - 8.0)
    }
    pub fn view_box(&self) -> String {
        format!("0 0 {WIDTH} {HEIGHT}")
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// Draws `scores` (date, score; oldest first) over the course from `start` to `end`.
pub fn draw(
    instrument: &Instrument,
    scores: &[(NaiveDate, f64)],
    start: NaiveDate,
    end: NaiveDate,
    lang: Lang,
) -> Trend {
    let (low, high) = instrument.score_range();
    let last = scores.iter().map(|(d, _)| *d).max().unwrap_or(end);
    let first = scores.iter().map(|(d, _)| *d).min().unwrap_or(start).min(start);
    let end = end.max(last);
    let days = ((end - first).num_days() as f64).max(1.0);
    let span = (high - low).max(f64::EPSILON);
    let x = |d: NaiveDate| LEFT + (d - first).num_days() as f64 / days * (WIDTH - LEFT - RIGHT);
    let y = |s: f64| TOP + (high - s.clamp(low, high)) / span * (HEIGHT - TOP - BOTTOM);
    let number = |v: f64| lang.decimal(v, if v.fract() == 0.0 { 0 } else { 1 });
    let dots: Vec<Dot> = scores
        .iter()
        .map(|(d, s)| Dot {
            x: fmt(x(*d)),
            y: fmt(y(*s)),
            label: format!("{}: {}", lang.date(*d), number(*s)),
        })
        .collect();
    Trend {
        title: instrument.name(lang).to_owned(),
        hint: instrument.score_label(lang).to_owned(),
        points: dots
            .iter()
            .map(|d| format!("{},{}", d.x, d.y))
            .collect::<Vec<_>>()
            .join(" "),
        dots,
        y_top: number(high),
        y_bottom: number(low),
        x_start: lang.date(first),
        x_end: lang.date(end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_placed_by_date_and_value_within_the_plot() {
        let mut who5 = crate::questionnaires::model::tests_support::who5();
        who5.score_factor = 4.0;
        let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let t = draw(
            &who5,
            &[(d(1, 1), 100.0), (d(7, 1), 0.0)],
            d(1, 1),
            d(7, 1),
            Lang::En,
        );
        assert_eq!(
            t.points,
            format!("{LEFT:.1},{TOP:.1} {:.1},{:.1}", WIDTH - RIGHT, HEIGHT - BOTTOM)
        );
        assert_eq!((t.y_bottom.as_str(), t.y_top.as_str()), ("0", "100"));
    }
}
