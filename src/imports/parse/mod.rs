//! The invitation list parser: the bytes of an uploaded CSV or XLSX file in,
//! validated rows, rejections and warnings out.
//!
//! Forgiving about form (encoding, delimiter, header names, number formats),
//! strict about content (a valid CPR number and a name per row). Pure: no
//! database, no I/O. One pass over the rows, so a million-row file costs a
//! million times one row.

mod cpr;
mod csv_text;
mod decode;
mod fields;
mod headers;
mod outcome;
mod rows;
mod xlsx;

#[cfg(test)]
mod tests;

pub use self::cpr::{Cpr, CprError, Sex};
pub use self::headers::Column;
pub use self::outcome::{ListRow, RejectReason, Rejection, WarnReason, Warning};
pub use self::rows::RowSink;

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// A first or last name longer than this rejects the row.
pub const MAX_NAME_CHARS: usize = 200;
/// A free-text field (address, city, municipality, GP, centre) longer than this
/// is dropped with a warning.
pub const MAX_TEXT_CHARS: usize = 500;
/// [`Warning::value`] is cut to this many characters.
pub const MAX_WARNING_VALUE_CHARS: usize = 100;
/// Data rows one list may have: well above a region's list, low enough that a list's rows always
/// fit in memory (a file of tiny rows could otherwise hold millions within the size limit).
pub const MAX_ROWS: usize = 500_000;
/// The header row must be among this many first non-blank rows.
pub const HEADER_SCAN_ROWS: usize = 10;

/// How the file was read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Format {
    /// Delimited text.
    Csv {
        /// `b';'`, `b','` or `b'\t'`.
        delimiter: u8,
        /// `"UTF-8"`, `"windows-1252"`, `"UTF-16LE"` or `"UTF-16BE"`.
        encoding: &'static str,
    },
    /// An Excel workbook.
    Xlsx {
        /// The sheet the list was read from.
        sheet: String,
    },
}

/// The outcome of parsing a file that is a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedList {
    /// How the file was read.
    pub format: Format,
    /// Valid rows, in file order, duplicates already removed (`parse_list`; empty when they
    /// went to a sink instead).
    pub rows: Vec<ListRow>,
    /// Valid rows, whether kept here or given to a sink.
    pub accepted: usize,
    /// Rows not imported, in file order (the first ones, when `parse_into` was told how many).
    pub rejected: Vec<Rejection>,
    /// Rows not imported, all of them.
    pub rejected_total: usize,
    /// Optional values dropped from imported rows, in file order (the first ones, likewise).
    pub warnings: Vec<Warning>,
    /// Optional values dropped, all of them.
    pub warnings_total: usize,
    /// Columns found, in file order.
    pub recognised: Vec<Column>,
    /// Unknown (or repeated) header names as written, trimmed.
    pub ignored: Vec<String>,
    /// Non-blank data rows seen: `accepted + rejected_total`.
    pub data_rows: usize,
}

/// Why a whole file was refused; nothing of it is imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// More than [`MAX_FILE_BYTES`].
    #[error("the file is larger than the limit of 50 MB")]
    TooLarge,
    /// No bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// Neither text nor a workbook.
    #[error("the file is not a CSV or XLSX file")]
    Binary,
    /// A header row with a CPR column but no data under it.
    #[error("the file has a header row but no data rows")]
    HeaderOnly,
    /// No CPR column among the first non-blank rows of a CSV file.
    #[error("no CPR column was found in the header row")]
    NoCprColumn,
    /// No sheet of a workbook has a CPR column.
    #[error("no sheet in the workbook has a CPR column")]
    NoSheetWithCpr,
    /// The zip inside the workbook would unpack to far more than a list needs.
    #[error("the workbook would unpack to an unreasonable size")]
    ZipBomb,
    /// A workbook with more cells, or more text in them, than any invitation list has.
    #[error("the workbook has more cells or text than an invitation list can have")]
    TooManyCells,
    /// A zip that is not a readable workbook, or a sheet that breaks off.
    #[error("the workbook could not be read")]
    BadXlsx,
    /// An old binary `.xls` workbook or a password-protected one.
    #[error("the file is an old .xls workbook or is protected by a password")]
    LegacyWorkbook,
    /// More than [`MAX_ROWS`] data rows.
    #[error("the list has more than 500,000 rows")]
    TooManyRows,
}

impl Refusal {
    /// Stable message key for the translation catalogue.
    pub fn key(&self) -> &'static str {
        match self {
            Refusal::TooLarge => "import.refused.too_large",
            Refusal::Empty => "import.refused.empty",
            Refusal::Binary => "import.refused.binary",
            Refusal::HeaderOnly => "import.refused.header_only",
            Refusal::NoCprColumn => "import.refused.no_cpr_column",
            Refusal::NoSheetWithCpr => "import.refused.no_sheet_with_cpr",
            Refusal::ZipBomb => "import.refused.zip_bomb",
            Refusal::TooManyCells => "import.refused.too_many_cells",
            Refusal::BadXlsx => "import.refused.bad_xlsx",
            Refusal::LegacyWorkbook => "import.refused.legacy_workbook",
            Refusal::TooManyRows => "import.refused.too_many_rows",
        }
    }

    /// A value for the message's placeholder, if it has one (the size limit).
    pub fn detail(&self) -> Option<String> {
        match self {
            Refusal::TooLarge => Some(format!("{} MB", MAX_FILE_BYTES / (1024 * 1024))),
            Refusal::TooManyCells => Some(xlsx::MAX_CELLS.to_string()),
            Refusal::TooManyRows => Some(MAX_ROWS.to_string()),
            _ => None,
        }
    }
}

/// Parses an uploaded file, keeping every row, rejection and warning.
///
/// The bytes decide the format: a zip is read as XLSX, anything else as CSV.
/// `file_name` is only a hint, used to explain a file named `.xlsx` that is not one.
pub fn parse_list(file_name: &str, bytes: &[u8]) -> Result<ParsedList, Refusal> {
    let mut rows = Vec::new();
    let mut list = parse_into(file_name, bytes, usize::MAX, &mut rows)?;
    list.rows = rows;
    Ok(list)
}

/// Parses an uploaded file in one pass, giving each valid row to `sink` as it is read and
/// keeping the first `keep` rejections and warnings (all are counted). Memory stays flat:
/// nothing grows with the valid rows but the set of CPR numbers seen (to name duplicates).
/// On a refusal found late (a workbook that breaks off, too many rows) the sink has already
/// had rows: whoever streams them on must throw them away.
pub fn parse_into(
    file_name: &str,
    bytes: &[u8],
    keep: usize,
    sink: &mut dyn RowSink,
) -> Result<ParsedList, Refusal> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Refusal::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::Empty);
    }
    if xlsx::is_zip(bytes) {
        return xlsx::parse(bytes, keep, sink);
    }
    // The OLE container of .xls files and of encrypted .xlsx files.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(Refusal::LegacyWorkbook);
    }
    let named_xlsx = file_name.to_ascii_lowercase().ends_with(".xlsx");
    let decoded = match decode::decode(bytes) {
        Err(Refusal::Binary) if named_xlsx => return Err(Refusal::BadXlsx),
        other => other?,
    };
    csv_text::parse(&decoded.text, decoded.encoding, keep, sink)
}
