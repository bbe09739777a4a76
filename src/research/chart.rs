//! The outcome chart as server-rendered SVG: per follow-up point, each arm's mean with its 95%
//! interval as a bar, the means of an arm joined by a line. Suppressed groups are not drawn.
//! Presentation attributes only (no `style`), so the page's content security policy holds.

use std::fmt::Write;

use super::outcomes::Outcome;

/// The arms' colours (intervention, control): blue and orange, told apart in grey scale and
/// by colour-blind readers, and by the marker's shape (circle, square).
pub const COLOURS: [&str; 2] = ["#0b5cab", "#c2410c"];

/// Text for SVG and XML: the five characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The chart of `outcome`; `arms` are the arms' names, `title` the chart's accessible name.
pub fn outcome_svg(
    outcome: &Outcome,
    arms: [&str; 2],
    title: &str,
    decimal: impl Fn(f64) -> String,
) -> String {
    let (width, height) = (720.0, 340.0);
    let (left, right, top, bottom) = (64.0, 24.0, 40.0, 48.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let (min, max) = (outcome.min, outcome.max.max(outcome.min + 1.0));
    let y = |v: f64| top + plot_h * (1.0 - (v.clamp(min, max) - min) / (max - min));
    let points = outcome.points.len().max(1) as f64;
    let x =
        |i: usize, arm: usize| left + plot_w * (i as f64 + 0.5) / points + if arm == 0 { -9.0 } else { 9.0 };

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="chart-{code}-title" font-family="system-ui, sans-serif" font-size="13"><title id="chart-{code}-title">{title}</title>"#,
        code = escape(&outcome.code),
        title = escape(title),
    );
    // Grid and the score axis: five steps over the score's whole range.
    // Whole numbers on the axis when the steps are whole.
    let whole = ((max - min) / 4.0).fract() == 0.0;
    for step in 0..=4 {
        let v = min + (max - min) * f64::from(step) / 4.0;
        let tick = if whole { format!("{v}") } else { decimal(v) };
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#d9dee6"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="#5b6575">{label}</text>"##,
            x2 = width - right,
            yy = y(v),
            tx = left - 8.0,
            ty = y(v) + 4.0,
            label = escape(&tick),
        );
    }
    let _ = write!(
        svg,
        r##"<text x="14" y="{cy:.1}" transform="rotate(-90 14 {cy:.1})" text-anchor="middle" fill="#5b6575">{label}</text>"##,
        cy = top + plot_h / 2.0,
        label = escape(&outcome.score_label),
    );
    for (i, p) in outcome.points.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{ty}" text-anchor="middle" fill="#1d2430">{label}</text>"##,
            tx = left + plot_w * (i as f64 + 0.5) / points,
            ty = height - bottom + 22.0,
            label = escape(&p.label),
        );
    }
    // Each arm: the line through its shown means, then the intervals and markers.
    for (arm, colour) in COLOURS.iter().enumerate() {
        let path: Vec<String> = outcome
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.arms[arm]
                    .mean
                    .map(|m| format!("{:.1},{:.1}", x(i, arm), y(m.value)))
            })
            .collect();
        if path.len() > 1 {
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2" stroke-opacity="0.6"/>"#,
                path.join(" ")
            );
        }
        for (i, p) in outcome.points.iter().enumerate() {
            let Some(m) = p.arms[arm].mean else { continue };
            let cx = x(i, arm);
            let _ = write!(
                svg,
                r#"<g data-arm="{arm}" data-timepoint="{code}"><title>{name} · {label}: {mean} ({low} – {high})</title><line x1="{cx:.1}" x2="{cx:.1}" y1="{y1:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="2"/><line x1="{a:.1}" x2="{b:.1}" y1="{y1:.1}" y2="{y1:.1}" stroke="{colour}" stroke-width="2"/><line x1="{a:.1}" x2="{b:.1}" y1="{y2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="2"/>"#,
                arm = if arm == 0 { "intervention" } else { "control" },
                code = escape(&p.code),
                name = escape(arms[arm]),
                label = escape(&p.label),
                mean = escape(&decimal(m.value)),
                low = escape(&decimal(m.low)),
                high = escape(&decimal(m.high)),
                y1 = y(m.high),
                y2 = y(m.low),
                a = cx - 5.0,
                b = cx + 5.0,
            );
            let cy = y(m.value);
            if arm == 0 {
                let _ = write!(
                    svg,
                    r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="5" fill="{colour}"/></g>"#
                );
            } else {
                let _ = write!(
                    svg,
                    r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/></g>"#,
                    cx - 5.0,
                    cy - 5.0
                );
            }
        }
    }
    // Legend, top right.
    for (arm, colour) in COLOURS.iter().enumerate() {
        let lx = width - right - 250.0 + 130.0 * arm as f64;
        let marker = if arm == 0 {
            format!(r#"<circle cx="{lx}" cy="18" r="5" fill="{colour}"/>"#)
        } else {
            format!(
                r#"<rect x="{}" y="13" width="10" height="10" fill="{colour}"/>"#,
                lx - 5.0
            )
        };
        let _ = write!(
            svg,
            r##"{marker}<text x="{tx}" y="22" fill="#1d2430">{name}</text>"##,
            tx = lx + 10.0,
            name = escape(arms[arm]),
        );
    }
    svg.push_str("</svg>");
    svg
}
