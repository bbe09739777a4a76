//! Reading CSV files of every shape the region's exports take.

use super::*;

#[test]
fn the_danish_export_parses_without_rejections() {
    let list = parse_list("invitationsliste.csv", &excel_csv(DANISH)).unwrap();
    let expected_format = Format::Csv {
        delimiter: b';',
        encoding: "UTF-8",
    };
    assert_eq!(list.format, expected_format);
    assert_eq!((list.rows.len(), list.data_rows), (3, 3));
    assert!(list.rejected.is_empty() && list.warnings.is_empty());
    assert_eq!(list.recognised.len(), 13);
    assert!(list.ignored.is_empty());

    let row = &list.rows[0];
    assert_eq!((row.line, row.cpr.formatted().as_str()), (2, "120356-1233"));
    assert_eq!(
        (row.first_name.as_str(), row.last_name.as_str()),
        ("Søren", "Ærbø")
    );
    assert_eq!(row.address.as_deref(), Some("Åvej 3"));
    assert_eq!(row.postal_code.as_deref(), Some("5000"));
    assert_eq!(row.city.as_deref(), Some("Odense C"));
    assert_eq!(row.phone.as_deref(), Some("+4543962312"));
    assert_eq!(row.mobile.as_deref(), Some("+4597214008"));
    assert_eq!(row.municipality.as_deref(), Some("Odense"));
    assert_eq!(row.gp.as_deref(), Some("Lægehuset Åbyen"));
    assert_eq!(row.diagnoses, ["E11", "I50", "J44"]);
    assert_eq!(row.risk_score, Some(0.763));
    assert_eq!(row.centre_code.as_deref(), Some("OUH"));
    assert_eq!(list.rows[1].centre_code.as_deref(), Some("KOL"));
    assert_eq!(list.rows[1].address.as_deref(), Some("Strandvej 13, 2. tv."));
    assert_eq!(list.rows[2].mobile, None);
}

#[test]
fn the_english_export_parses_without_rejections() {
    let list = parse(ENGLISH);
    assert_eq!(
        list.format,
        Format::Csv {
            delimiter: b',',
            encoding: "UTF-8"
        }
    );
    assert_eq!(imported(&list), [(2, "2810743087"), (3, "1503310218")]);
    assert!(list.rejected.is_empty() && list.warnings.is_empty());
    assert_eq!(list.rows[0].risk_score, Some(0.941));
    assert_eq!(list.rows[0].diagnoses, ["I25", "I50", "J44", "M05"]);
}

#[test]
fn crlf_and_lf_give_the_same_rows() {
    let lf = parse(DANISH);
    let crlf = parse_list("x.csv", &excel_csv(DANISH)).unwrap();
    assert_eq!(lf.rows, crlf.rows);
}

#[test]
fn windows_1252_files_keep_danish_letters() {
    let text = "CPR;Fornavn;Efternavn;By\n120356-1233;Søren;Ålborg;Ærø\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let list = parse_list("x.csv", &bytes).unwrap();
    assert_eq!(
        list.format,
        Format::Csv {
            delimiter: b';',
            encoding: "windows-1252"
        }
    );
    let row = &list.rows[0];
    assert_eq!(
        (row.first_name.as_str(), row.last_name.as_str()),
        ("Søren", "Ålborg")
    );
    assert_eq!(row.city.as_deref(), Some("Ærø"));
}

#[test]
fn tab_separated_files_are_read() {
    let list = parse("CPR\tNavn\tTelefon\n120356-1233\tSøren Ærbø\t43962312\n");
    assert_eq!(list.rows[0].last_name, "Ærbø");
    assert_eq!(list.rows[0].phone.as_deref(), Some("+4543962312"));
}

#[test]
fn quoted_fields_may_hold_the_delimiter_and_line_breaks() {
    let list = parse(
        "CPR;Navn;Adresse\n\
         120356-1233;\"Ærbø, Søren\";\"Åvej 3; st.\r\n5000 Odense C\"\n\
         040162-0752;\"Bent \"\"Bo\"\" Holm\";Strandvej 1\n\
         291248-2344;Inge Mølgaard;\n",
    );
    assert!(list.rejected.is_empty());
    assert_eq!(imported(&list)[1..], [(4, "0401620752"), (5, "2912482344")]);
    let first = &list.rows[0];
    assert_eq!(
        (first.first_name.as_str(), first.last_name.as_str()),
        ("Søren", "Ærbø")
    );
    assert_eq!(first.address.as_deref(), Some("Åvej 3; st.\r\n5000 Odense C"));
    assert_eq!(list.rows[1].first_name, "Bent \"Bo\"");
}

#[test]
fn blank_lines_and_empty_rows_are_skipped_but_lines_still_count() {
    let text = "\n\nCPR;Navn\n\n120356-1233;Søren Ærbø\n;\n   ;  \n\r\n040162-0752;Bent Holm\n\n;;\n";
    let list = parse(text);
    assert_eq!(imported(&list), [(5, "1203561233"), (9, "0401620752")]);
    assert_eq!(list.data_rows, 2);
    assert!(list.rejected.is_empty());
}

#[test]
fn a_title_line_above_the_header_is_passed_over() {
    let list = parse("Invitationsliste, uge 12;;\nCPR;Navn\n120356-1233;Søren Ærbø\n");
    assert_eq!(imported(&list), [(3, "1203561233")]);
}

#[test]
fn headers_match_in_any_language_case_and_spacing_and_unknown_ones_are_listed() {
    let text =
        " CPR-nr ; FIRST NAME ;last-name;Bemærkning;Egen Læge\n120356-1233;Søren;Ærbø;ring før 10;Dr. Ask\n";
    let list = parse(text);
    use Column::*;
    assert_eq!(list.recognised, [Cpr, FirstName, LastName, Gp]);
    assert_eq!(list.ignored, ["Bemærkning"]);
    assert_eq!(list.rows[0].gp.as_deref(), Some("Dr. Ask"));
}

#[test]
fn short_rows_leave_the_missing_cells_empty() {
    let list = parse("CPR;Navn;Telefon;Kommune\n120356-1233;Søren Ærbø\n");
    assert_eq!(
        (list.rows[0].phone.clone(), list.rows[0].municipality.clone()),
        (None, None)
    );
}

#[test]
fn utf16_unicode_text_from_excel_is_read() {
    let text = "CPR\tNavn\r\n120356-1233\tSøren Ærbø\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let list = parse_list("x.txt", &bytes).unwrap();
    assert_eq!(imported(&list), [(2, "1203561233")]);
    assert_eq!(list.rows[0].first_name, "Søren");
}

#[test]
fn fifteen_thousand_rows_parse_in_one_pass() {
    let mut text = String::from("CPR;Fornavn;Efternavn;Telefon;Diagnoser;Risikoscore\n");
    for i in 0..15_000u32 {
        let (day, serial) = (1 + i % 28, 1000 + i / 28);
        text.push_str(&format!(
            "{day:02}0170-{serial:04};Anne;Holm;4396{serial:04};DI50 DJ44;0,5\n"
        ));
    }
    let started = std::time::Instant::now();
    let list = parse(&text);
    let spent = started.elapsed();
    assert_eq!((list.rows.len(), list.rejected.len()), (15_000, 0));
    // Unoptimised builds are roughly ten times slower than release; this only
    // catches accidental quadratic work, the benchmark measures the real figure.
    assert!(spent.as_secs() < 5, "{spent:?}");
}
