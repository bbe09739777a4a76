//! XLSX workbooks: a zip-bomb check on the central directory, a pass that inflates every
//! entry into nothing to measure what it really holds (whatever its header declares), then a
//! streaming read of the first sheet that has a CPR header, with a cap on cells.
//!
//! Memory stays bounded because nothing but the shared strings is held whole: their size and
//! number are capped before the workbook is opened, the sheet is streamed, and the cells read
//! are counted.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::headers::HeaderMap;
use super::rows::{Collector, RowSink};
use super::{Format, ParsedList, Refusal, HEADER_SCAN_ROWS};

/// More entries than any invitation list needs.
const MAX_ENTRIES: usize = 1_000;
/// Declared uncompressed size of all entries together.
const MAX_TOTAL_UNPACKED: u64 = 200 * 1024 * 1024;
/// Entries larger than this must not compress better than [`MAX_RATIO`]:1.
const RATIO_CHECK_FROM: u64 = 10 * 1024 * 1024;
const MAX_RATIO: u64 = 100;
/// Cells right of this column are ignored; nothing in a list lives out there, and a
/// crafted cell reference like `XFD1` must not make every row 16,384 cells wide.
const MAX_COLUMNS: usize = 256;
/// What all entries may really inflate to, counted byte by byte.
const MAX_UNPACKED: u64 = 200 * 1024 * 1024;
/// What one entry held whole in memory (all but the worksheets, which are streamed) may
/// really inflate to.
const MAX_PART_IN_MEMORY: u64 = 32 * 1024 * 1024;
/// Distinct shared strings; each one is a separate allocation once the workbook is opened.
const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// Filled cells read from a sheet: 150,000 rows of 13 columns is ten times a national list.
pub const MAX_CELLS: usize = 2_000_000;
/// Text in the cells read from a sheet: the rows kept in memory can hold no more than this.
/// A national list of 15,000 rows has about 2 MB.
const MAX_CELL_TEXT: usize = 48 * 1024 * 1024;

/// True for the zip local-file signature every XLSX starts with.
pub(super) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Parses a workbook.
pub(super) fn parse(bytes: &[u8], keep: usize, sink: &mut dyn RowSink) -> Result<ParsedList, Refusal> {
    check_zip(bytes)?;
    measure_entries(bytes)?;
    // calamine can panic on crafted XML (a cell reference like `A99999999999`
    // overflows its arithmetic in debug builds); a hostile upload must be refused,
    // not take the request down. Nothing is shared across the boundary but `bytes`.
    // The sink is only written to; after a panic the import is refused and its rows dropped.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook(bytes, keep, sink)))
        .unwrap_or(Err(Refusal::BadXlsx))
}

fn read_workbook(bytes: &[u8], keep: usize, sink: &mut dyn RowSink) -> Result<ParsedList, Refusal> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsxError::Password => Refusal::LegacyWorkbook,
        _ => Refusal::BadXlsx,
    })?;
    let mut unreadable = false;
    for sheet in workbook.sheet_names() {
        match read_sheet(&mut workbook, &sheet, keep, &mut *sink) {
            Ok(Some(collector)) => return collector.finish(Format::Xlsx { sheet }),
            Ok(None) => {}
            Err(Unreadable::TooManyCells) => return Err(Refusal::TooManyCells),
            // A list that breaks off halfway must not import as if it were whole.
            Err(Unreadable::AfterHeader) => return Err(Refusal::BadXlsx),
            Err(Unreadable::BeforeHeader) => unreadable = true,
        }
    }
    // A broken sheet might have been the list: say so rather than "no CPR column".
    Err(if unreadable {
        Refusal::BadXlsx
    } else {
        Refusal::NoSheetWithCpr
    })
}

/// Refuses a zip whose central directory promises too much, before anything is
/// unpacked. Only the declared sizes are read.
fn check_zip(bytes: &[u8]) -> Result<(), Refusal> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::BadXlsx)?;
    if archive.len() > MAX_ENTRIES {
        return Err(Refusal::ZipBomb);
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| Refusal::BadXlsx)?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        let too_dense = size > RATIO_CHECK_FROM && size > packed.saturating_mul(MAX_RATIO);
        // Deflate never grows data by more than a fraction; a compressed size far
        // above the declared size means the declared size is a lie.
        let understated = packed > size.saturating_add(size / 50).saturating_add(1024);
        if too_dense || understated {
            return Err(Refusal::ZipBomb);
        }
    }
    if total > MAX_TOTAL_UNPACKED {
        return Err(Refusal::ZipBomb);
    }
    Ok(())
}

/// Inflates every entry into nothing, counting the bytes that really come out (a declared
/// size can lie), and counts the shared strings. Memory: one read buffer.
fn measure_entries(bytes: &[u8]) -> Result<(), Refusal> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::BadXlsx)?;
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| Refusal::BadXlsx)?;
        let name = entry.name().map_err(|_| Refusal::BadXlsx)?.to_ascii_lowercase();
        // Sheets are streamed and pictures never read; every other part is held whole.
        let streamed = name.starts_with("xl/worksheets/") || name.starts_with("xl/media/");
        let shared_strings = name.ends_with("sharedstrings.xml");
        let mut strings = SharedStringCount::default();
        let mut size: u64 = 0;
        // A broken entry is calamine's to judge; only sizes are decided here.
        while let Ok(n) = entry.read(&mut buffer) {
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if total > MAX_UNPACKED || (!streamed && size > MAX_PART_IN_MEMORY) {
                return Err(Refusal::ZipBomb);
            }
            if shared_strings && strings.feed(&buffer[..n]) > MAX_SHARED_STRINGS {
                return Err(Refusal::ZipBomb);
            }
        }
    }
    Ok(())
}

/// Counts `<si>` elements across read buffers.
#[derive(Default)]
struct SharedStringCount {
    count: u64,
    /// The end of the previous buffer, so a tag split between two reads is seen.
    tail: Vec<u8>,
}

impl SharedStringCount {
    fn feed(&mut self, chunk: &[u8]) -> u64 {
        let mut joined = std::mem::take(&mut self.tail);
        joined.extend_from_slice(chunk);
        self.count += joined
            .windows(4)
            .filter(|w| w[..3] == *b"<si" && matches!(w[3], b'>' | b' ' | b'/'))
            .count() as u64;
        self.tail = joined[joined.len().saturating_sub(3)..].to_vec();
        self.count
    }
}

/// Where reading a sheet failed.
enum Unreadable {
    BeforeHeader,
    AfterHeader,
    TooManyCells,
}

/// Streams one sheet: `Ok(None)` when no CPR header is found in its first
/// non-empty rows.
fn read_sheet<'s>(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
    keep: usize,
    sink: &'s mut dyn RowSink,
) -> Result<Option<Collector<'s>>, Unreadable> {
    // Chart sheets and the like fail here too; they are simply not the list.
    let mut cells = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|_| Unreadable::BeforeHeader)?;
    let mut scan = SheetScan {
        collector: None,
        non_empty_rows: 0,
        keep,
        sink: Some(sink),
    };
    let mut row: Vec<String> = Vec::new();
    let mut row_index: Option<u32> = None;
    let (mut read, mut text): (usize, usize) = (0, 0);
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(_) if scan.collector.is_some() => return Err(Unreadable::AfterHeader),
            Err(_) => return Err(Unreadable::BeforeHeader),
        };
        read += 1;
        if read > MAX_CELLS {
            return Err(Unreadable::TooManyCells);
        }
        let (r, c) = cell.get_position();
        if row_index != Some(r) {
            if let Some(done) = row_index {
                if !scan.row(done, &row) {
                    return Ok(None);
                }
            }
            // Keep the cells' buffers: one allocation per column, not per cell.
            row.iter_mut().for_each(String::clear);
            row_index = Some(r);
        }
        let c = c as usize;
        if c < MAX_COLUMNS {
            if row.len() <= c {
                row.resize(c + 1, String::new());
            }
            write_cell_text(&mut row[c], cell.get_value());
            text += row[c].len();
            if text > MAX_CELL_TEXT {
                return Err(Unreadable::TooManyCells);
            }
        }
    }
    if let Some(done) = row_index {
        scan.row(done, &row);
    }
    Ok(scan.collector)
}

/// Where one sheet's pass stands: looking for the header row, or collecting rows.
struct SheetScan<'s> {
    collector: Option<Collector<'s>>,
    non_empty_rows: usize,
    keep: usize,
    /// Given to the collector when the header row is found.
    sink: Option<&'s mut dyn RowSink>,
}

impl SheetScan<'_> {
    /// Feeds the row with zero-based index `index`; false once the header search gave up.
    fn row(&mut self, index: u32, row: &[String]) -> bool {
        // Spreadsheet rows are numbered from 1, which is what the admin sees.
        let line = index as usize + 1;
        if let Some(collector) = &mut self.collector {
            collector.push(line, row);
            return true;
        }
        if row.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        let header = HeaderMap::new(row.iter().map(String::as_str));
        if header.has_cpr() {
            // Found once: rows go to the collector from here on.
            self.collector = self
                .sink
                .take()
                .map(|sink| Collector::new(header, self.keep, sink));
            return true;
        }
        self.non_empty_rows += 1;
        self.non_empty_rows < HEADER_SCAN_ROWS
    }
}

/// Writes the text a cell shows, close enough for the field parsers: whole floats
/// lose their `.0` (5000.0 -> "5000", a CPR stored as a number keeps all its digits).
fn write_cell_text(out: &mut String, value: &DataRef<'_>) {
    use std::fmt::Write;
    out.clear();
    // Writing into a String cannot fail.
    let _ = match value {
        DataRef::Empty => Ok(()),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => out.write_str(s),
        DataRef::SharedString(s) => out.write_str(s),
        DataRef::Int(i) => write!(out, "{i}"),
        DataRef::Float(f) => write_float(out, *f),
        DataRef::Bool(b) => write!(out, "{b}"),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => write!(out, "{}", t.date()),
            Some(t) => write!(out, "{t}"),
            None => write_float(out, d.as_f64()),
        },
        // Show "#N/A" and friends, so a broken CPR cell reads as invalid, not missing.
        DataRef::Error(e) => write!(out, "{e}"),
    };
}

fn write_float(out: &mut String, f: f64) -> std::fmt::Result {
    use std::fmt::Write;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{}", f as i64)
    } else {
        write!(out, "{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: DataRef<'_>) -> String {
        let mut out = String::from("stale");
        write_cell_text(&mut out, &value);
        out
    }

    #[test]
    fn whole_floats_print_as_integers() {
        assert_eq!(text(DataRef::Float(5000.0)), "5000");
        assert_eq!(text(DataRef::Float(401620751.0)), "401620751");
        assert_eq!(text(DataRef::Float(0.42)), "0.42");
        assert_eq!(text(DataRef::Float(-0.0)), "0");
        assert_eq!(text(DataRef::Float(f64::NAN)), "NaN");
        assert_eq!(text(DataRef::Int(5000)), "5000");
    }

    #[test]
    fn other_cells_print_as_a_spreadsheet_shows_them() {
        assert_eq!(text(DataRef::Empty), "");
        assert_eq!(text(DataRef::SharedString("Ærø")), "Ærø");
        assert_eq!(text(DataRef::Bool(true)), "true");
        let na = DataRef::Error(calamine::CellErrorType::NA);
        assert_eq!(text(na), "#N/A");
    }
}
