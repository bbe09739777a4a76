//! The one way tests put a patient in the database: `NewPatient`, with invented defaults and a
//! compile-checked insert. Every test file that needs a patient row builds it here.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// A patient to insert; every field but the centre, CPR number and name has an invented default.
#[derive(Clone, Debug)]
pub struct NewPatient {
    pub centre_id: i64,
    pub cpr: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub sex: &'static str,
    pub status: String,
    pub nurse_id: Option<i64>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub diagnoses: Vec<String>,
    pub risk_score: Option<f64>,
    /// When the person's list was imported (their invitation); now when not set.
    pub created_at: Option<DateTime<Utc>>,
}

impl NewPatient {
    /// An invited woman born 1 March 1948.
    pub fn new(centre_id: i64, cpr: impl Into<String>, first_name: &str, last_name: &str) -> Self {
        NewPatient {
            centre_id,
            cpr: cpr.into(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            birth_date: NaiveDate::from_ymd_opt(1948, 3, 1).unwrap(),
            sex: "female",
            status: "invited".to_owned(),
            nurse_id: None,
            address: None,
            postal_code: None,
            city: None,
            phone: None,
            mobile: None,
            municipality: None,
            gp: None,
            diagnoses: Vec::new(),
            risk_score: None,
            created_at: None,
        }
    }

    pub fn born(mut self, date: &str) -> Self {
        self.birth_date = date.parse().unwrap();
        self
    }

    pub fn status(mut self, status: &str) -> Self {
        self.status = status.to_owned();
        self
    }

    pub fn nurse(mut self, nurse_id: Option<i64>) -> Self {
        self.nurse_id = nurse_id;
        self
    }

    pub fn phone(mut self, phone: &str) -> Self {
        self.phone = Some(phone.to_owned());
        self
    }

    pub fn mobile(mut self, mobile: &str) -> Self {
        self.mobile = Some(mobile.to_owned());
        self
    }

    pub fn address(mut self, address: &str, postal_code: &str, city: &str) -> Self {
        self.address = Some(address.to_owned());
        self.postal_code = Some(postal_code.to_owned());
        self.city = Some(city.to_owned());
        self
    }

    pub fn municipality(mut self, municipality: &str) -> Self {
        self.municipality = Some(municipality.to_owned());
        self
    }

    pub fn gp(mut self, gp: &str) -> Self {
        self.gp = Some(gp.to_owned());
        self
    }

    pub fn diagnoses(mut self, codes: &[&str]) -> Self {
        self.diagnoses = codes.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    pub fn risk(mut self, score: f64) -> Self {
        self.risk_score = Some(score);
        self
    }

    pub fn invited_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = Some(at);
        self
    }

    /// Inserts the patient; returns the id.
    pub async fn insert(self, db: &PgPool) -> i64 {
        sqlx::query_scalar!(
            "insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, status, nurse_id,
                                   address, postal_code, city, phone, mobile, municipality, gp, diagnoses,
                                   risk_score, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     coalesce($18, now()))
             returning id",
            self.centre_id,
            self.cpr,
            self.first_name,
            self.last_name,
            self.birth_date,
            self.sex,
            self.status,
            self.nurse_id,
            self.address,
            self.postal_code,
            self.city,
            self.phone,
            self.mobile,
            self.municipality,
            self.gp,
            &self.diagnoses,
            self.risk_score,
            self.created_at
        )
        .fetch_one(db)
        .await
        .unwrap()
    }
}
