//! What an invitation letter says, in Danish, built once and written both as HTML and as PDF.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::web::Lang;

/// One letter's data, as stored and joined for printing.
pub struct LetterData {
    pub patient_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub centre_name: String,
    pub centre_address: String,
    pub centre_phone: String,
    pub proposed_at: DateTime<Utc>,
    pub place: String,
    pub produced_at: DateTime<Utc>,
    /// A reminder names the first letter's date.
    pub reminder_of: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for LetterData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterData")
            .field("patient_id", &self.patient_id)
            .finish_non_exhaustive()
    }
}

/// A letter laid out in blocks of lines. Any letter coachline writes (an invitation, a letter
/// asking the patient to call) is one of these, printed as HTML and as PDF by the same code.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Letter {
    pub sender: Vec<String>,
    pub recipient: Vec<String>,
    pub dated: String,
    pub title: String,
    pub greeting: String,
    pub intro: Vec<String>,
    /// Label and value: when and where; whom to call.
    pub meeting: Vec<(String, String)>,
    pub after: Vec<String>,
    pub closing: String,
    pub signature: String,
}

/// The letter for one patient; always in Danish, the patients' language.
pub fn compose(d: &LetterData, tz: Tz) -> Letter {
    let da = Lang::Da;
    let local = d.proposed_at.with_timezone(&tz);
    let when = format!(
        "{} {} kl. {}",
        da.weekday(local.date_naive().weekday()),
        da.date(local.date_naive()),
        local.format("%H:%M")
    );
    let phone = phone_or_dash(&d.centre_phone);
    Letter {
        sender: sender(&d.centre_name, &d.centre_address, &d.centre_phone),
        recipient: recipient(
            &d.first_name,
            &d.last_name,
            d.address.as_deref(),
            d.postal_code.as_deref(),
            d.city.as_deref(),
        ),
        dated: da.date(d.produced_at.with_timezone(&tz).date_naive()),
        title: match d.reminder_of {
            Some(_) => da.t("letter.reminder_title").to_owned(),
            None => da.t("letter.title").to_owned(),
        },
        greeting: format!("{} {} {},", da.t("letter.dear"), d.first_name, d.last_name),
        intro: match d.reminder_of {
            Some(first) => vec![
                da.tf(
                    "letter.reminder_intro",
                    &[("date", &da.date(first.with_timezone(&tz).date_naive()))],
                ),
                da.t("letter.intro").to_owned(),
                da.t("letter.reminder_meeting").to_owned(),
            ],
            None => vec![
                da.t("letter.intro").to_owned(),
                da.t("letter.meeting_intro").to_owned(),
            ],
        },
        meeting: vec![
            (da.t("letter.when").to_owned(), when),
            (da.t("letter.where").to_owned(), d.place.clone()),
        ],
        after: vec![
            da.t("letter.bring").to_owned(),
            da.tf("letter.change", &[("phone", &phone)]),
        ],
        closing: da.t("letter.closing").to_owned(),
        signature: d.centre_name.clone(),
    }
}

/// The centre's phone number as a letter prints it: a dash when there is none.
pub fn phone_or_dash(phone: &str) -> String {
    match phone.trim() {
        "" => "–".to_owned(),
        p => p.to_owned(),
    }
}

/// The sender block: the centre's name, its address lines and its phone number.
pub fn sender(centre_name: &str, centre_address: &str, centre_phone: &str) -> Vec<String> {
    let mut lines = vec![centre_name.to_owned()];
    lines.extend(
        centre_address
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty()),
    );
    lines.push(format!(
        "{} {}",
        Lang::Da.t("letter.phone"),
        phone_or_dash(centre_phone)
    ));
    lines
}

/// The recipient block: name, street and town, leaving out what is unknown.
pub fn recipient(
    first_name: &str,
    last_name: &str,
    address: Option<&str>,
    postal_code: Option<&str>,
    city: Option<&str>,
) -> Vec<String> {
    let mut lines = vec![format!("{first_name} {last_name}").trim().to_owned()];
    if let Some(a) = address.filter(|a| !a.trim().is_empty()) {
        lines.push(a.trim().to_owned());
    }
    let town = format!("{} {}", postal_code.unwrap_or(""), city.unwrap_or(""));
    if !town.trim().is_empty() {
        lines.push(town.trim().to_owned());
    }
    lines
}
