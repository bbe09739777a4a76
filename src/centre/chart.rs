//! Simple server-side SVG bar charts: geometry computed here, drawn by the templates with SVG
//! presentation attributes and classes (the CSP allows no inline style or script).

/// One bar, in the chart's own coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: String,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// Where the label and the value are written.
    pub text_x: i64,
    pub text_y: i64,
    pub value_x: i64,
    pub value_y: i64,
}

/// A chart's size and its bars.
#[derive(Clone, Debug)]
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub bars: Vec<Bar>,
}

/// Vertical bars, one per value, scaled to the largest.
pub fn columns(values: &[(String, f64, String)], width: i64, height: i64) -> Chart {
    let plot = height - 40;
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1.0);
    let slot = width / i64::try_from(values.len().max(1)).unwrap_or(1);
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let h = scale(*value, max, plot);
            let x = i64::try_from(i).unwrap_or(0) * slot;
            Bar {
                label: label.clone(),
                value: shown.clone(),
                x: x + slot / 8,
                y: 20 + plot - h,
                width: (slot * 3 / 4).max(1),
                height: h,
                text_x: x + slot / 2,
                text_y: height - 6,
                value_x: x + slot / 2,
                value_y: 16 + plot - h,
            }
        })
        .collect();
    Chart { width, height, bars }
}

/// Horizontal bars with their labels on the left, scaled to the largest.
pub fn rows(values: &[(String, f64, String)], width: i64) -> Chart {
    let label_width = 200;
    let row = 30;
    let plot = width - label_width - 60;
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1.0);
    let bars: Vec<Bar> = values
        .iter()
        .enumerate()
        .map(|(i, (label, value, shown))| {
            let y = i64::try_from(i).unwrap_or(0) * row;
            let w = scale(*value, max, plot);
            Bar {
                label: label.clone(),
                value: shown.clone(),
                x: label_width,
                y: y + 4,
                width: w,
                height: row - 8,
                text_x: label_width - 8,
                text_y: y + row / 2 + 5,
                value_x: label_width + w + 6,
                value_y: y + row / 2 + 5,
            }
        })
        .collect();
    let height = i64::try_from(values.len()).unwrap_or(0) * row;
    Chart { width, height, bars }
}

fn scale(value: f64, max: f64, span: i64) -> i64 {
    // Rounded to whole SVG units; a small value still shows a sliver.
    let h = (value / max * span as f64).round() as i64;
    if value > 0.0 {
        h.max(2)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_column_fills_the_plot_and_zero_draws_nothing() {
        let chart = columns(
            &[
                ("a".into(), 10.0, "10".into()),
                ("b".into(), 0.0, "0".into()),
                ("c".into(), 5.0, "5".into()),
            ],
            300,
            140,
        );
        assert_eq!(chart.bars[0].height, 100);
        assert_eq!(chart.bars[1].height, 0);
        assert_eq!(chart.bars[2].height, 50);
        assert_eq!(
            chart.bars[0].y + chart.bars[0].height,
            chart.bars[2].y + chart.bars[2].height
        );
    }

    #[test]
    fn rows_stack_downwards() {
        let chart = rows(
            &[("a".into(), 1.0, "1".into()), ("b".into(), 2.0, "2".into())],
            600,
        );
        assert_eq!(chart.height, 60);
        assert!(chart.bars[1].y > chart.bars[0].y);
        assert!(chart.bars[1].width > chart.bars[0].width);
    }
}
