//! The CONSORT flow drawn: boxes and arrows laid out once from a centre's flow (the database's
//! `consort()`), then drawn as SVG for the page and the download, and as PDF by
//! [`super::diagram_pdf`]. Counts under five show as "<5", as everywhere on the trial's pages.

use std::fmt::Write;

use super::chart::escape;
use super::consort::{shown, CentreFlow, FlowRow};
use crate::domain::FollowUpState;
use crate::web::Lang;

/// The drawing's width in points (SVG user units and PDF points alike).
pub const WIDTH: f32 = 760.0;
const LINE: f32 = 15.0;
const PAD: f32 = 9.0;
const GAP: f32 = 34.0;

/// A box: its place (top-left, y downwards), a heading line and further lines.
#[derive(Clone, Debug)]
pub struct Box {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub step: &'static str,
    pub lines: Vec<String>,
}

/// An arrow: a path of points; the head sits on the last point.
#[derive(Clone, Debug)]
pub struct Arrow(pub Vec<(f32, f32)>);

/// A laid-out diagram.
#[derive(Clone, Debug)]
pub struct Diagram {
    pub title: String,
    pub height: f32,
    pub boxes: Vec<Box>,
    pub arrows: Vec<Arrow>,
}

fn sized(x: f32, y: f32, w: f32, step: &'static str, lines: Vec<String>) -> Box {
    let h = 2.0 * PAD + LINE * lines.len() as f32;
    Box {
        x,
        y,
        w,
        h,
        step,
        lines,
    }
}

/// The flow's rows of `step`, summed over reasons, for arm `arm` (0 intervention, 1 control,
/// 2 all).
fn count(rows: &[FlowRow], step: &str, arm: usize) -> i64 {
    rows.iter()
        .filter(|r| r.step == step)
        .map(|r| [r.intervention, r.control, r.total][arm])
        .sum()
}

/// Lays out `flow`; `timepoints` are the follow-up points' (code, name) in order.
pub fn layout(flow: &CentreFlow, title: String, timepoints: &[(String, String)], lang: Lang) -> Diagram {
    let t = |key: &str| lang.t(key);
    let n = |v: i64| format!("n = {}", shown(v));
    let rows = &flow.rows;
    let mut boxes = Vec::new();
    let mut arrows = Vec::new();
    let (main_x, main_w) = (200.0, 360.0);
    let centre = main_x + main_w / 2.0;

    let assessed = sized(
        main_x,
        40.0,
        main_w,
        "assessed",
        vec![t("consort.assessed").to_owned(), n(count(rows, "assessed", 2))],
    );
    let side_y = assessed.y + assessed.h + GAP * 0.6;
    let not_randomised = sized(
        centre + 60.0,
        side_y,
        WIDTH - centre - 60.0 - 10.0,
        "not_randomised",
        vec![
            t("consort.not_randomised").to_owned(),
            n(count(rows, "not_randomised", 2)),
        ],
    );
    let randomised_y = not_randomised.y + not_randomised.h + GAP * 0.6;
    let randomised = sized(
        main_x,
        randomised_y,
        main_w,
        "randomised",
        vec![
            t("consort.randomised").to_owned(),
            n(count(rows, "randomised", 2)),
        ],
    );
    arrows.push(Arrow(vec![
        (centre, assessed.y + assessed.h),
        (centre, randomised.y),
    ]));
    let side_mid = not_randomised.y + not_randomised.h / 2.0;
    arrows.push(Arrow(vec![(centre, side_mid), (not_randomised.x, side_mid)]));

    // Per arm, four boxes down: allocated and received, course ended, lost, analysed.
    let column_w = 350.0;
    let columns = [20.0, WIDTH - 20.0 - column_w];
    let arm_keys = ["arm.intervention", "arm.control"];
    let mut bottoms = [0.0_f32; 2];
    let split_y = randomised.y + randomised.h + GAP / 2.0;
    let mut per_arm: Vec<Vec<Box>> = Vec::new();
    for arm in 0..2 {
        let x = columns[arm];
        let mut y = randomised.y + randomised.h + GAP;
        let mut column = Vec::new();

        let mut lines = vec![
            format!("{}: {}", t("consort.allocated"), t(arm_keys[arm])),
            n(count(rows, "randomised", arm)),
            format!(
                "{}: {}",
                t("consort.received"),
                shown(count(rows, "received", arm))
            ),
            format!(
                "{}: {}",
                t("consort.not_received"),
                shown(count(rows, "not_received", arm))
            ),
        ];
        for r in rows.iter().filter(|r| r.step == "not_received") {
            let v = [r.intervention, r.control][arm];
            if v > 0 {
                lines.push(format!("   · {}: {}", reason(r, lang), shown(v)));
            }
        }
        let b = sized(x, y, column_w, "allocated", lines);
        y += b.h + GAP;
        column.push(b);

        let mut lines = vec![format!(
            "{}: {}",
            t("consort.ended"),
            shown(count(rows, "ended", arm))
        )];
        for r in rows.iter().filter(|r| r.step == "ended") {
            let v = [r.intervention, r.control][arm];
            if v > 0 {
                lines.push(format!("   · {}: {}", reason(r, lang), shown(v)));
            }
        }
        let b = sized(x, y, column_w, "ended", lines);
        y += b.h + GAP;
        column.push(b);

        // Lost to follow-up at each point whose window has opened, with the reasons.
        let state = |code: &str, state: FollowUpState| {
            rows.iter()
                .filter(|r| r.step == "follow_up" && r.timepoint == code && r.reason == state.as_str())
                .map(|r| [r.intervention, r.control][arm])
                .sum::<i64>()
        };
        let mut lost = vec![t("consort.lost").to_owned()];
        let mut analysed = vec![t("consort.analysed").to_owned()];
        for (code, name) in timepoints {
            let reasons = [
                FollowUpState::NotReached,
                FollowUpState::Declined,
                FollowUpState::Missing,
            ];
            let total: i64 = reasons.iter().map(|r| state(code, *r)).sum();
            let answered = state(code, FollowUpState::Answered);
            if total + answered + state(code, FollowUpState::Due) == 0 {
                continue;
            }
            lost.push(format!("{name}: {}", shown(total)));
            for r in reasons {
                let v = state(code, r);
                if v > 0 {
                    lost.push(format!("   · {}: {}", t(r.label_key()), shown(v)));
                }
            }
            analysed.push(format!("{name}: {}", n(answered)));
        }
        if lost.len() == 1 {
            lost.push(t("consort.none_due").to_owned());
            analysed.push(t("consort.none_due").to_owned());
        }
        let b = sized(x, y, column_w, "lost", lost);
        y += b.h + GAP;
        column.push(b);
        let b = sized(x, y, column_w, "analysed", analysed);
        y += b.h;
        column.push(b);
        bottoms[arm] = y;
        per_arm.push(column);
    }
    // Boxes of a row level across both arms, so the arms read side by side.
    for level in 0..4 {
        let top = per_arm.iter().map(|c| c[level].y).fold(0.0, f32::max);
        let shift: Vec<f32> = per_arm.iter().map(|c| top - c[level].y).collect();
        for (arm, column) in per_arm.iter_mut().enumerate() {
            for b in column.iter_mut().skip(level) {
                b.y += shift[arm];
            }
        }
    }
    for column in &per_arm {
        let mid = column[0].x + column[0].w / 2.0;
        arrows.push(Arrow(vec![
            (centre, randomised.y + randomised.h),
            (centre, split_y),
            (mid, split_y),
            (mid, column[0].y),
        ]));
        for pair in column.windows(2) {
            arrows.push(Arrow(vec![(mid, pair[0].y + pair[0].h), (mid, pair[1].y)]));
        }
    }
    let height = per_arm
        .iter()
        .map(|c| c[3].y + c[3].h)
        .fold(bottoms[0].max(bottoms[1]), f32::max)
        + 20.0;
    boxes.extend([assessed, not_randomised, randomised]);
    boxes.extend(per_arm.into_iter().flatten());
    Diagram {
        title,
        height,
        boxes,
        arrows,
    }
}

fn reason(row: &FlowRow, lang: Lang) -> String {
    row.reason_key()
        .map_or_else(|| row.reason.clone(), |k| lang.t(k).to_owned())
}

/// The diagram as a standalone SVG document.
pub fn svg(d: &Diagram) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="consort-diagram" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" role="img" aria-label="{title}" font-family="Helvetica, Arial, sans-serif" font-size="12"><title>{title}</title><defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1d2430"/></marker></defs><rect width="{WIDTH}" height="{h}" fill="#ffffff"/><text x="20" y="24" font-size="15" font-weight="bold" fill="#1d2430">{title}</text>"##,
        h = d.height,
        title = escape(&d.title),
    );
    for a in &d.arrows {
        let points: Vec<String> = a.0.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#1d2430" stroke-width="1.2" marker-end="url(#head)"/>"##,
            points.join(" ")
        );
    }
    for b in &d.boxes {
        let _ = write!(
            s,
            r##"<g data-step="{step}"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="4" fill="#f5f7fa" stroke="#5b6575"/>"##,
            step = b.step,
            x = b.x,
            y = b.y,
            w = b.w,
            h = b.h,
        );
        for (i, line) in b.lines.iter().enumerate() {
            let _ = write!(
                s,
                r##"<text x="{x:.1}" y="{y:.1}" fill="#1d2430"{bold} xml:space="preserve">{text}</text>"##,
                x = b.x + PAD,
                y = b.y + PAD + LINE * (i as f32 + 0.8),
                bold = if i == 0 { r#" font-weight="bold""# } else { "" },
                text = escape(line),
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}
