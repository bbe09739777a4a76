//! Tests of `parse_list` as a whole. All people here are invented.

mod csv_files;
mod refusals;
mod robustness;
mod rows;
mod xlsx_files;

use super::*;

/// Shaped like the region's Danish export: BOM, CRLF, `;`, decimal comma.
const DANISH: &str = "\
CPR;Fornavn;Efternavn;Adresse;Postnr;By;Telefon;Mobil;Kommune;Egen læge;Diagnoser;Risikoscore;Center
120356-1233;Søren;Ærbø;Åvej 3;5000;Odense C;43 96 23 12;+45 97214008;Odense;Lægehuset Åbyen;DE11 DI50 DJ44;0,763;OUH
040162-0752;Bent;Østergård;Strandvej 13, 2. tv.;7100;Vejle;+45 70243202;44307436;Vejle;Dr. Holm & Bach;DI10 DI25 DM05;0,642;kol
291248-2344;Inge;Mølgaard;Fasanvej 80;6000;Kolding;72371719;;Kolding;Familielægerne;DF32;0,97;KOL
";

/// Shaped like the English export: `,`, LF, decimal point, no BOM.
const ENGLISH: &str = "\
cpr,first_name,last_name,address,postal_code,city,phone,mobile,municipality,gp,diagnoses,risk_score,centre
281074-3087,Svend,Olsen,Østergade 76,5600,Faaborg,73 85 14 18,+45 26811286,Faaborg-Midtfyn,Sundhedshuset Øst,DI25 DI50 DJ44 DM05,0.941,OUH
150331-0218,Niels,Holm,Søndergade 115,7000,Fredericia,77329625,75 59 70 11,Fredericia,Lægehuset Åbyen,DE66 DF32,0.557,KOL
";

/// `text` with a UTF-8 BOM and CRLF line ends, as Excel on Windows saves it.
fn excel_csv(text: &str) -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.replace('\n', "\r\n").as_bytes());
    bytes
}

/// Parses CSV text that must be accepted.
fn parse(text: &str) -> ParsedList {
    parse_list("list.csv", text.as_bytes()).expect("accepted")
}

/// (line, reason) of every rejection.
fn rejections(list: &ParsedList) -> Vec<(usize, RejectReason)> {
    list.rejected.iter().map(|r| (r.line, r.reason)).collect()
}

/// (line, column, value, reason) of every warning.
fn warnings(list: &ParsedList) -> Vec<(usize, Column, &str, WarnReason)> {
    list.warnings
        .iter()
        .map(|w| (w.line, w.column, w.value.as_str(), w.reason))
        .collect()
}

/// Line and CPR of every imported row.
fn imported(list: &ParsedList) -> Vec<(usize, &str)> {
    list.rows.iter().map(|r| (r.line, r.cpr.as_str())).collect()
}
