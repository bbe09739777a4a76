//! Letters as one PDF, one A4 page per letter, and the PDF set-up every printed document shares
//! (`document`, `Writer`): the invitation letters, the patient's plan and the CONSORT diagram.
//! Written with `pdf-writer` using the standard Helvetica fonts in WinAnsiEncoding, which every
//! PDF reader has and which holds æ, ø and å (and the rest of Latin-1), so no font file needs
//! embedding.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::text::Letter;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const LEFT: f32 = 70.0;
const TEXT_WIDTH: f32 = WIDTH - 2.0 * LEFT;

/// The regular and the bold font, as every page's content names them.
pub const REGULAR: Name = Name(b"F1");
pub const BOLD: Name = Name(b"F2");
/// An A4 page in points.
pub const PAGE_WIDTH: f32 = WIDTH;
pub const PAGE_HEIGHT: f32 = HEIGHT;
/// Where text stops at the foot of a page.
const BOTTOM: f32 = 60.0;

/// The one set-up of every PDF coachline writes: A4 pages with the given content streams, the
/// two Helvetica fonts (`REGULAR`, `BOLD`) and the document's title.
pub fn document(title: &str, pages: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(10 + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(0));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(pdf_writer::TextStr(title));
    for (content, page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        page.finish();
        pdf.stream(content_id, content);
    }
    pdf.finish()
}

/// The letters as one PDF document titled `title`.
pub fn render(letters: &[Letter], title: &str) -> Vec<u8> {
    let pages: Vec<Vec<u8>> = letters.iter().flat_map(page_content).collect();
    document(title, &pages)
}

/// Writes lines top-down, in the left margin unless told otherwise; a new page begins when the
/// text reaches the foot of one.
pub struct Writer {
    content: Content,
    done: Vec<Vec<u8>>,
    /// The baseline of the next line, from the page's foot.
    pub y: f32,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// A writer at the top of a first page.
    pub fn new() -> Self {
        Writer {
            content: Content::new(),
            done: Vec::new(),
            y: HEIGHT - 70.0,
        }
    }

    /// One line of text at `x`.
    pub fn line(&mut self, font: Name, size: f32, x: f32, text: &str) {
        if self.y < BOTTOM {
            let page = std::mem::replace(&mut self.content, Content::new());
            self.done.push(page.finish().to_vec());
            self.y = HEIGHT - 70.0;
        }
        self.content
            .begin_text()
            .set_font(font, size)
            .next_line(x, self.y)
            .show(Str(&win_ansi(text)))
            .end_text();
        self.y -= size * 1.4;
    }

    /// Text wrapped inside the margins, with space after it.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        for line in wrap(text, size, TEXT_WIDTH) {
            self.line(REGULAR, size, LEFT, &line);
        }
        self.y -= size * 0.7;
    }

    /// A heading in bold, with a little space before it.
    pub fn heading(&mut self, text: &str, size: f32) {
        self.y -= size * 0.5;
        self.line(BOLD, size, LEFT, text);
    }

    /// A bulleted item, wrapped under its first word.
    pub fn bullet(&mut self, text: &str, size: f32) {
        for (i, line) in wrap(text, size, TEXT_WIDTH - 14.0).iter().enumerate() {
            if i == 0 {
                let y = self.y;
                self.line(REGULAR, size, LEFT, "•");
                self.y = y;
            }
            self.line(REGULAR, size, LEFT + 14.0, line);
        }
    }

    /// The pages written, each a content stream for `document`.
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        self.done.push(self.content.finish().to_vec());
        self.done
    }
}

/// The left margin and the width of the text.
pub const MARGIN_LEFT: f32 = LEFT;

fn page_content(letter: &Letter) -> Vec<Vec<u8>> {
    let mut w = Writer::new();
    for (i, line) in letter.sender.iter().enumerate() {
        w.line(if i == 0 { BOLD } else { REGULAR }, 10.0, 360.0, line);
    }
    w.y = HEIGHT - 170.0;
    for line in &letter.recipient {
        w.line(REGULAR, 11.0, LEFT, line);
    }
    w.y = HEIGHT - 260.0;
    w.line(REGULAR, 10.0, 360.0, &letter.dated);
    w.y -= 14.0;
    w.line(BOLD, 15.0, LEFT, &letter.title);
    w.y -= 8.0;
    w.paragraph(&letter.greeting, 11.0);
    for p in &letter.intro {
        w.paragraph(p, 11.0);
    }
    for (label, value) in &letter.meeting {
        let save = w.y;
        w.line(BOLD, 11.0, LEFT + 10.0, label);
        w.y = save;
        for line in wrap(value, 11.0, TEXT_WIDTH - 80.0) {
            w.line(REGULAR, 11.0, LEFT + 70.0, &line);
        }
    }
    w.y -= 10.0;
    for p in &letter.after {
        w.paragraph(p, 11.0);
    }
    w.paragraph(&letter.closing, 11.0);
    w.line(BOLD, 11.0, LEFT, &letter.signature);
    w.finish()
}

/// Text in WinAnsiEncoding (Windows-1252): Latin-1 as is, a few typographic marks, `?` for the rest.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// Helvetica's advance widths (per 1000 units of font size), roughly by kind of letter;
/// enough to break lines well inside the margin.
fn char_width(c: char) -> f32 {
    match c {
        ' ' | 'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 278.0,
        'f' | 't' | 'r' | 'I' | '(' | ')' | '-' | '/' => 333.0,
        'm' | 'M' | 'W' => 833.0,
        'w' | 'æ' | 'Æ' | '@' => 944.0,
        'A'..='Z' | 'Ø' | 'Å' => 722.0,
        _ => 556.0,
    }
}

fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let measure = |s: &str| s.chars().map(char_width).sum::<f32>() * size / 1000.0;
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if measure(&candidate) > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current = word.to_owned();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_are_single_bytes_in_win_ansi() {
        assert_eq!(
            win_ansi("æøå ÆØÅ"),
            vec![0xe6, 0xf8, 0xe5, b' ', 0xc6, 0xd8, 0xc5]
        );
        assert_eq!(win_ansi("kl. 09:30 – 10:00"), b"kl. 09:30 \x96 10:00".to_vec());
    }

    #[test]
    fn long_text_wraps_inside_the_margin() {
        let text = "ord ".repeat(200);
        let lines = wrap(&text, 11.0, TEXT_WIDTH);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.len() < 110));
    }
}
