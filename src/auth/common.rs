//! Breached passwords: the bundled list of the most common ones (see `data/README.md`), and
//! the obvious variations of them that a length rule alone lets through.

use std::collections::HashSet;
use std::io::Read;
use std::sync::LazyLock;

/// The list as shipped: lowercased, one password a line, gzipped.
const LIST_GZ: &[u8] = include_bytes!("data/common-passwords.txt.gz");

/// Shortest listed word that still counts when digits or signs are added after it, so that
/// `sommer2026!!` is refused but a long phrase that happens to end in `ab12` is not.
const MIN_STEM: usize = 4;

static LIST: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut text = String::new();
    flate2::read::GzDecoder::new(LIST_GZ)
        .read_to_string(&mut text)
        .expect("the bundled password list is valid gzip and UTF-8");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
});

/// How many passwords the bundled list holds.
pub fn listed() -> usize {
    LIST.len()
}

/// Whether a password is too common to use: on the list (any case), a listed word with only
/// digits or signs after it (`password1234`), or nothing but a repeated pattern or a run of
/// neighbouring characters (`123456789012`, `aaaaaaaaaaaa`, `abcabcabcabc`).
pub fn is_common(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    if LIST.contains(&lower) {
        return true;
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    if stem.chars().count() >= MIN_STEM && LIST.contains(stem) {
        return true;
    }
    is_run(&lower) || is_repetition(&lower)
}

/// Every character the same as, or the neighbour of, the one before (`9` is followed by `0`).
fn is_run(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| {
            let step = i64::from(u32::from(w[1])) - i64::from(u32::from(w[0]));
            if w[0].is_ascii_digit() && w[1].is_ascii_digit() {
                (step + 10) % 10
            } else {
                step
            }
        })
        .collect();
    let up = |s: &i64| *s == 1;
    let down = |s: &i64| *s == -1 || *s == 9;
    let same = |s: &i64| *s == 0;
    !steps.is_empty() && (steps.iter().all(up) || steps.iter().all(down) || steps.iter().all(same))
}

/// The text is one short piece (up to four characters) said over and over.
fn is_repetition(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (1..=4).any(|n| chars.len() > n && chars.chunks(n).all(|c| c == &chars[..c.len()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_holds_at_least_ten_thousand_passwords() {
        assert!(listed() >= 10_000, "{}", listed());
    }

    #[test]
    fn common_passwords_and_their_obvious_variations_are_refused() {
        for p in [
            "password1234",
            "Password1234",
            "123456789012",
            "qwerty123456",
            "sommer2026!!",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "987654321098",
        ] {
            assert!(is_common(p), "{p}");
        }
    }

    #[test]
    fn long_uncommon_passwords_pass() {
        for p in [
            "correct horse battery",
            "kaffe på altanen kl 7",
            "a long enough password",
            "Tr0ldmand-ved-Vejle-Fjord",
        ] {
            assert!(!is_common(p), "{p}");
        }
    }
}
