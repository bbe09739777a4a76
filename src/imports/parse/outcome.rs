//! What parsing says about each row: the row itself, a rejection or a warning.

use std::fmt;

use super::cpr::Cpr;
use super::headers::Column;

/// One valid row of an invitation list, ready to become a patient.
///
/// `Debug` shows only the line number: everything else is patient data.
#[derive(Clone, PartialEq)]
pub struct ListRow {
    /// Line in the file (header is line 1; for XLSX the spreadsheet row).
    pub line: usize,
    /// The patient's CPR number.
    pub cpr: Cpr,
    /// First name(s); may be empty when only a last name is known.
    pub first_name: String,
    /// Last name; may be empty when only a first name is known.
    pub last_name: String,
    /// Street address as written.
    pub address: Option<String>,
    /// Four-digit Danish postal code.
    pub postal_code: Option<String>,
    /// City as written.
    pub city: Option<String>,
    /// Landline, normalised to `+45XXXXXXXX` or `+digits`.
    pub phone: Option<String>,
    /// Mobile, normalised like `phone`.
    pub mobile: Option<String>,
    /// Municipality as written.
    pub municipality: Option<String>,
    /// The patient's GP as written.
    pub gp: Option<String>,
    /// Valid ICD-10 codes, upper-case, SKS `D` prefix removed.
    pub diagnoses: Vec<String>,
    /// Risk score in `0.0..=1.0`.
    pub risk_score: Option<f64>,
    /// Call centre code, trimmed and upper-cased.
    pub centre_code: Option<String>,
}

impl fmt::Debug for ListRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRow")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// Line in the file where the row starts.
    pub line: usize,
    /// Why it was not imported.
    pub reason: RejectReason,
}

/// Why a row was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RejectReason {
    /// The CPR cell is empty.
    #[error("missing CPR number")]
    CprMissing,
    /// The CPR cell is not a valid CPR number.
    #[error("invalid CPR number")]
    CprInvalid,
    /// Neither first nor last name is given.
    #[error("missing name")]
    NameMissing,
    /// A name longer than [`MAX_NAME_CHARS`](super::MAX_NAME_CHARS) characters:
    /// most likely a broken quote swallowed the rest of the file.
    #[error("name too long")]
    NameTooLong,
    /// An earlier imported row of the same file has this CPR number.
    #[error("same CPR as line {first_line}")]
    DuplicateCpr {
        /// The line of the row that was kept.
        first_line: usize,
    },
}

impl RejectReason {
    /// Stable message key for the translation catalogue.
    pub fn key(&self) -> &'static str {
        match self {
            RejectReason::CprMissing => "import.reject.cpr_missing",
            RejectReason::CprInvalid => "import.reject.cpr_invalid",
            RejectReason::NameMissing => "import.reject.name_missing",
            RejectReason::NameTooLong => "import.reject.name_too_long",
            RejectReason::DuplicateCpr { .. } => "import.reject.duplicate_cpr",
        }
    }
}

/// An optional value that was dropped; the row itself was imported.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Line in the file where the row starts.
    pub line: usize,
    /// The column the value came from.
    pub column: Column,
    /// The dropped value as written, shortened to
    /// [`MAX_WARNING_VALUE_CHARS`](super::MAX_WARNING_VALUE_CHARS) characters.
    /// Shown to the admin in the preview; never in `Debug`.
    pub value: String,
    /// What was wrong with it.
    pub reason: WarnReason,
}

impl fmt::Debug for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Warning")
            .field("line", &self.line)
            .field("column", &self.column)
            .field("value", &"<redacted>")
            .field("reason", &self.reason)
            .finish()
    }
}

/// Why an optional value was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum WarnReason {
    /// Letters, or not a Danish or international number length.
    #[error("invalid phone number")]
    InvalidPhone,
    /// Not of the form letter, two digits, optional extension.
    #[error("invalid ICD-10 code")]
    InvalidIcd10,
    /// Not a number from 0 to 1.
    #[error("risk score must be a number from 0 to 1")]
    InvalidRiskScore,
    /// Not four digits.
    #[error("invalid postal code")]
    InvalidPostalCode,
    /// Longer than [`MAX_TEXT_CHARS`](super::MAX_TEXT_CHARS) characters.
    #[error("value too long")]
    TooLong,
}

impl WarnReason {
    /// Stable message key for the translation catalogue.
    pub fn key(&self) -> &'static str {
        match self {
            WarnReason::InvalidPhone => "import.warn.invalid_phone",
            WarnReason::InvalidIcd10 => "import.warn.invalid_icd10",
            WarnReason::InvalidRiskScore => "import.warn.invalid_risk_score",
            WarnReason::InvalidPostalCode => "import.warn.invalid_postal_code",
            WarnReason::TooLong => "import.warn.too_long",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_english_and_have_stable_keys() {
        let dup = RejectReason::DuplicateCpr { first_line: 3 };
        assert_eq!(dup.to_string(), "same CPR as line 3");
        assert_eq!(dup.key(), "import.reject.duplicate_cpr");
        assert_eq!(RejectReason::CprInvalid.to_string(), "invalid CPR number");
        assert_eq!(RejectReason::NameMissing.to_string(), "missing name");
        assert_eq!(RejectReason::CprMissing.key(), "import.reject.cpr_missing");
        assert_eq!(WarnReason::InvalidPhone.key(), "import.warn.invalid_phone");
    }

    #[test]
    fn warning_debug_hides_the_value() {
        let warning = Warning {
            line: 2,
            column: Column::Phone,
            value: "Jørgen ring 12345".into(),
            reason: WarnReason::InvalidPhone,
        };
        let shown = format!("{warning:?}");
        assert!(!shown.contains("Jørgen") && !shown.contains("12345"), "{shown}");
        assert!(shown.contains("InvalidPhone"));
    }
}
