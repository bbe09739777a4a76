//! Bytes to text: byte-order mark, UTF-8 or Windows-1252, and the delimiter.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use super::Refusal;

/// The text of a CSV file and the encoding it was read as.
pub(super) struct Decoded<'a> {
    /// The text, byte-order mark removed.
    pub text: Cow<'a, str>,
    /// `"UTF-8"`, `"windows-1252"`, `"UTF-16LE"` or `"UTF-16BE"`.
    pub encoding: &'static str,
}

/// Decodes the bytes of a CSV file.
///
/// A byte-order mark decides (Excel's "Unicode text" export is UTF-16 with one);
/// otherwise valid UTF-8 is UTF-8 and anything else is read as Windows-1252, what
/// Excel on Danish Windows writes. NUL bytes or many control characters mean the
/// file is not text at all.
pub(super) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, Refusal> {
    let (encoding, text) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
            (encoding, text)
        }
        None if bytes.contains(&0) => return Err(Refusal::Binary),
        None => match std::str::from_utf8(bytes) {
            Ok(text) => (UTF_8, Cow::Borrowed(text)),
            Err(_) => (WINDOWS_1252, WINDOWS_1252.decode_without_bom_handling(bytes).0),
        },
    };
    if text.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    if !looks_like_text(&text) {
        return Err(Refusal::Binary);
    }
    Ok(Decoded {
        text,
        encoding: encoding.name(),
    })
}

/// True unless the text has a NUL or more than 1 control character in 20.
fn looks_like_text(text: &str) -> bool {
    let (mut chars, mut controls) = (0usize, 0usize);
    for c in text.chars() {
        chars += 1;
        if c == '\0' {
            return false;
        }
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c') {
            controls += 1;
        }
    }
    controls * 20 <= chars
}

/// Picks the delimiter from the header line: `;` or `,`, whichever occurs more often
/// outside quotes (`;` on a tie), or a tab when tabs clearly win.
///
/// The header line is the first of the first ten non-blank lines that mentions
/// "cpr", so that a title line above the header does not decide; failing that, the
/// first non-blank line.
pub(super) fn detect_delimiter(text: &str) -> u8 {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).take(10);
    let first = lines.next().unwrap_or("");
    let mentions_cpr = |l: &&str| l.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"cpr"));
    let header = if mentions_cpr(&first) {
        first
    } else {
        lines.find(mentions_cpr).unwrap_or(first)
    };
    let (mut semicolons, mut commas, mut tabs) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for b in header.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            b'\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons.max(commas) {
        b'\t'
    } else if commas > semicolons {
        b','
    } else {
        b';'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DANISH: &str = "Ærø Ålborg Søren";

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode(DANISH.as_bytes()).unwrap();
        assert_eq!((plain.text.as_ref(), plain.encoding), (DANISH, "UTF-8"));
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), DANISH.as_bytes()].concat();
        let decoded = decode(&with_bom).unwrap();
        assert_eq!((decoded.text.as_ref(), decoded.encoding), (DANISH, "UTF-8"));
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        let (bytes, _, _) = WINDOWS_1252.encode(DANISH);
        assert!(std::str::from_utf8(&bytes).is_err());
        let decoded = decode(&bytes).unwrap();
        assert_eq!(
            (decoded.text.as_ref(), decoded.encoding),
            (DANISH, "windows-1252")
        );
    }

    #[test]
    fn utf16_with_bom_as_excel_writes_unicode_text() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(DANISH.encode_utf16().flat_map(u16::to_le_bytes));
        let decoded = decode(&bytes).unwrap();
        assert_eq!((decoded.text.as_ref(), decoded.encoding), (DANISH, "UTF-16LE"));
    }

    #[test]
    fn nul_bytes_or_control_noise_are_binary() {
        assert!(matches!(decode(b"CPR;Navn\0\n"), Err(Refusal::Binary)));
        let noise: Vec<u8> = (1u8..32).cycle().take(400).collect();
        assert!(matches!(decode(&noise), Err(Refusal::Binary)));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(Refusal::Binary)
        ));
    }

    #[test]
    fn whitespace_or_a_lone_bom_is_empty() {
        assert!(matches!(decode(b" \r\n\t\n"), Err(Refusal::Empty)));
        assert!(matches!(decode(b"\xEF\xBB\xBF\r\n"), Err(Refusal::Empty)));
    }

    #[test]
    fn delimiter_from_the_header_line() {
        assert_eq!(detect_delimiter("CPR;Navn;Adresse\n1,2,3,4,5"), b';');
        assert_eq!(detect_delimiter("cpr,name,address\n"), b',');
        assert_eq!(detect_delimiter("\"cpr;nr\",name,address\n"), b',');
        assert_eq!(detect_delimiter("cpr;name,x\n"), b';');
        assert_eq!(detect_delimiter("cpr\tname\taddress\n"), b'\t');
        assert_eq!(detect_delimiter("cpr\tname;address\n"), b';');
        assert_eq!(detect_delimiter("cpr\n"), b';');
        assert_eq!(detect_delimiter("\n\nInvitationsliste, uge 12\nCPR;Navn\n"), b';');
    }
}
