//! The CONSORT diagram as PDF: the same boxes and arrows as the SVG, one A4 page per flow
//! (all centres first, then each centre), in the standard Helvetica fonts the letters use.

use pdf_writer::{Content, Name, Str};

use super::diagram::{Diagram, WIDTH};
use crate::letters::pdf::{document, win_ansi, BOLD, PAGE_HEIGHT as PAGE_H, PAGE_WIDTH as PAGE_W, REGULAR};

const MARGIN: f32 = 30.0;

/// The diagrams as one PDF titled `title`.
pub fn render(diagrams: &[Diagram], title: &str) -> Vec<u8> {
    let pages: Vec<Vec<u8>> = diagrams.iter().map(draw).collect();
    document(title, &pages)
}

/// One diagram scaled to the page's width; the SVG's y (downwards) turned into PDF's (upwards).
fn draw(d: &Diagram) -> Vec<u8> {
    let scale = ((PAGE_W - 2.0 * MARGIN) / WIDTH).min((PAGE_H - 2.0 * MARGIN) / d.height);
    let px = |x: f32| MARGIN + x * scale;
    let py = |y: f32| PAGE_H - MARGIN - y * scale;
    let mut c = Content::new();
    text(&mut c, BOLD, 15.0 * scale, px(20.0), py(24.0), &d.title);
    c.set_line_width(0.8);
    for b in &d.boxes {
        c.set_fill_rgb(0.96, 0.97, 0.98).set_stroke_rgb(0.36, 0.40, 0.46);
        c.rect(px(b.x), py(b.y + b.h), b.w * scale, b.h * scale)
            .fill_nonzero_and_stroke();
        c.set_fill_rgb(0.11, 0.14, 0.19);
        for (i, line) in b.lines.iter().enumerate() {
            let font = if i == 0 { BOLD } else { REGULAR };
            text(
                &mut c,
                font,
                12.0 * scale,
                px(b.x + 9.0),
                py(b.y + 9.0 + 15.0 * (i as f32 + 0.8)),
                line,
            );
        }
    }
    c.set_stroke_rgb(0.11, 0.14, 0.19).set_fill_rgb(0.11, 0.14, 0.19);
    for a in &d.arrows {
        let Some((first, rest)) = a.0.split_first() else {
            continue;
        };
        c.move_to(px(first.0), py(first.1));
        for p in rest {
            c.line_to(px(p.0), py(p.1));
        }
        c.stroke();
        // The head: a small triangle along the last segment.
        if let (Some(end), Some(before)) = (a.0.last(), a.0.iter().rev().nth(1)) {
            let (dx, dy) = (px(end.0) - px(before.0), py(end.1) - py(before.1));
            let len = (dx * dx + dy * dy).sqrt().max(0.001);
            let (ux, uy) = (dx / len, dy / len);
            let (tip_x, tip_y) = (px(end.0), py(end.1));
            let size = 6.0 * scale;
            c.move_to(tip_x, tip_y)
                .line_to(
                    tip_x - ux * size - uy * size * 0.5,
                    tip_y - uy * size + ux * size * 0.5,
                )
                .line_to(
                    tip_x - ux * size + uy * size * 0.5,
                    tip_y - uy * size - ux * size * 0.5,
                )
                .close_path()
                .fill_nonzero();
        }
    }
    c.finish().to_vec()
}

fn text(c: &mut Content, font: Name, size: f32, x: f32, y: f32, line: &str) {
    c.begin_text()
        .set_font(font, size)
        .next_line(x, y)
        .show(Str(&win_ansi(line)))
        .end_text();
}
