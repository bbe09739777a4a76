//! No input makes the parser panic: random bytes and damaged real-shaped files.

use proptest::prelude::*;

use super::*;

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Damage {
    Flip { at: usize, bits: u8 },
    Truncate { at: usize },
    Insert { at: usize, byte: u8 },
    Delete { at: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    // Bytes that matter to a CSV reader are inserted far more often than chance would.
    let nasty = prop_oneof![
        Just(b'"'),
        Just(b';'),
        Just(b','),
        Just(b'\t'),
        Just(b'\n'),
        Just(b'\r'),
        Just(0u8),
        Just(0xC3),
        Just(0xFF),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, bits)| Damage::Flip { at, bits }),
        any::<usize>().prop_map(|at| Damage::Truncate { at }),
        (any::<usize>(), nasty).prop_map(|(at, byte)| Damage::Insert { at, byte }),
        any::<usize>().prop_map(|at| Damage::Delete { at }),
    ]
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let len = bytes.len().max(1);
        match *d {
            Damage::Flip { at, bits } => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= bits;
                }
            }
            Damage::Truncate { at } => bytes.truncate(at % len),
            Damage::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), byte),
            Damage::Delete { at } => {
                if !bytes.is_empty() {
                    bytes.remove(at % len);
                }
            }
        }
    }
    bytes
}

/// Whatever the outcome, the counts must agree with each other.
fn check(bytes: &[u8]) {
    if let Ok(list) = parse_list("list.csv", bytes) {
        assert_eq!(list.data_rows, list.rows.len() + list.rejected.len());
        assert!(list.rows.windows(2).all(|w| w[0].line < w[1].line));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes);
    }

    #[test]
    fn random_text_never_panics(text in "[CPRcpr;,\"\\n\\r\\t 0-9a-zæøåÆØÅ-]{0,400}") {
        check(text.as_bytes());
        check(format!("CPR;Navn\n{text}").as_bytes());
    }

    #[test]
    fn damaged_danish_lists_never_panic(damages in proptest::collection::vec(damage(), 1..8)) {
        check(&apply(excel_csv(DANISH), &damages));
    }

    #[test]
    fn damaged_english_lists_never_panic(damages in proptest::collection::vec(damage(), 1..8)) {
        let bytes = apply(ENGLISH.as_bytes().to_vec(), &damages);
        check(&bytes);
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(ENGLISH);
        check(&apply(latin1.into_owned(), &damages));
    }
}

proptest! {
    // Each case unzips a workbook; fewer cases keep the suite quick.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn damaged_workbooks_never_panic(damages in proptest::collection::vec(damage(), 1..4)) {
        let bytes = apply(small_workbook(), &damages);
        let _ = parse_list("list.xlsx", &bytes);
    }
}

fn small_workbook() -> Vec<u8> {
    use std::sync::OnceLock;
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (col, text) in ["CPR", "Navn", "Postnr"].iter().enumerate() {
                sheet.write_string(0, col as u16, *text).unwrap();
            }
            sheet.write_string(1, 0, "120356-1233").unwrap();
            sheet.write_string(1, 1, "Søren Ærbø").unwrap();
            sheet.write_number(1, 2, 5000.0).unwrap();
            book.save_to_buffer().unwrap()
        })
        .clone()
}

/// The workbook's entries, `damage` applied to the one named `target`, zipped again
/// uncompressed so that the damage reaches the XML reader rather than the inflater.
fn rezip(target: &str, damage: impl Fn(Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(small_workbook())).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == target {
            bytes = damage(bytes);
        }
        out.start_file(name, stored).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

const PARTS: [&str; 4] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn damaged_workbook_xml_never_panics(
        part in 0..PARTS.len(),
        damages in proptest::collection::vec(damage(), 1..6),
    ) {
        let bytes = rezip(PARTS[part], |xml| apply(xml, &damages));
        let _ = parse_list("list.xlsx", &bytes);
    }
}

#[test]
fn hostile_cell_references_and_string_indexes_do_not_panic() {
    let replace = |from: &'static str, to: &'static str| {
        move |xml: Vec<u8>| String::from_utf8(xml).unwrap().replace(from, to).into_bytes()
    };
    let sheet = "xl/worksheets/sheet1.xml";
    let cases = [
        rezip(sheet, replace("r=\"A2\"", "r=\"XFD1048576\"")),
        rezip(sheet, replace("r=\"A2\"", "r=\"A99999999999\"")),
        rezip(sheet, replace("<v>0</v>", "<v>999999</v>")),
        rezip(sheet, replace("<v>0</v>", "<v>-1</v>")),
        rezip(sheet, replace("t=\"s\"", "t=\"e\"")),
        rezip(sheet, replace("t=\"s\"", "t=\"d\"")),
        rezip(sheet, replace("<v>5000</v>", "<v>1e400</v>")),
    ];
    for bytes in cases {
        let _ = parse_list("list.xlsx", &bytes);
    }
}
