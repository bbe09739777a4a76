//! Recognising the header row: Danish or English names, any case and spacing.

/// A column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// CPR number (required).
    Cpr,
    /// First name(s).
    FirstName,
    /// Last name.
    LastName,
    /// Full name in one cell, split on import.
    Name,
    /// Street address.
    Address,
    /// Postal code.
    PostalCode,
    /// City (postal district).
    City,
    /// Landline phone.
    Phone,
    /// Mobile phone.
    Mobile,
    /// Municipality.
    Municipality,
    /// The patient's own general practitioner.
    Gp,
    /// ICD-10 diagnosis codes.
    Diagnoses,
    /// Risk score between 0 and 1.
    RiskScore,
    /// Code of the call centre the patient belongs to.
    Centre,
}

impl Column {
    /// Stable snake_case name, for JSON and message keys.
    pub fn key(&self) -> &'static str {
        match self {
            Column::Cpr => "cpr",
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::Name => "name",
            Column::Address => "address",
            Column::PostalCode => "postal_code",
            Column::City => "city",
            Column::Phone => "phone",
            Column::Mobile => "mobile",
            Column::Municipality => "municipality",
            Column::Gp => "gp",
            Column::Diagnoses => "diagnoses",
            Column::RiskScore => "risk_score",
            Column::Centre => "centre",
        }
    }

    /// Recognises a header cell as written in the file, or `None` for an unknown name.
    pub fn recognise(header: &str) -> Option<Column> {
        let name = normalise(header);
        let column = match name.as_str() {
            "cpr" | "cprnr" | "cpr nr" | "cpr nummer" | "cprnummer" | "cpr number" => Column::Cpr,
            "fornavn" | "fornavne" | "first name" | "firstname" | "given name" => Column::FirstName,
            "efternavn" | "last name" | "lastname" | "surname" | "family name" => Column::LastName,
            "navn" | "name" | "fulde navn" | "full name" => Column::Name,
            "adresse" | "address" | "vejnavn" | "street" => Column::Address,
            "postnr" | "post nr" | "postnummer" | "postal code" | "postcode" | "zip" | "zip code"
            | "zipcode" => Column::PostalCode,
            "by" | "city" | "bynavn" | "postdistrikt" | "town" => Column::City,
            "telefon" | "tlf" | "tlf nr" | "telefonnummer" | "phone" | "telephone" | "phone number" => {
                Column::Phone
            }
            "mobil" | "mobiltelefon" | "mobilnummer" | "mobil nr" | "mobile" | "mobile phone"
            | "cell phone" => Column::Mobile,
            "kommune" | "bopælskommune" | "municipality" => Column::Municipality,
            "egen læge"
            | "læge"
            | "egen laege"
            | "laege"
            | "praktiserende læge"
            | "gp"
            | "general practitioner" => Column::Gp,
            "diagnoser" | "diagnose" | "diagnoses" | "diagnosis" | "icd10" | "icd 10" => Column::Diagnoses,
            "risikoscore" | "risiko score" | "risk score" | "riskscore" => Column::RiskScore,
            "center" | "centre" | "callcenter" | "call center" | "call centre" | "center kode"
            | "centre code" | "center code" => Column::Centre,
            _ => return None,
        };
        Some(column)
    }
}

/// Lower-cases and treats `_`, `-`, `.` and any run of whitespace alike, so that
/// `" CPR-nr. "`, `"cpr_nr"` and `"Cpr Nr"` compare equal. A BOM is whitespace here.
fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let words = header
        .split(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '.' | '\u{feff}'))
        .filter(|w| !w.is_empty());
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Which column each cell of the header row holds.
#[derive(Debug, Clone, Default)]
pub(super) struct HeaderMap {
    /// One entry per header cell; `None` for unknown or repeated columns.
    pub by_index: Vec<Option<Column>>,
    /// Recognised columns, in file order.
    pub recognised: Vec<Column>,
    /// Unknown (or repeated) header names as written, trimmed.
    pub ignored: Vec<String>,
}

impl HeaderMap {
    /// Maps a header row. A repeated column keeps its first cell; the later ones are
    /// ignored rather than silently overwriting data.
    pub fn new<'a>(cells: impl IntoIterator<Item = &'a str>) -> HeaderMap {
        let mut map = HeaderMap::default();
        for cell in cells {
            let column = Column::recognise(cell).filter(|c| !map.recognised.contains(c));
            match column {
                Some(c) => map.recognised.push(c),
                None => {
                    let written = cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
                    if !written.is_empty() {
                        map.ignored.push(written.to_owned());
                    }
                }
            }
            map.by_index.push(column);
        }
        map
    }

    /// Whether the row this was built from can be the header row.
    pub fn has_cpr(&self) -> bool {
        self.recognised.contains(&Column::Cpr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_and_english_names_in_any_case_and_spacing() {
        let cases = [
            ("CPR", Column::Cpr),
            ("\u{feff}cpr", Column::Cpr),
            ("Cpr-nr.", Column::Cpr),
            ("CPRNR", Column::Cpr),
            (" Fornavn ", Column::FirstName),
            ("first_name", Column::FirstName),
            ("First Name", Column::FirstName),
            ("EFTERNAVN", Column::LastName),
            ("last-name", Column::LastName),
            ("Navn", Column::Name),
            ("Adresse", Column::Address),
            ("Postnr", Column::PostalCode),
            ("postnummer", Column::PostalCode),
            ("postal_code", Column::PostalCode),
            ("ZIP", Column::PostalCode),
            ("By", Column::City),
            ("Telefon", Column::Phone),
            ("Mobil", Column::Mobile),
            ("Kommune", Column::Municipality),
            ("Egen læge", Column::Gp),
            ("EGEN LÆGE", Column::Gp),
            ("egen_læge", Column::Gp),
            ("Læge", Column::Gp),
            ("GP", Column::Gp),
            ("Diagnoser", Column::Diagnoses),
            ("Risikoscore", Column::RiskScore),
            ("risk_score", Column::RiskScore),
            ("Center", Column::Centre),
            ("centre", Column::Centre),
        ];
        for (header, column) in cases {
            assert_eq!(Column::recognise(header), Some(column), "{header:?}");
        }
        assert_eq!(Column::recognise("Bemærkning"), None);
        assert_eq!(Column::recognise(""), None);
    }

    #[test]
    fn unknown_and_repeated_columns_are_ignored_as_written() {
        let map = HeaderMap::new([" CPR ", " Bemærkning ", "Telefon", "", "telefon"]);
        assert_eq!(map.recognised, vec![Column::Cpr, Column::Phone]);
        assert_eq!(map.ignored, vec!["Bemærkning".to_owned(), "telefon".to_owned()]);
        assert_eq!(map.by_index[2], Some(Column::Phone));
        assert_eq!(map.by_index[4], None);
        assert!(map.has_cpr());
        assert!(!HeaderMap::new(["Navn", "Adresse"]).has_cpr());
    }

    #[test]
    fn column_keys_are_snake_case() {
        assert_eq!(Column::Phone.key(), "phone");
        assert_eq!(Column::RiskScore.key(), "risk_score");
    }
}
