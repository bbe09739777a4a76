//! Workbooks built in memory, as Excel would save a region's export.

use std::io::{Cursor, Write};

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, Worksheet};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

/// Writes the non-empty `cells` from column A on; `""` leaves a cell as it is.
fn strings(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (col, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(row, col as u16, *text).unwrap();
        }
    }
}

/// A cover sheet without CPR, then the list under a title row, numbers as numbers.
fn export_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let cover = book.add_worksheet().set_name("Forside").unwrap();
    strings(cover, 0, &["Invitationsliste", "Region Syddanmark"]);
    let list = book.add_worksheet().set_name("Liste").unwrap();
    strings(list, 0, &["Udtræk uge 12"]);
    let header = [
        "CPR",
        "Fornavn",
        "Efternavn",
        "Postnr",
        "Telefon",
        "Risikoscore",
        "Center",
        "Født",
    ];
    strings(list, 2, &header);
    // A CPR stored as a number loses its leading zero: 040162-0752 -> 401620752.
    list.write_number(3, 0, 401_620_752.0).unwrap();
    strings(list, 3, &["", "Bent", "Holm"]);
    list.write_number(3, 3, 5000.0).unwrap();
    list.write_number(3, 4, 43_962_312.0).unwrap();
    list.write_number(3, 5, 0.42).unwrap();
    strings(list, 3, &["", "", "", "", "", "", " kol "]);
    let date = ExcelDateTime::from_ymd(1962, 1, 4).unwrap();
    let date_format = CellFormat::new().set_num_format("yyyy-mm-dd");
    list.write_datetime_with_format(3, 7, &date, &date_format)
        .unwrap();
    // Row 5 left empty on purpose; row 6 uses text cells throughout.
    strings(
        list,
        5,
        &[
            "120356-1233",
            "Søren",
            "Ærbø",
            "5000",
            "43 96 23 12",
            "0,5",
            "OUH",
        ],
    );
    list.write_number(6, 0, 1_203_561_233.0).unwrap();
    strings(list, 6, &["", "Søren", "Ærbø"]);
    list.write_number(7, 5, 1.7).unwrap();
    strings(list, 7, &["291248-2344", "Inge", "Holm"]);
    book.save_to_buffer().unwrap()
}

#[test]
fn a_workbook_with_numbers_as_numbers_is_read_from_the_sheet_with_cpr() {
    let list = parse_list("liste.xlsx", &export_workbook()).unwrap();
    assert_eq!(
        list.format,
        Format::Xlsx {
            sheet: "Liste".into()
        }
    );
    assert_eq!(
        imported(&list),
        [(4, "0401620752"), (6, "1203561233"), (8, "2912482344")]
    );
    assert_eq!(
        rejections(&list),
        [(7, RejectReason::DuplicateCpr { first_line: 6 })]
    );
    assert_eq!(list.data_rows, 4);
    assert_eq!(list.ignored, ["Født"]);
    let row = &list.rows[0];
    assert_eq!(row.postal_code.as_deref(), Some("5000"));
    assert_eq!(row.phone.as_deref(), Some("+4543962312"));
    assert_eq!(row.risk_score, Some(0.42));
    assert_eq!(row.centre_code.as_deref(), Some("KOL"));
    assert_eq!(list.rows[1].risk_score, Some(0.5));
    let expected_warning = (8, Column::RiskScore, "1.7", WarnReason::InvalidRiskScore);
    assert_eq!(warnings(&list), [expected_warning]);
}

#[test]
fn the_file_name_does_not_matter_when_the_bytes_are_a_workbook() {
    let list = parse_list("liste.csv", &export_workbook()).unwrap();
    assert_eq!(list.rows.len(), 3);
}

#[test]
fn a_workbook_without_a_cpr_header_is_refused() {
    let mut book = Workbook::new();
    strings(book.add_worksheet(), 0, &["Navn", "Adresse"]);
    strings(book.add_worksheet(), 0, &["noget andet"]);
    let bytes = book.save_to_buffer().unwrap();
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::NoSheetWithCpr));
}

#[test]
fn a_workbook_with_only_a_header_is_header_only() {
    let mut book = Workbook::new();
    strings(book.add_worksheet(), 0, &["CPR", "Navn"]);
    let bytes = book.save_to_buffer().unwrap();
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::HeaderOnly));
}

#[test]
fn a_zip_that_is_no_workbook_or_is_cut_short_is_a_bad_workbook() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("readme.txt", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hello").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::BadXlsx));

    let whole = export_workbook();
    let cut = &whole[..whole.len() / 2];
    assert_eq!(parse_list("x.xlsx", cut), Err(Refusal::BadXlsx));
}

#[test]
fn a_highly_compressible_large_entry_is_a_zip_bomb() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..20 {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::ZipBomb));
}

#[test]
fn a_zip_with_too_many_entries_is_a_zip_bomb() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for i in 0..1_001 {
        zip.start_file(format!("f{i}"), stored).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::ZipBomb));
}

#[test]
fn a_zip_that_understates_an_entry_size_is_a_zip_bomb() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("xl/workbook.xml", stored).unwrap();
    zip.write_all(&[b'x'; 64 * 1024]).unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    // Declare 16 bytes uncompressed in the central directory entry.
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&16u32.to_le_bytes());
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::ZipBomb));
}

#[test]
fn a_workbook_with_more_cells_than_a_list_can_have_is_refused() {
    let bytes = crate::imports::hostile::many_cells(160_000);
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::TooManyCells));
}

#[test]
fn a_workbook_with_more_text_than_a_list_can_have_is_refused() {
    let bytes = crate::imports::hostile::long_rows(25_000);
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::TooManyCells));
    // The same rows, fewer of them, are a list.
    let list = parse_list("x.xlsx", &crate::imports::hostile::long_rows(200)).unwrap();
    assert_eq!(list.rows.len(), 200);
}

#[test]
fn a_workbook_with_a_million_shared_strings_is_refused_before_it_is_opened() {
    let bytes = crate::imports::hostile::many_shared_strings(1_100_000);
    assert_eq!(parse_list("x.xlsx", &bytes), Err(Refusal::ZipBomb));
}

#[test]
fn a_part_whose_header_understates_its_size_is_refused_whatever_it_declares() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    zip.start_file("xl/styles.xml", options).unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..40 {
        zip.write_all(&spaces).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    // Declare the packed size as the unpacked one, in both headers: the checks on the headers
    // see nothing unusual in a part of some 40 KB.
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let packed: [u8; 4] = bytes[central + 20..central + 24].try_into().unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&packed);
    bytes[22..26].copy_from_slice(&packed);
    let result = parse_list("x.xlsx", &bytes);
    assert!(
        matches!(result, Err(Refusal::ZipBomb | Refusal::BadXlsx)),
        "{result:?}"
    );
}
