//! Plain-language names for the ICD-10 codes common in this programme, in Danish and English.
//! Unknown codes fall back to their three-character category, then to the code alone.

/// `(code, Danish, English)`: categories (three characters) and a few exact codes.
const NAMES: &[(&str, &str, &str)] = &[
    ("I10", "Forhøjet blodtryk", "Hypertension"),
    (
        "I11",
        "Hjertesygdom pga. forhøjet blodtryk",
        "Hypertensive heart disease",
    ),
    ("I20", "Hjertekrampe", "Angina pectoris"),
    ("I21", "Akut blodprop i hjertet", "Acute myocardial infarction"),
    (
        "I25",
        "Kronisk iskæmisk hjertesygdom",
        "Chronic ischaemic heart disease",
    ),
    ("I48", "Atrieflimren", "Atrial fibrillation"),
    ("I50", "Hjertesvigt", "Heart failure"),
    (
        "I50.0",
        "Hjertesvigt med væskeophobning",
        "Congestive heart failure",
    ),
    ("I63", "Blodprop i hjernen", "Cerebral infarction"),
    ("I69", "Følger efter apopleksi", "Sequelae of stroke"),
    ("I70", "Åreforkalkning", "Atherosclerosis"),
    ("J41", "Kronisk bronkitis", "Chronic bronchitis"),
    ("J43", "Emfysem", "Emphysema"),
    ("J44", "KOL", "COPD"),
    ("J44.1", "KOL med akut forværring", "COPD with acute exacerbation"),
    ("J45", "Astma", "Asthma"),
    ("J96", "Respirationssvigt", "Respiratory failure"),
    ("E10", "Type 1-diabetes", "Type 1 diabetes"),
    ("E11", "Type 2-diabetes", "Type 2 diabetes"),
    ("E66", "Svær overvægt", "Obesity"),
    ("E78", "Forhøjet kolesterol", "Raised cholesterol"),
    ("N18", "Kronisk nyresygdom", "Chronic kidney disease"),
    (
        "N18.3",
        "Kronisk nyresygdom, stadie 3",
        "Chronic kidney disease, stage 3",
    ),
    (
        "N18.4",
        "Kronisk nyresygdom, stadie 4",
        "Chronic kidney disease, stage 4",
    ),
    (
        "N18.5",
        "Kronisk nyresygdom, stadie 5",
        "Chronic kidney disease, stage 5",
    ),
    ("F32", "Depression", "Depressive episode"),
    ("F33", "Tilbagevendende depression", "Recurrent depression"),
    ("F41", "Angst", "Anxiety disorder"),
    ("F10", "Alkoholrelaterede lidelser", "Alcohol-related disorders"),
    ("G20", "Parkinsons sygdom", "Parkinson's disease"),
    ("G30", "Alzheimers sygdom", "Alzheimer's disease"),
    ("G35", "Sklerose", "Multiple sclerosis"),
    ("M05", "Leddegigt", "Rheumatoid arthritis"),
    ("M17", "Slidgigt i knæet", "Osteoarthritis of the knee"),
    ("M81", "Knogleskørhed", "Osteoporosis"),
    ("C34", "Lungekræft", "Lung cancer"),
    ("C50", "Brystkræft", "Breast cancer"),
    ("C18", "Tyktarmskræft", "Colon cancer"),
    ("K70", "Alkoholisk leversygdom", "Alcoholic liver disease"),
];

/// The name of a code in Danish (`da`) or English, if it is a common one.
pub fn name(code: &str, da: bool) -> Option<&'static str> {
    let code = code.trim().to_uppercase();
    let category = code.get(..3).unwrap_or(&code).to_owned();
    let found = [code.as_str(), category.as_str()].into_iter().find_map(|c| {
        NAMES
            .iter()
            .find(|(k, _, _)| *k == c)
            .map(|(_, d, e)| if da { *d } else { *e })
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes_have_danish_and_english_names() {
        assert_eq!(name("I50.9", true), Some("Hjertesvigt"));
        assert_eq!(name("J44.1", false), Some("COPD with acute exacerbation"));
        assert_eq!(name("e11.9", false), Some("Type 2 diabetes"));
        assert_eq!(name("Z99.9", true), None);
    }
}
