//! What an import says: counts, rejected rows and warnings. Shown in the preview, stored with
//! the batch, printed by `coachline import --json`.

use serde::{Deserialize, Serialize};

use super::parse::{ParsedList, Rejection, Warning};
use crate::web::Lang;

/// Most rejected rows and warnings listed on a page.
pub const SHOWN: usize = 1_000;

/// A row that was not imported.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    /// In English, for the command line and the CSV of rejected rows.
    pub reason: String,
    /// The catalogue key, for the pages.
    pub key: String,
    /// The placeholder value of the message (a line number, a centre code).
    #[serde(default)]
    pub arg: String,
}

/// An optional value that was left empty.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowWarning {
    pub line: usize,
    pub column: String,
    pub reason: String,
    pub key: String,
    /// The dropped value as written (shown to the admin, never logged).
    pub value: String,
}

impl std::fmt::Debug for RowWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowWarning")
            .field("line", &self.line)
            .field("column", &self.column)
            .finish()
    }
}

/// The outcome of an import or of its preview.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub file: String,
    /// New patients (in a preview: that would be created).
    pub imported: usize,
    /// Rows whose CPR number is already a patient: no second patient is created.
    pub already_known: usize,
    pub rejected: usize,
    pub warnings: usize,
    pub errors: Vec<RowError>,
    pub warning_list: Vec<RowWarning>,
    /// Recognised columns (their keys) and ignored header names.
    pub recognised: Vec<String>,
    pub ignored: Vec<String>,
}

impl Report {
    /// The parts of a report that come from parsing alone.
    pub fn from_parsed(file: &str, parsed: &ParsedList) -> Self {
        Self {
            file: file.to_owned(),
            errors: parsed.rejected.iter().map(row_error).collect(),
            warning_list: parsed.warnings.iter().map(row_warning).collect(),
            rejected: parsed.rejected_total,
            warnings: parsed.warnings_total,
            recognised: parsed.recognised.iter().map(|c| c.key().to_owned()).collect(),
            ignored: parsed.ignored.clone(),
            ..Self::default()
        }
    }

    /// Adds rejections found after parsing (e.g. unknown centre codes), in line order like
    /// the report's own, keeping line order (one merge, however many there are).
    pub fn reject_all(&mut self, later: Vec<RowError>) {
        if later.is_empty() {
            return;
        }
        let earlier = std::mem::take(&mut self.errors);
        let mut merged = Vec::with_capacity(earlier.len() + later.len());
        let (mut a, mut b) = (earlier.into_iter().peekable(), later.into_iter().peekable());
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => x.line <= y.line,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            merged.extend(if take_a { a.next() } else { b.next() });
        }
        self.errors = merged;
    }

    /// The rejected rows a page lists (the rest are in the CSV download).
    pub fn errors_shown(&self) -> &[RowError] {
        &self.errors[..self.errors.len().min(SHOWN)]
    }

    /// The warnings a page lists.
    pub fn warnings_shown(&self) -> &[RowWarning] {
        &self.warning_list[..self.warning_list.len().min(SHOWN)]
    }

    /// The recognised columns' names in `lang`.
    pub fn recognised_labels(&self, lang: Lang) -> Vec<&'static str> {
        self.recognised
            .iter()
            .map(|c| lang.t(&format!("import.column.{c}")))
            .collect()
    }

    /// The JSON the command line prints, exactly the documented fields.
    pub fn cli_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "imported": self.imported,
            "already_known": self.already_known,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "errors": self.errors.iter().map(|e| serde_json::json!({"line": e.line, "reason": e.reason})).collect::<Vec<_>>(),
            "warning_list": self.warning_list.iter().map(|w| serde_json::json!({"line": w.line, "column": w.column, "reason": w.reason})).collect::<Vec<_>>(),
        })
    }
}

impl RowError {
    /// The reason in the page's language.
    pub fn text(&self, lang: Lang) -> String {
        lang.tf(&self.key, &[("arg", &self.arg)])
    }
}

impl RowWarning {
    pub fn text(&self, lang: Lang) -> &'static str {
        lang.t(&self.key)
    }

    pub fn column_text(&self, lang: Lang) -> &'static str {
        lang.t(&format!("import.column.{}", self.column))
    }
}

fn row_error(rejection: &Rejection) -> RowError {
    let arg = match rejection.reason {
        super::parse::RejectReason::DuplicateCpr { first_line } => first_line.to_string(),
        _ => String::new(),
    };
    RowError {
        line: rejection.line,
        reason: rejection.reason.to_string(),
        key: rejection.reason.key().to_owned(),
        arg,
    }
}

fn row_warning(warning: &Warning) -> RowWarning {
    RowWarning {
        line: warning.line,
        column: warning.column.key().to_owned(),
        reason: warning.reason.to_string(),
        key: warning.reason.key().to_owned(),
        value: warning.value.clone(),
    }
}
