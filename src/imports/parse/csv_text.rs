//! Delimited text to rows: find the header row, then feed every later record on.

use super::decode;
use super::headers::HeaderMap;
use super::rows::{Cells, Collector, RowSink};
use super::{Format, ParsedList, Refusal, HEADER_SCAN_ROWS};

/// Parses decoded CSV text.
pub(super) fn parse(
    text: &str,
    encoding: &'static str,
    keep: usize,
    sink: &mut dyn RowSink,
) -> Result<ParsedList, Refusal> {
    let delimiter = decode::detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::default();
    let mut collector: Option<Collector> = None;
    let mut sink = Some(sink);
    let mut scanned = 0;
    // Reading from a `&str` cannot fail with I/O or UTF-8 errors; stop if it ever does.
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.line_of_record_at(text.as_bytes(), start);
        if let Some(collector) = &mut collector {
            collector.push(line, &record);
            continue;
        }
        if record.is_blank() {
            continue;
        }
        let header = HeaderMap::new((0..record.len()).map(|i| record.cell(i)));
        if header.has_cpr() {
            // Found once: the loop feeds the collector from here on.
            collector = sink.take().map(|sink| Collector::new(header, keep, sink));
        } else {
            scanned += 1;
            if scanned == HEADER_SCAN_ROWS {
                break;
            }
        }
    }
    let format = Format::Csv { delimiter, encoding };
    collector.ok_or(Refusal::NoCprColumn)?.finish(format)
}

/// Turns record byte offsets into the line numbers an editor shows.
///
/// The csv reader's own line count lags behind: it reports a record's position
/// before the `\n` of a CRLF and before skipped blank lines. Counting here, from
/// where the last record started, keeps the whole pass linear.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    breaks: usize,
}

impl LineCounter {
    /// The 1-based line of the record whose position the reader gave as `start`.
    fn line_of_record_at(&mut self, text: &[u8], start: usize) -> usize {
        // A record never begins with a line break: skip what the reader left before it.
        let mut start = start.min(text.len());
        while matches!(text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.offset {
            let span = &text[self.offset..start];
            for (i, b) in span.iter().enumerate() {
                // CRLF, LF and a lone CR each end one line.
                let lone_cr = *b == b'\r' && text.get(self.offset + i + 1) != Some(&b'\n');
                if *b == b'\n' || lone_cr {
                    self.breaks += 1;
                }
            }
            self.offset = start;
        }
        self.breaks + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_of_every_kind_count_once() {
        let text = b"a\r\nb\nc\rd\r\n\r\ne";
        let mut lines = LineCounter::default();
        assert_eq!(lines.line_of_record_at(text, 0), 1);
        assert_eq!(lines.line_of_record_at(text, 1), 2);
        assert_eq!(lines.line_of_record_at(text, 5), 3);
        assert_eq!(lines.line_of_record_at(text, 7), 4);
        assert_eq!(lines.line_of_record_at(text, 9), 6);
        assert_eq!(lines.line_of_record_at(text, 99), 6);
    }
}
