//! How long a typed text may be: one rule for every free-text field, checked on the server and
//! given to the browser as `maxlength` (see `Layout::line_max` and `Layout::text_max`).

/// A one-line field: a name, an address, a purpose, a reason.
pub const LINE_CHARS: usize = 500;
/// A text: a coaching note, an amendment, a comment, preferred call times.
pub const TEXT_CHARS: usize = 10_000;

/// Which of the two limits a field has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Line,
    Text,
}

impl Limit {
    /// The most characters allowed.
    pub fn chars(self) -> usize {
        match self {
            Limit::Line => LINE_CHARS,
            Limit::Text => TEXT_CHARS,
        }
    }

    /// The catalogue key of the message when `value` is too long, else `None`.
    pub fn exceeded_by(self, value: &str) -> Option<&'static str> {
        // Counting stops at the limit, so a megabyte of text costs no more than a long note.
        (value.chars().nth(self.chars()).is_some()).then_some(match self {
            Limit::Line => "text.too_long_line",
            Limit::Text => "text.too_long_text",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_count_characters_not_bytes() {
        assert_eq!(Limit::Line.exceeded_by(&"Å".repeat(LINE_CHARS)), None);
        assert_eq!(
            Limit::Line.exceeded_by(&"Å".repeat(LINE_CHARS + 1)),
            Some("text.too_long_line")
        );
        assert_eq!(Limit::Text.exceeded_by(&"x".repeat(TEXT_CHARS)), None);
        assert_eq!(
            Limit::Text.exceeded_by(&"x".repeat(1_000_000)),
            Some("text.too_long_text")
        );
    }

    #[test]
    fn the_messages_name_the_limits() {
        for lang in [crate::web::Lang::Da, crate::web::Lang::En] {
            assert!(lang.t("text.too_long_line").contains("500"));
            assert!(lang.t("text.too_long_text").contains("10"));
        }
    }
}
