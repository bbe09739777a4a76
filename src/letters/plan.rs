//! The patient's plan (as a Swedish *patientkontrakt*): their goals, the agreed call times and
//! rhythm, their nurse and how to reach the centre, and their own contacts. A one-page letter
//! in Danish, as HTML (the plan page and its printed versions, `courses::plan`) and as PDF (sent
//! with a correspondence message, `messaging::correspondence`): one content, two forms.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::pdf::{self, Writer, BOLD, REGULAR};
use crate::web::{AppError, Lang, Result};

/// The plan as it stands: rendered into the page, stored as printed, or written as PDF.
#[derive(Template)]
#[template(path = "letters/plan.html")]
pub struct Plan {
    da: Lang,
    today: String,
    name: String,
    address: Vec<String>,
    /// The patient's open goals, oldest first.
    pub goals: Vec<String>,
    calls: Vec<String>,
    preferred_call_times: String,
    rhythm_weeks: Option<i64>,
    nurse: Option<String>,
    centre_name: String,
    centre_phone: String,
    centre_address: String,
    gp: Option<String>,
    municipality: Option<String>,
    relatives: Vec<(String, String, Option<String>)>,
}

impl Plan {
    /// "We call about every second week", in Danish.
    fn rhythm(&self) -> Option<String> {
        self.rhythm_weeks.map(|w| match w {
            1 => self.da.t("plan.rhythm_weekly").to_owned(),
            w => self.da.tf("plan.rhythm", &[("n", &w)]),
        })
    }

    /// The title a copy of the plan goes by ("Din plan").
    pub fn title(&self) -> &'static str {
        self.da.t("plan.letter_title")
    }

    /// The plan as a PDF document (A4, the letters' fonts), with the same content as the HTML.
    pub fn pdf(&self) -> Vec<u8> {
        let da = self.da;
        let mut w = Writer::new();
        let mut sender = vec![self.centre_name.clone()];
        if !self.centre_address.is_empty() {
            sender.push(self.centre_address.clone());
        }
        if !self.centre_phone.is_empty() {
            sender.push(format!("{} {}", da.t("plan.phone"), self.centre_phone));
        }
        for (i, line) in sender.iter().enumerate() {
            w.line(if i == 0 { BOLD } else { REGULAR }, 10.0, 360.0, line);
        }
        w.y = pdf::PAGE_HEIGHT - 170.0;
        w.line(REGULAR, 11.0, pdf::MARGIN_LEFT, &self.name);
        for line in &self.address {
            w.line(REGULAR, 11.0, pdf::MARGIN_LEFT, line);
        }
        w.y = pdf::PAGE_HEIGHT - 260.0;
        w.line(REGULAR, 10.0, 360.0, &self.today);
        w.y -= 14.0;
        w.line(BOLD, 15.0, pdf::MARGIN_LEFT, self.title());
        w.y -= 8.0;
        w.paragraph(da.t("plan.letter_intro"), 11.0);
        w.heading(da.t("plan.your_goals"), 12.0);
        if self.goals.is_empty() {
            w.paragraph(da.t("plan.no_goals"), 11.0);
        }
        for goal in &self.goals {
            w.bullet(goal, 11.0);
        }
        w.heading(da.t("plan.your_calls"), 12.0);
        if let Some(rhythm) = self.rhythm() {
            w.paragraph(&rhythm, 11.0);
        }
        if !self.preferred_call_times.is_empty() {
            w.paragraph(
                &format!("{} {}", da.t("plan.times"), self.preferred_call_times),
                11.0,
            );
        }
        if self.calls.is_empty() {
            w.paragraph(da.t("plan.no_calls"), 11.0);
        }
        for call in &self.calls {
            w.bullet(call, 11.0);
        }
        w.heading(da.t("plan.your_nurse"), 12.0);
        let mut nurse = match &self.nurse {
            Some(n) => format!("{n}, {}.", self.centre_name),
            None => format!("{}.", self.centre_name),
        };
        if !self.centre_phone.is_empty() {
            nurse = format!("{nurse} {} {}.", da.t("plan.reach_us"), self.centre_phone);
        }
        w.paragraph(&nurse, 11.0);
        w.heading(da.t("plan.your_contacts"), 12.0);
        if let Some(gp) = &self.gp {
            w.bullet(&format!("{}: {gp}", da.t("patient.gp")), 11.0);
        }
        if let Some(m) = &self.municipality {
            w.bullet(&format!("{}: {m}", da.t("patient.municipality")), 11.0);
        }
        for (name, relation, phone) in &self.relatives {
            let mut line = name.clone();
            if !relation.is_empty() {
                line = format!("{line} ({relation})");
            }
            if let Some(phone) = phone {
                line = format!("{line}: {phone}");
            }
            w.bullet(&line, 11.0);
        }
        w.y -= 10.0;
        w.line(REGULAR, 11.0, pdf::MARGIN_LEFT, da.t("plan.regards"));
        if let Some(n) = &self.nurse {
            w.line(BOLD, 11.0, pdf::MARGIN_LEFT, n);
        }
        pdf::document(self.title(), &w.finish())
    }
}

/// The patient's plan as it stands at `now`, dates in `tz`.
pub async fn load(db: &sqlx::PgPool, patient_id: i64, tz: Tz, now: DateTime<Utc>) -> Result<Plan> {
    let p = sqlx::query!(
        r#"select p.first_name, p.last_name, p.address, p.postal_code, p.city, p.gp, p.municipality,
                  p.preferred_call_times, c.name as centre_name, c.phone as centre_phone,
                  c.address as centre_address, u.name as "nurse?"
             from patients p join centres c on c.id = p.centre_id
             left join users u on u.id = p.nurse_id
            where p.id = $1"#,
        patient_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let goals = sqlx::query_scalar!(
        "select text from goals where patient_id = $1 and status = 'open' order by created_at",
        patient_id
    )
    .fetch_all(db)
    .await?;
    let starts = sqlx::query_scalar!(
        "select starts_at from appointments
          where patient_id = $1 and kind = 'call' and status = 'scheduled' and starts_at > $2
          order by starts_at limit 4",
        patient_id,
        now
    )
    .fetch_all(db)
    .await?;
    let relatives = sqlx::query!(
        "select name, relation, phone from patient_contacts where patient_id = $1 order by id",
        patient_id
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.name, r.relation, r.phone))
    .collect();
    let rhythm_weeks = crate::appointments::usual_interval_days(db, patient_id)
        .await?
        .map(|d| (d + 3) / 7);
    let mut address = Vec::new();
    if let Some(a) = p.address {
        address.push(a);
    }
    let town = [p.postal_code, p.city]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        address.push(town);
    }
    Ok(Plan {
        da: Lang::Da,
        today: Lang::Da.date(crate::clock::today_at(now, tz)),
        name: format!("{} {}", p.first_name, p.last_name),
        address,
        goals,
        calls: starts.iter().map(|at| Lang::Da.booked(*at, tz)).collect(),
        preferred_call_times: p.preferred_call_times,
        rhythm_weeks,
        nurse: p.nurse,
        centre_name: p.centre_name,
        centre_phone: p.centre_phone,
        centre_address: p.centre_address,
        gp: p.gp,
        municipality: p.municipality,
        relatives,
    })
}
