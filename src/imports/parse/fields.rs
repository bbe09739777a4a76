//! Checks and normal forms for the optional fields of a row.
//!
//! Each `parse_*` function takes a trimmed, non-empty cell and returns `None` when
//! the value is unusable; the caller turns that into a warning and leaves the field empty.

/// A phone number in E.164 form: `+45XXXXXXXX` for Danish numbers, `+digits` otherwise.
pub fn parse_phone(text: &str) -> Option<String> {
    let mut digits = String::with_capacity(text.len());
    let mut plus = false;
    for (i, c) in text.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '\u{a0}' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let international = if plus {
        digits.as_str()
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest
    } else if digits.len() == 8 {
        return Some(format!("+45{digits}"));
    } else if digits.len() == 10 && digits.starts_with("45") {
        digits.as_str()
    } else {
        return None;
    };
    let valid = if let Some(national) = international.strip_prefix("45") {
        national.len() == 8
    } else {
        (7..=15).contains(&international.len())
    };
    valid.then(|| format!("+{international}"))
}

/// Splits a diagnosis cell into codes; returns the normalised valid codes (duplicates
/// dropped, order kept) and the invalid tokens as written.
pub fn parse_diagnoses(text: &str) -> (Vec<String>, Vec<String>) {
    let mut valid: Vec<String> = Vec::new();
    let mut invalid = Vec::new();
    let tokens = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty());
    for token in tokens {
        match parse_icd10(token) {
            Some(code) if !valid.contains(&code) => valid.push(code),
            Some(_) => {}
            None => invalid.push(token.to_owned()),
        }
    }
    (valid, invalid)
}

/// One ICD-10 code: a letter and two digits, then optionally up to four more
/// alphanumerics with or without a `.` (`E11`, `E11.9`, `E119`). The Danish SKS
/// prefix `D` is dropped when what follows is itself a code (`DI50` -> `I50`), but
/// `D50` (iron deficiency anaemia) stays as it is.
pub fn parse_icd10(token: &str) -> Option<String> {
    let code = token.to_ascii_uppercase();
    let b = code.as_bytes();
    let sks = b.len() >= 4 && b[0] == b'D' && is_icd10(&b[1..]);
    if sks {
        Some(code[1..].to_owned())
    } else if is_icd10(b) {
        Some(code)
    } else {
        None
    }
}

fn is_icd10(b: &[u8]) -> bool {
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
        return false;
    }
    let rest = b[3..].strip_prefix(b".").unwrap_or(&b[3..]);
    let dotted = rest.len() < b.len() - 3;
    let ext_ok = rest.len() <= 4 && rest.iter().all(u8::is_ascii_alphanumeric);
    ext_ok && !(dotted && rest.is_empty())
}

/// A risk score between 0 and 1 inclusive, with a decimal comma or point.
pub fn parse_risk_score(text: &str) -> Option<f64> {
    let mut separators = 0;
    let mut digits = 0;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' | b',' => separators += 1,
            _ => return None,
        }
    }
    if digits == 0 || separators > 1 {
        return None;
    }
    let score: f64 = text.replace(',', ".").parse().ok()?;
    (0.0..=1.0).contains(&score).then_some(score)
}

/// A Danish postal code: four digits, optionally written `DK-5000`.
pub fn parse_postal_code(text: &str) -> Option<String> {
    let code = text
        .strip_prefix("DK-")
        .or_else(|| text.strip_prefix("DK"))
        .unwrap_or(text)
        .trim();
    (code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_owned())
}

/// Splits a full name into (first names, last name).
///
/// `"Hansen, Jens Peter"` splits at the comma; otherwise the last word is the last name.
pub fn split_name(full: &str) -> (String, String) {
    if let Some((last, first)) = full.split_once(',') {
        return (collapse(first), collapse(last));
    }
    let mut words: Vec<&str> = full.split_whitespace().collect();
    let last = words.pop().unwrap_or_default().to_owned();
    (words.join(" "), last)
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_phones_get_the_country_code() {
        for written in [
            "43962312",
            "43 96 23 12",
            "4396-2312",
            "(4396) 23.12",
            "+45 43962312",
        ] {
            assert_eq!(parse_phone(written).as_deref(), Some("+4543962312"), "{written}");
        }
        assert_eq!(parse_phone("0045 43962312").as_deref(), Some("+4543962312"));
        assert_eq!(parse_phone("4543962312").as_deref(), Some("+4543962312"));
    }

    #[test]
    fn foreign_phones_are_kept_in_international_form() {
        assert_eq!(parse_phone("+46 8 123 456 78").as_deref(), Some("+46812345678"));
        assert_eq!(parse_phone("0047 22 33 44 55").as_deref(), Some("+4722334455"));
    }

    #[test]
    fn phones_with_letters_or_wrong_length_are_invalid() {
        for bad in [
            "ring efter kl 10",
            "4396231",
            "439623121",
            "+45 4396231",
            "+123456",
            "12+345678",
        ] {
            assert_eq!(parse_phone(bad), None, "{bad}");
        }
        assert_eq!(parse_phone("+1234567890123456"), None);
    }

    #[test]
    fn sks_prefix_is_dropped_but_d_codes_stay() {
        assert_eq!(parse_icd10("DI50").as_deref(), Some("I50"));
        assert_eq!(parse_icd10("dj44.1").as_deref(), Some("J44.1"));
        assert_eq!(parse_icd10("DE119").as_deref(), Some("E119"));
        assert_eq!(parse_icd10("D50").as_deref(), Some("D50"));
        assert_eq!(parse_icd10("D50.9").as_deref(), Some("D50.9"));
        assert_eq!(parse_icd10("DD50").as_deref(), Some("D50"));
        assert_eq!(parse_icd10("E11.9").as_deref(), Some("E11.9"));
    }

    #[test]
    fn malformed_codes_are_invalid() {
        for bad in [
            "I5",
            "150",
            "I50.",
            "I50.12345",
            "II50",
            "I50-1",
            "Æ11",
            "D",
            "DI5",
        ] {
            assert_eq!(parse_icd10(bad), None, "{bad}");
        }
    }

    #[test]
    fn diagnoses_split_on_spaces_commas_and_semicolons() {
        let (valid, invalid) = parse_diagnoses("DI25, DI50;DJ44  xx DI25 E11.9");
        assert_eq!(valid, ["I25", "I50", "J44", "E11.9"]);
        assert_eq!(invalid, ["xx"]);
    }

    #[test]
    fn risk_scores_take_comma_or_point_within_zero_to_one() {
        assert_eq!(parse_risk_score("0,763"), Some(0.763));
        assert_eq!(parse_risk_score("0.42"), Some(0.42));
        assert_eq!(parse_risk_score("1"), Some(1.0));
        assert_eq!(parse_risk_score("0"), Some(0.0));
        assert_eq!(parse_risk_score(",5"), Some(0.5));
        for bad in ["høj", "1,7", "-0.1", "0,5,1", "NaN", "inf", "1e-1", ".", "50%"] {
            assert_eq!(parse_risk_score(bad), None, "{bad}");
        }
    }

    #[test]
    fn postal_codes_are_four_digits() {
        assert_eq!(parse_postal_code("5000").as_deref(), Some("5000"));
        assert_eq!(parse_postal_code("DK-5000").as_deref(), Some("5000"));
        for bad in ["500", "50000", "5OOO", "Odense"] {
            assert_eq!(parse_postal_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_split_at_the_last_word_or_at_a_comma() {
        let split = |s: &str| {
            let (first, last) = split_name(s);
            (first, last)
        };
        assert_eq!(split("Jens Peter Hansen"), ("Jens Peter".into(), "Hansen".into()));
        assert_eq!(
            split("Hansen, Jens  Peter"),
            ("Jens Peter".into(), "Hansen".into())
        );
        assert_eq!(split("Cher"), (String::new(), "Cher".into()));
        assert_eq!(split("  "), (String::new(), String::new()));
    }
}
