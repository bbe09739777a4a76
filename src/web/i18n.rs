//! Languages and the one catalogue every user-facing string goes through.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use super::catalogue::AREAS;

/// The languages coachline speaks. Danish is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Da,
    En,
}

static CATALOGUE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    AREAS
        .iter()
        .flat_map(|a| a.iter())
        .map(|(k, da, en)| (*k, (*da, *en)))
        .collect()
});

/// The catalogue's own copy of `key`, if the catalogue has it.
pub fn known_key(key: &str) -> Option<&'static str> {
    CATALOGUE.get_key_value(key).map(|(k, _)| *k)
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Da, Lang::En];

    /// `da` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// The language's own name for itself.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Da => "Dansk",
            Lang::En => "English",
        }
    }

    /// Parses `da` or `en`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language in an `Accept-Language` header that we speak, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            // Norwegian and Swedish readers understand Danish better than English.
            let lang = match primary.to_ascii_lowercase().as_str() {
                "da" | "nb" | "nn" | "no" | "sv" => Lang::Da,
                "en" => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The text for `key` in this language. A missing key shows itself (a test keeps them complete).
    pub fn t(self, key: &str) -> &'static str {
        match CATALOGUE.get(key) {
            Some((da, en)) => match self {
                Lang::Da => da,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing translation");
                "?"
            }
        }
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn tf(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }

    /// A count in words: `key` with `{n}` filled in, or `key.one` (when the catalogue has it)
    /// for exactly one, so no page says "1 patienter".
    pub fn count(self, key: &str, n: i64) -> String {
        let one = format!("{key}.one");
        let key = if n == 1 && CATALOGUE.contains_key(one.as_str()) {
            one.as_str()
        } else {
            key
        };
        self.tf(key, &[("n", &n)])
    }

    /// A date and time in the given zone: `24.11.2026 kl. 09:30` or `2026-11-24 09:30`.
    pub fn datetime(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        match self {
            Lang::Da => local.format("%d.%m.%Y kl. %H:%M").to_string(),
            Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A booked time with its weekday: `tirsdag 08.12.2026 kl. 09:00` or `Tue 2026-12-08 09:00`.
    pub fn booked(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        format!(
            "{} {}",
            self.weekday(local.date_naive().weekday()),
            self.datetime(at, tz)
        )
    }

    /// A day with its weekday: `tirsdag 08.12.2026` or `Tue 2026-12-08`.
    pub fn day(self, date: NaiveDate) -> String {
        format!("{} {}", self.weekday(date.weekday()), self.date(date))
    }

    /// A weekday's name as it stands before a date: `tirsdag`, `Tue`.
    pub fn weekday(self, day: chrono::Weekday) -> &'static str {
        use chrono::Weekday::*;
        match (self, day) {
            (Lang::Da, Mon) => "mandag",
            (Lang::Da, Tue) => "tirsdag",
            (Lang::Da, Wed) => "onsdag",
            (Lang::Da, Thu) => "torsdag",
            (Lang::Da, Fri) => "fredag",
            (Lang::Da, Sat) => "lørdag",
            (Lang::Da, Sun) => "søndag",
            (Lang::En, Mon) => "Mon",
            (Lang::En, Tue) => "Tue",
            (Lang::En, Wed) => "Wed",
            (Lang::En, Thu) => "Thu",
            (Lang::En, Fri) => "Fri",
            (Lang::En, Sat) => "Sat",
            (Lang::En, Sun) => "Sun",
        }
    }

    /// A day of the year without the year, for chart labels: `24.11` or `Nov 24`.
    pub fn day_and_month(self, date: NaiveDate) -> String {
        match self {
            Lang::Da => date.format("%d.%m").to_string(),
            Lang::En => date.format("%b %-d").to_string(),
        }
    }

    /// A date: `24.11.2026` or `2026-11-24`.
    pub fn date(self, date: NaiveDate) -> String {
        match self {
            Lang::Da => date.format("%d.%m.%Y").to_string(),
            Lang::En => date.format("%Y-%m-%d").to_string(),
        }
    }

    /// A number with the language's decimal separator.
    pub fn decimal(self, value: f64, places: usize) -> String {
        let text = format!("{value:.places$}");
        match self {
            Lang::Da => text.replace('.', ","),
            Lang::En => text,
        }
    }
}

/// The catalogue keys of the weekdays' names, Monday first (index: days from Monday; ISO
/// weekday number minus one).
pub const WEEKDAY_KEYS: [&str; 7] = [
    "weekday.mon",
    "weekday.tue",
    "weekday.wed",
    "weekday.thu",
    "weekday.fri",
    "weekday.sat",
    "weekday.sun",
];

/// Keys used in the templates and the code, found by scanning the source; for the completeness test.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_language_we_speak() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,da;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE, da;q=0.7, en;q=0.5"),
            Some(Lang::Da)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("nb-NO"), Some(Lang::Da));
    }

    #[test]
    fn danish_dates_and_times_use_danish_style_in_copenhagen() {
        let at = "2026-11-24T08:30:00Z".parse().unwrap();
        assert_eq!(
            Lang::Da.datetime(at, chrono_tz::Europe::Copenhagen),
            "24.11.2026 kl. 09:30"
        );
        assert_eq!(
            Lang::En.datetime(at, chrono_tz::Europe::Copenhagen),
            "2026-11-24 09:30"
        );
        assert_eq!(
            Lang::Da.booked(at, chrono_tz::Europe::Copenhagen),
            "tirsdag 24.11.2026 kl. 09:30"
        );
        assert_eq!(
            Lang::En.booked(at, chrono_tz::Europe::Copenhagen),
            "Tue 2026-11-24 09:30"
        );
    }

    #[test]
    fn every_catalogue_entry_is_complete_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (key, da, en) in AREAS.iter().flat_map(|a| a.iter()) {
            assert!(seen.insert(key), "{key} is in the catalogue twice");
            assert!(
                !da.trim().is_empty() && !en.trim().is_empty(),
                "{key} lacks a text"
            );
        }
    }

    /// Every `t("...")`/`tf("...")` in `src/` and `templates/` names a key in the catalogue.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let mut missing = Vec::new();
        for dir in ["src", "templates"] {
            for file in walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) {
                let text = std::fs::read_to_string(&file).unwrap();
                for key in used_keys(&text) {
                    if !CATALOGUE.contains_key(key.as_str()) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "missing translations:\n{}",
            missing.join("\n")
        );
    }

    fn walk(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(path));
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                files.push(path);
            }
        }
        files
    }

    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t(\"", "tf(\"", "key: \"", "\"done."] {
            let mut rest = text;
            while let Some(at) = rest.find(marker) {
                // `t(` must be the whole name: `list("x.csv")` is no lookup.
                let whole = rest[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_');
                let done = marker == "\"done.";
                rest = &rest[at + marker.len()..];
                if !whole && !done {
                    continue;
                }
                let end = rest.find('"').unwrap_or(0);
                let key = &if done {
                    format!("done.{}", &rest[..end])
                } else {
                    rest[..end].to_owned()
                };
                let shaped = key.split('.').count() >= 2
                    && key.split('.').all(|part| {
                        !part.is_empty()
                            && part
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    });
                if shaped {
                    keys.push(key.to_owned());
                }
            }
        }
        keys
    }
}
