//! Strict about content: what rejects a row, what only warns.

use super::*;

#[test]
fn rows_without_a_valid_cpr_or_a_name_are_rejected_with_their_line() {
    let list = parse(
        "CPR;Fornavn;Efternavn\n\
         ;Søren;Ærbø\n\
         310265-1233;Bent;Holm\n\
         12035-61233;Inge;Holm\n\
         120356-1233;  ;  \n\
         ;;Holm\n\
         040162-0752;;Holm\n\
         291248-2344;Inge;\n",
    );
    use RejectReason::*;
    let expected = [
        (2, CprMissing),
        (3, CprInvalid),
        (4, CprInvalid),
        (5, NameMissing),
        (6, CprMissing),
    ];
    assert_eq!(rejections(&list), expected);
    assert_eq!(imported(&list), [(7, "0401620752"), (8, "2912482344")]);
    assert_eq!(list.data_rows, 7);
    assert_eq!(list.rows[1].last_name, "");
}

#[test]
fn a_cpr_problem_is_named_before_a_missing_name() {
    let list = parse("CPR;Navn;Telefon\nxx;;43962312\n");
    assert_eq!(rejections(&list), [(2, RejectReason::CprInvalid)]);
}

#[test]
fn nine_digit_cprs_from_spreadsheets_get_their_leading_zero_back() {
    let list = parse("CPR;Navn\n401620752;Bent Holm\n");
    assert_eq!(imported(&list), [(2, "0401620752")]);
}

#[test]
fn the_same_cpr_twice_keeps_the_first_row_and_names_it() {
    let list = parse(
        "CPR;Navn\n\
         120356-1233;Søren Ærbø\n\
         040162-0752;Bent Holm\n\
         1203561233;Søren Ærbø\n\
         120356-1233;S. Ærbø\n",
    );
    assert_eq!(imported(&list), [(2, "1203561233"), (3, "0401620752")]);
    let dup = RejectReason::DuplicateCpr { first_line: 2 };
    assert_eq!(rejections(&list), [(4, dup), (5, dup)]);
    assert_eq!(list.rejected[0].reason.to_string(), "same CPR as line 2");
}

#[test]
fn a_rejected_first_occurrence_does_not_block_a_later_valid_one() {
    let list = parse("CPR;Navn\n120356-1233;\n120356-1233;Søren Ærbø\n");
    assert_eq!(rejections(&list), [(2, RejectReason::NameMissing)]);
    assert_eq!(imported(&list), [(3, "1203561233")]);
}

#[test]
fn a_single_name_column_is_split() {
    let list =
        parse("Navn;CPR\nJens Peter Hansen;120356-1233\n\"Holm, Bent\";040162-0752\nCher;291248-2344\n");
    let names: Vec<_> = list
        .rows
        .iter()
        .map(|r| (r.first_name.as_str(), r.last_name.as_str()))
        .collect();
    assert_eq!(names, [("Jens Peter", "Hansen"), ("Bent", "Holm"), ("", "Cher")]);
}

#[test]
fn first_and_last_name_columns_win_over_a_name_column() {
    let list = parse("CPR;Fornavn;Efternavn;Navn\n120356-1233;Søren;Ærbø;X Y\n040162-0752;;;Bent Holm\n");
    assert_eq!(
        (list.rows[0].first_name.as_str(), list.rows[0].last_name.as_str()),
        ("Søren", "Ærbø")
    );
    assert_eq!(
        (list.rows[1].first_name.as_str(), list.rows[1].last_name.as_str()),
        ("Bent", "Holm")
    );
}

#[test]
fn bad_optional_values_warn_and_leave_the_field_empty() {
    let list = parse(
        "CPR;Navn;Telefon;Mobil;Postnr;Diagnoser;Risikoscore\n\
         120356-1233;Søren Ærbø;ring efter 10;4396231;50000;DI50 xx DJ44.1 D50 I5;høj\n\
         040162-0752;Bent Holm;;;;;1,7\n\
         291248-2344;Inge Holm;;;;;-0.1\n",
    );
    assert!(list.rejected.is_empty());
    use Column::*;
    use WarnReason::*;
    let expected = [
        (2, PostalCode, "50000", InvalidPostalCode),
        (2, Phone, "ring efter 10", InvalidPhone),
        (2, Mobile, "4396231", InvalidPhone),
        (2, Diagnoses, "xx", InvalidIcd10),
        (2, Diagnoses, "I5", InvalidIcd10),
        (2, RiskScore, "høj", InvalidRiskScore),
        (3, RiskScore, "1,7", InvalidRiskScore),
        (4, RiskScore, "-0.1", InvalidRiskScore),
    ];
    assert_eq!(warnings(&list), expected);
    let row = &list.rows[0];
    assert_eq!(
        (row.phone.clone(), row.mobile.clone(), row.postal_code.clone()),
        (None, None, None)
    );
    assert_eq!(row.diagnoses, ["I50", "J44.1", "D50"]);
    assert!(list.rows.iter().all(|r| r.risk_score.is_none()));
}

#[test]
fn rejected_rows_carry_no_warnings() {
    let list = parse("CPR;Navn;Telefon\n120356-1233;;abc\n");
    assert!(list.warnings.is_empty());
}

#[test]
fn formula_like_text_is_stored_as_written() {
    let list = parse("CPR;Fornavn;Efternavn;Adresse\n120356-1233;=HYPERLINK(\"x\");-Holm;@vej 1\n");
    let row = &list.rows[0];
    assert_eq!(row.first_name, "=HYPERLINK(\"x\")");
    assert_eq!(row.last_name, "-Holm");
    assert_eq!(row.address.as_deref(), Some("@vej 1"));
}

#[test]
fn overlong_values_are_dropped_and_the_warning_value_shortened() {
    let long = "Å".repeat(MAX_TEXT_CHARS + 1);
    let list = parse(&format!("CPR;Navn;Adresse\n120356-1233;Søren Ærbø;{long}\n"));
    assert_eq!(list.rows[0].address, None);
    let warning = &list.warnings[0];
    assert_eq!(warning.reason, WarnReason::TooLong);
    assert_eq!(warning.value.chars().count(), MAX_WARNING_VALUE_CHARS + 1);
    let name = "Ø".repeat(MAX_NAME_CHARS + 1);
    let list = parse(&format!("CPR;Navn\n120356-1233;Søren {name}\n"));
    assert_eq!(rejections(&list), [(2, RejectReason::NameTooLong)]);
}

#[test]
fn debug_output_shows_no_patient_data() {
    let list = parse(DANISH);
    let shown = format!("{list:?}");
    for secret in ["1203561233", "120356", "Søren", "Ærbø", "Åvej", "4396"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(format!("{:?}", list.rows[0]).contains("line: 2"));
}

#[test]
fn a_streamed_pass_gives_each_valid_row_to_the_sink_and_keeps_only_the_first_notes() {
    /// Lines of the rows given, and their warnings.
    struct Lines(Vec<(usize, usize)>);
    impl RowSink for Lines {
        fn row(&mut self, row: ListRow, warnings: usize) {
            self.0.push((row.line, warnings));
        }
    }
    let text = "CPR;Navn;Telefon\n\
                ;Søren Ærbø;\n\
                310265-1233;Bent Holm;\n\
                040162-0752;Inge Holm;telefon\n\
                040162-0752;Inge Holm;\n\
                291248-2344;Ole Holm;ring ikke\n";
    let mut sink = Lines(Vec::new());
    let list = parse_into("list.csv", text.as_bytes(), 1, &mut sink).unwrap();
    assert_eq!(sink.0, [(4, 1), (6, 1)]);
    assert!(list.rows.is_empty(), "the rows went to the sink");
    assert_eq!((list.accepted, list.data_rows), (2, 5));
    assert_eq!((list.rejected.len(), list.rejected_total), (1, 3));
    assert_eq!(list.rejected[0].line, 2);
    assert_eq!((list.warnings.len(), list.warnings_total), (1, 2));
    assert_eq!(list.warnings[0].line, 4);
}
