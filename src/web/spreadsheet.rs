//! Files that are safe to open in a spreadsheet. Every CSV the product writes passes its text
//! cells through [`neutralise`]; the database keeps the values exactly as they came.

use std::borrow::Cow;

/// Makes a text cell safe in a CSV someone will open in a spreadsheet (OWASP's rule).
///
/// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return would be run as a formula
/// (CSV injection), so such a value gets a leading `'`, which spreadsheets hide. Use it on text
/// (names, municipalities, reasons, free text), not on numbers the product wrote itself: a
/// research column of `-0.5` must stay a number.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn neutralises_formula_starts_only() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralise("+4512345678"), "'+4512345678");
        assert_eq!(neutralise("-3"), "'-3");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("Jørgen"), "Jørgen");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise(""), "");
    }
}
