//! Turning data rows into list rows, rejections and warnings, in one pass.

use std::collections::HashMap;

use super::cpr::{Cpr, CprError};
use super::fields;
use super::headers::{Column, HeaderMap};
use super::outcome::{ListRow, RejectReason, Rejection, WarnReason, Warning};
use super::{Format, ParsedList, Refusal, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_WARNING_VALUE_CHARS};

/// The cells of one physical row, whatever the file format.
pub(super) trait Cells {
    /// Cell `index`, or `""` past the end of the row.
    fn cell(&self, index: usize) -> &str;
    /// Number of cells in the row.
    fn width(&self) -> usize;

    /// Whether every cell is empty or whitespace: such rows are skipped, not counted.
    fn is_blank(&self) -> bool {
        (0..self.width()).all(|i| self.cell(i).trim().is_empty())
    }
}

impl Cells for csv::ByteRecord {
    fn cell(&self, index: usize) -> &str {
        // The reader is fed a `&str` and splits only at ASCII bytes, so every field
        // is valid UTF-8; the fallback is never taken.
        self.get(index)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn width(&self) -> usize {
        self.len()
    }
}

impl Cells for [String] {
    fn cell(&self, index: usize) -> &str {
        self.get(index).map_or("", String::as_str)
    }

    fn width(&self) -> usize {
        self.len()
    }
}

/// Where the valid rows go, one at a time, as the pass reaches them: collected into a
/// `Vec`, or streamed on (the import writes them straight into the database).
pub trait RowSink {
    /// A valid row whose CPR number is the first of its kind in the file, with the number
    /// of warnings it produced (already noted with the list's warnings).
    fn row(&mut self, row: ListRow, warnings: usize);
}

impl RowSink for Vec<ListRow> {
    fn row(&mut self, row: ListRow, _warnings: usize) {
        self.push(row);
    }
}

/// Rejections or warnings: the first `keep` kept, all counted.
pub(super) struct Notes<T> {
    pub list: Vec<T>,
    pub total: usize,
    keep: usize,
}

impl<T> Notes<T> {
    fn new(keep: usize) -> Self {
        Notes {
            list: Vec::new(),
            total: 0,
            keep,
        }
    }

    fn push(&mut self, note: T) {
        self.total += 1;
        if self.list.len() < self.keep {
            self.list.push(note);
        }
    }
}

/// Collects the outcome of every data row after the header row: valid rows go to the sink,
/// rejections and warnings are counted and the first `keep` of each kept.
pub(super) struct Collector<'s> {
    header: HeaderMap,
    index: ColumnIndex,
    // First line of each accepted CPR: a HashMap keeps duplicate detection linear.
    seen: HashMap<Cpr, usize>,
    sink: &'s mut dyn RowSink,
    accepted: usize,
    rejected: Notes<Rejection>,
    warnings: Notes<Warning>,
    data_rows: usize,
}

/// The cell index of each recognised column.
type ColumnIndex = [Option<usize>; 14];

impl<'s> Collector<'s> {
    /// Starts collecting under a header row that has a CPR column.
    pub fn new(header: HeaderMap, keep: usize, sink: &'s mut dyn RowSink) -> Collector<'s> {
        let mut index: ColumnIndex = [None; 14];
        for (i, column) in header.by_index.iter().enumerate() {
            if let Some(c) = column {
                index[*c as usize] = Some(i);
            }
        }
        Collector {
            header,
            index,
            seen: HashMap::new(),
            sink,
            accepted: 0,
            rejected: Notes::new(keep),
            warnings: Notes::new(keep),
            data_rows: 0,
        }
    }

    /// Handles one data row starting at `line`.
    pub fn push<C: Cells + ?Sized>(&mut self, line: usize, cells: &C) {
        if cells.is_blank() {
            return;
        }
        self.data_rows += 1;
        // Past the cap the list is refused at the end; nothing more is kept meanwhile.
        if self.data_rows > super::MAX_ROWS {
            return;
        }
        let warned = self.warnings.total;
        let row = RowFields {
            cells,
            index: &self.index,
            line,
            warnings: &mut self.warnings,
        };
        let reason = match Cpr::parse(row.get(Column::Cpr)) {
            Err(CprError::Empty) => RejectReason::CprMissing,
            Err(_) => RejectReason::CprInvalid,
            Ok(cpr) => {
                let (first_name, last_name) = row.names();
                if first_name.is_empty() && last_name.is_empty() {
                    RejectReason::NameMissing
                } else if too_long(&first_name) || too_long(&last_name) {
                    RejectReason::NameTooLong
                } else if let Some(&first_line) = self.seen.get(&cpr) {
                    RejectReason::DuplicateCpr { first_line }
                } else {
                    self.seen.insert(cpr, line);
                    let list_row = row.into_list_row(cpr, first_name, last_name);
                    self.accepted += 1;
                    self.sink.row(list_row, self.warnings.total - warned);
                    return;
                }
            }
        };
        self.rejected.push(Rejection { line, reason });
    }

    /// Ends the pass; a header row with nothing under it is refused.
    pub fn finish(self, format: Format) -> Result<ParsedList, Refusal> {
        if self.data_rows == 0 {
            return Err(Refusal::HeaderOnly);
        }
        if self.data_rows > super::MAX_ROWS {
            return Err(Refusal::TooManyRows);
        }
        Ok(ParsedList {
            format,
            rows: Vec::new(),
            accepted: self.accepted,
            rejected: self.rejected.list,
            rejected_total: self.rejected.total,
            warnings: self.warnings.list,
            warnings_total: self.warnings.total,
            recognised: self.header.recognised,
            ignored: self.header.ignored,
            data_rows: self.data_rows,
        })
    }
}

fn too_long(name: &str) -> bool {
    name.chars().count() > MAX_NAME_CHARS
}

/// Reads the fields of one row, noting a warning for each value it drops.
struct RowFields<'a, C: ?Sized> {
    cells: &'a C,
    index: &'a ColumnIndex,
    line: usize,
    warnings: &'a mut Notes<Warning>,
}

impl<'a, C: Cells + ?Sized> RowFields<'a, C> {
    /// The trimmed cell of `column`, `""` when the file has no such column.
    fn get(&self, column: Column) -> &'a str {
        let cells: &'a C = self.cells;
        self.index[column as usize].map_or("", |i| cells.cell(i).trim())
    }

    /// First and last name: the two name columns when either is filled in, else
    /// the single name column split.
    fn names(&self) -> (String, String) {
        let first = self.get(Column::FirstName);
        let last = self.get(Column::LastName);
        if first.is_empty() && last.is_empty() {
            fields::split_name(self.get(Column::Name))
        } else {
            (first.to_owned(), last.to_owned())
        }
    }

    /// The optional fields, read in the order of `Column` (struct fields are
    /// evaluated as written) so that a row's warnings read left to right.
    fn into_list_row(mut self, cpr: Cpr, first_name: String, last_name: String) -> ListRow {
        use WarnReason::{InvalidPhone, InvalidPostalCode, InvalidRiskScore};
        ListRow {
            line: self.line,
            cpr,
            first_name,
            last_name,
            address: self.text(Column::Address),
            postal_code: self.checked(Column::PostalCode, fields::parse_postal_code, InvalidPostalCode),
            city: self.text(Column::City),
            phone: self.checked(Column::Phone, fields::parse_phone, InvalidPhone),
            mobile: self.checked(Column::Mobile, fields::parse_phone, InvalidPhone),
            municipality: self.text(Column::Municipality),
            gp: self.text(Column::Gp),
            diagnoses: self.diagnoses(),
            risk_score: self.checked(Column::RiskScore, fields::parse_risk_score, InvalidRiskScore),
            centre_code: self.text(Column::Centre).map(|c| c.to_uppercase()),
        }
    }

    /// A free-text field: empty is `None`, overly long is dropped with a warning.
    fn text(&mut self, column: Column) -> Option<String> {
        let value = self.get(column);
        if value.is_empty() {
            None
        } else if value.chars().count() > MAX_TEXT_CHARS {
            self.warn(column, value, WarnReason::TooLong);
            None
        } else {
            Some(value.to_owned())
        }
    }

    /// A checked field: empty is `None`; a value `check` refuses is a warning.
    fn checked<T>(&mut self, column: Column, check: fn(&str) -> Option<T>, reason: WarnReason) -> Option<T> {
        let value = self.get(column);
        if value.is_empty() {
            return None;
        }
        let parsed = check(value);
        if parsed.is_none() {
            self.warn(column, value, reason);
        }
        parsed
    }

    /// The valid codes; one warning for each invalid one.
    fn diagnoses(&mut self) -> Vec<String> {
        let (valid, invalid) = fields::parse_diagnoses(self.get(Column::Diagnoses));
        for code in invalid {
            self.warn(Column::Diagnoses, &code, WarnReason::InvalidIcd10);
        }
        valid
    }

    fn warn(&mut self, column: Column, value: &str, reason: WarnReason) {
        // The value is shown in the preview; a swallowed rest-of-file must not be.
        let mut shown: String = value.chars().take(MAX_WARNING_VALUE_CHARS).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        self.warnings.push(Warning {
            line: self.line,
            column,
            value: shown,
            reason,
        });
    }
}
