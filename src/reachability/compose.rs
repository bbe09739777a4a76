//! What the protocol's steps say, in Danish (the patients' and the GPs' language): the letter
//! asking the patient to call, and the message to the GP. Built from what the record knows.

use chrono::NaiveDate;

use crate::letters::text::{phone_or_dash, recipient, sender, Letter};
use crate::web::Lang;

/// What the texts need to know, read from the patient, the centre and the nurse.
pub struct Facts {
    pub first_name: String,
    pub last_name: String,
    pub cpr: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub gp: Option<String>,
    pub centre_name: String,
    pub centre_address: String,
    pub centre_phone: String,
    pub nurse: Option<String>,
}

// No `Debug` with names or CPR in it: only that it is the facts of a patient.
impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facts").finish_non_exhaustive()
    }
}

impl Facts {
    fn signature(&self) -> String {
        match &self.nurse {
            Some(nurse) => format!("{nurse}, {}", self.centre_name),
            None => self.centre_name.clone(),
        }
    }
}

/// The letter asking the patient to call the centre, dated `today`.
pub fn letter(f: &Facts, today: NaiveDate) -> Letter {
    let da = Lang::Da;
    let phone = phone_or_dash(&f.centre_phone);
    let mut call = vec![(da.t("reach.letter_call").to_owned(), phone.clone())];
    if let Some(nurse) = &f.nurse {
        call.push((da.t("reach.letter_nurse").to_owned(), nurse.clone()));
    }
    Letter {
        sender: sender(&f.centre_name, &f.centre_address, &f.centre_phone),
        recipient: recipient(
            &f.first_name,
            &f.last_name,
            f.address.as_deref(),
            f.postal_code.as_deref(),
            f.city.as_deref(),
        ),
        dated: da.date(today),
        title: da.t("reach.letter_title").to_owned(),
        greeting: format!("{} {} {},", da.t("letter.dear"), f.first_name, f.last_name),
        intro: vec![
            da.t("reach.letter_tried").to_owned(),
            da.t("reach.letter_please_call").to_owned(),
        ],
        meeting: call,
        after: vec![
            da.t("reach.letter_new_number").to_owned(),
            da.t("reach.letter_stop").to_owned(),
        ],
        closing: da.t("letter.closing").to_owned(),
        signature: f.signature(),
    }
}

/// The message to the patient's GP after `failed` attempts in a row.
pub fn gp_message(f: &Facts, failed: i64) -> String {
    let da = Lang::Da;
    let cpr = if f.cpr.len() == 10 {
        format!("{}-{}", &f.cpr[..6], &f.cpr[6..])
    } else {
        f.cpr.clone()
    };
    let mut about = format!("{} {}, {} {cpr}", f.first_name, f.last_name, da.t("reach.gp_cpr"));
    let street = recipient(
        "",
        "",
        f.address.as_deref(),
        f.postal_code.as_deref(),
        f.city.as_deref(),
    );
    for line in street.iter().filter(|l| !l.is_empty()) {
        about.push_str(", ");
        about.push_str(line);
    }
    let phone = phone_or_dash(&f.centre_phone);
    let to =
        f.gp.as_deref()
            .filter(|g| !g.trim().is_empty())
            .unwrap_or(da.t("reach.gp_own"));
    [
        format!("{} {to}", da.t("reach.gp_to")),
        format!("{} {about}", da.t("reach.gp_about")),
        String::new(),
        da.t("reach.gp_dear").to_owned(),
        String::new(),
        da.tf("reach.gp_tried", &[("centre", &f.centre_name), ("n", &failed)]),
        String::new(),
        da.tf("reach.gp_ask", &[("phone", &phone)]),
        String::new(),
        da.t("letter.closing").to_owned(),
        f.signature(),
        format!("{} {phone}", da.t("letter.phone")),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            first_name: "Inge".into(),
            last_name: "Opdigtsen".into(),
            cpr: "0101481234".into(),
            address: Some("Opdigtet Vej 1".into()),
            postal_code: Some("5000".into()),
            city: Some("Odense C".into()),
            gp: Some("Lægehuset Opdigtet".into()),
            centre_name: "Sundhedscoaching Odense".into(),
            centre_address: "Sdr. Boulevard 29\n5000 Odense C".into(),
            centre_phone: "65 41 00 00".into(),
            nurse: Some("Nina Nielsen".into()),
        }
    }

    #[test]
    fn the_letter_asks_the_patient_to_call_the_centre_in_danish() {
        let l = letter(&facts(), "2026-11-30".parse().unwrap());
        assert_eq!(
            l.recipient,
            vec!["Inge Opdigtsen", "Opdigtet Vej 1", "5000 Odense C"]
        );
        assert_eq!(l.dated, "30.11.2026");
        assert!(l.meeting.iter().any(|(_, v)| v == "65 41 00 00"));
        assert!(l.meeting.iter().any(|(_, v)| v == "Nina Nielsen"));
        assert_eq!(l.signature, "Nina Nielsen, Sundhedscoaching Odense");
    }

    #[test]
    fn the_gp_message_names_the_patient_the_attempts_and_how_to_reach_the_centre() {
        let text = gp_message(&facts(), 3);
        assert!(text.starts_with("Til: Lægehuset Opdigtet\n"));
        assert!(text.contains("Inge Opdigtsen, cpr.nr. 010148-1234, Opdigtet Vej 1, 5000 Odense C"));
        assert!(text.contains("3 gange i træk"));
        assert!(text.contains("65 41 00 00"));
    }
}
