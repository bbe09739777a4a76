//! Files that are not a list are refused whole.

use super::*;

fn refusal(name: &str, bytes: &[u8]) -> Refusal {
    parse_list(name, bytes).expect_err("refused")
}

#[test]
fn an_empty_or_blank_file_is_empty() {
    assert_eq!(refusal("x.csv", b""), Refusal::Empty);
    assert_eq!(refusal("x.csv", b" \r\n\n\t"), Refusal::Empty);
    assert_eq!(refusal("x.csv", b"\xEF\xBB\xBF\r\n"), Refusal::Empty);
}

#[test]
fn a_file_over_the_limit_is_too_large_before_anything_else() {
    let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
    assert_eq!(refusal("x.csv", &bytes), Refusal::TooLarge);
    assert_eq!(Refusal::TooLarge.detail().as_deref(), Some("50 MB"));
}

#[test]
fn binary_files_are_refused() {
    assert_eq!(
        refusal("x.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0"),
        Refusal::Binary
    );
    assert_eq!(
        refusal("x.csv", b"CPR;Navn\n120356-1233;S\0ren\n"),
        Refusal::Binary
    );
    let noise: Vec<u8> = (1u8..=8).cycle().take(100).collect();
    assert_eq!(refusal("x.csv", &noise), Refusal::Binary);
}

#[test]
fn a_file_named_xlsx_that_is_no_workbook_is_a_bad_workbook() {
    assert_eq!(
        refusal("liste.XLSX", b"\x01\x02\x03\x04\x05\0\0"),
        Refusal::BadXlsx
    );
}

#[test]
fn old_xls_and_encrypted_workbooks_are_named_as_such() {
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.extend_from_slice(&[0; 504]);
    assert_eq!(refusal("liste.xls", &cfb), Refusal::LegacyWorkbook);
}

#[test]
fn no_cpr_column_is_refused() {
    assert_eq!(
        refusal("x.csv", b"Navn;Adresse\nSoeren;Vej 1\n"),
        Refusal::NoCprColumn
    );
    assert_eq!(refusal("x.csv", b"hello"), Refusal::NoCprColumn);
    // The header row must come within the first ten non-blank rows.
    let late = format!(
        "{}CPR;Navn\n120356-1233;A B\n",
        "titel;\n".repeat(HEADER_SCAN_ROWS)
    );
    assert_eq!(refusal("x.csv", late.as_bytes()), Refusal::NoCprColumn);
}

#[test]
fn a_header_without_data_rows_is_header_only() {
    assert_eq!(refusal("x.csv", b"CPR;Navn\n"), Refusal::HeaderOnly);
    assert_eq!(
        refusal("x.csv", b"\xEF\xBB\xBFCPR;Navn\r\n;\r\n\r\n ; \r\n"),
        Refusal::HeaderOnly
    );
}

#[test]
fn refusals_have_keys_and_english_sentences() {
    let all = [
        Refusal::TooLarge,
        Refusal::Empty,
        Refusal::Binary,
        Refusal::HeaderOnly,
        Refusal::NoCprColumn,
        Refusal::NoSheetWithCpr,
        Refusal::ZipBomb,
        Refusal::TooManyCells,
        Refusal::BadXlsx,
        Refusal::LegacyWorkbook,
        Refusal::TooManyRows,
    ];
    let mut keys: Vec<_> = all.iter().map(Refusal::key).collect();
    assert!(keys.iter().all(|k| k.starts_with("import.refused.")));
    keys.dedup();
    assert_eq!(keys.len(), all.len());
    assert_eq!(Refusal::Empty.to_string(), "the file is empty");
    assert_eq!(Refusal::NoCprColumn.key(), "import.refused.no_cpr_column");
    assert_eq!(Refusal::Empty.detail(), None);
}

#[test]
fn a_list_of_more_than_half_a_million_rows_is_refused_and_says_so() {
    let mut csv = String::from("CPR;Navn\n");
    for n in 0..=super::super::MAX_ROWS {
        // Rows need not be valid to count: the cap is on what the file holds.
        csv.push_str(&format!("{n};x\n"));
    }
    assert_eq!(refusal("liste.csv", csv.as_bytes()), Refusal::TooManyRows);
    assert_eq!(Refusal::TooManyRows.detail().as_deref(), Some("500000"));
}
