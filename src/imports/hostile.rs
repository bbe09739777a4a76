//! Hostile workbooks of about 10 MB that pass the zip checks on their headers: what the import's
//! tests and `coachline bench-import --hostile` feed it.

use std::fmt::Write as _;
use std::io::{Cursor, Write};

use rand::{Rng, SeedableRng};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook of `sheet` and `shared_strings`, with incompressible padding up to `size` bytes.
fn workbook(sheet: &[u8], shared_strings: &[u8], size: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/sharedStrings.xml", shared_strings),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    for (name, content) in parts {
        zip.start_file(name, deflated).expect("in memory");
        zip.write_all(content).expect("in memory");
    }
    let written = zip.get_ref().map_or(0, |c| c.get_ref().len());
    if size > written {
        // A picture's worth of noise: it makes the file the size of a real upload.
        let mut noise = vec![0u8; size - written];
        rand::rngs::StdRng::seed_from_u64(7).fill(&mut noise[..]);
        zip.start_file("xl/media/image1.png", stored).expect("in memory");
        zip.write_all(&noise).expect("in memory");
    }
    zip.finish().expect("in memory").into_inner()
}

/// A header with a CPR column, then `rows` rows of 13 number cells: millions of cells in a
/// sheet that the zip checks let through.
pub fn many_cells(rows: usize) -> Vec<u8> {
    let mut sheet = String::with_capacity(rows * 400);
    // Random digits, so the sheet does not compress past the checks' 100:1.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    sheet.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>CPR</t></is></c><c r="B1" t="inlineStr"><is><t>Navn</t></is></c></row>"#);
    for r in 2..rows + 2 {
        let _ = write!(sheet, r#"<row r="{r}">"#);
        for c in b'A'..=b'M' {
            let _ = write!(
                sheet,
                r#"<c r="{}{r}"><v>{}</v></c>"#,
                c as char,
                rng.gen_range(0..10)
            );
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;
    workbook(sheet.as_bytes(), strings.as_bytes(), 10 * 1024 * 1024)
}

/// `rows` valid rows whose names and addresses are as long as a row allows (about 2 KB of
/// text each): rows that are all kept in memory.
pub fn long_rows(rows: usize) -> Vec<u8> {
    let mut sheet = String::with_capacity(rows * 2_400);
    sheet.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">"#);
    for (c, header) in [
        "CPR",
        "Fornavn",
        "Efternavn",
        "Adresse",
        "By",
        "Kommune",
        "Egen læge",
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            sheet,
            r#"<c r="{}1" t="inlineStr"><is><t>{header}</t></is></c>"#,
            (b'A' + c as u8) as char
        );
    }
    sheet.push_str("</row>");
    let name = "Opdigtet".repeat(24);
    let place = "Fiktiv Vej ".repeat(45);
    for n in 0..rows {
        let r = n + 2;
        // Born in the 1900s (7th digit 1); each row another person.
        let cpr = format!(
            "{:02}{:02}{:02}-{:04}",
            1 + n % 28,
            1 + (n / 28) % 12,
            (n / 336) % 100,
            1000 + n / 33_600
        );
        let cells = [cpr.as_str(), &name, &name, &place, &place, &place, &place];
        let _ = write!(sheet, r#"<row r="{r}">"#);
        for (c, value) in cells.iter().enumerate() {
            let _ = write!(
                sheet,
                r#"<c r="{}{r}" t="inlineStr"><is><t>{value}</t></is></c>"#,
                (b'A' + c as u8) as char
            );
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;
    workbook(sheet.as_bytes(), strings.as_bytes(), 10 * 1024 * 1024)
}

/// `count` distinct short shared strings, each of which calamine would allocate on opening.
pub fn many_shared_strings(count: usize) -> Vec<u8> {
    let mut strings = String::with_capacity(count * 24);
    strings.push_str(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    for _ in 0..count {
        let _ = write!(strings, "<si><t>{:x}</t></si>", rng.gen::<u32>());
    }
    strings.push_str("</sst>");
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    workbook(sheet.as_bytes(), strings.as_bytes(), 10 * 1024 * 1024)
}
