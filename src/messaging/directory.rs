//! The directory of organisations messages go to (GP practices, municipalities, hospital
//! departments): the admin's list and form, and which of them a patient's GP and municipality
//! are (the view `patient_organisations` holds that rule).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use sqlx::PgExecutor;

use crate::db::ResultExt;
use crate::domain::OrganisationKind;
use crate::web::{render, AppError, FormErrors, Layout, Page, Result};
use crate::AppState;

/// One organisation of the directory.
#[derive(Clone, Debug)]
pub struct Organisation {
    pub id: i64,
    pub kind: OrganisationKind,
    pub name: String,
    pub sor_code: String,
    pub ean: String,
    pub municipality_code: Option<String>,
    pub gp_provider_number: Option<String>,
}

/// True for a 13-digit EAN (GLN) location number whose last digit is the GS1 check digit.
pub fn ean_is_valid(ean: &str) -> bool {
    if ean.len() != 13 || !ean.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = ean.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits[..12]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == digits[12]
}

fn all_digits(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// What the organisation form carries, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sor_code: String,
    #[serde(default)]
    pub ean: String,
    #[serde(default)]
    pub municipality_code: String,
    #[serde(default)]
    pub gp_provider_number: String,
    /// The code of the call centre this entry is (the sender of its MedCom messages).
    #[serde(default)]
    pub centre_code: String,
}

/// A checked organisation, ready to save.
#[derive(Clone, Debug)]
pub struct ValidOrganisation {
    pub kind: OrganisationKind,
    pub name: String,
    pub sor_code: String,
    pub ean: String,
    pub municipality_code: Option<String>,
    pub gp_provider_number: Option<String>,
    pub centre_code: Option<String>,
}

impl OrganisationForm {
    /// Trims and checks the form: the organisation, or the form with its errors.
    pub fn validate(mut self) -> std::result::Result<ValidOrganisation, Box<(Self, FormErrors)>> {
        let mut errors = FormErrors::default();
        for field in [
            &mut self.kind,
            &mut self.name,
            &mut self.sor_code,
            &mut self.ean,
            &mut self.municipality_code,
            &mut self.gp_provider_number,
            &mut self.centre_code,
        ] {
            *field = field.trim().to_owned();
        }
        let kind = OrganisationKind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "organisation.kind_missing");
        }
        if self.name.is_empty() {
            errors.add("name", "form.required");
        }
        errors.limit("name", &self.name, crate::web::limits::Limit::Line);
        if !all_digits(&self.sor_code, 6..=18) {
            errors.add("sor_code", "organisation.sor_invalid");
        }
        if !ean_is_valid(&self.ean) {
            errors.add("ean", "organisation.ean_invalid");
        }
        let municipality_code = Some(self.municipality_code.clone()).filter(|c| !c.is_empty());
        if let Some(code) = &municipality_code {
            if !all_digits(code, 3..=3) {
                errors.add("municipality_code", "organisation.municipality_code_invalid");
            } else if kind != Some(OrganisationKind::Municipality) {
                errors.add("municipality_code", "organisation.only_municipality");
            }
        }
        let gp_provider_number = Some(self.gp_provider_number.clone()).filter(|c| !c.is_empty());
        if let Some(number) = &gp_provider_number {
            if !all_digits(number, 6..=6) {
                errors.add("gp_provider_number", "organisation.provider_number_invalid");
            } else if kind != Some(OrganisationKind::GpPractice) {
                errors.add("gp_provider_number", "organisation.only_gp");
            }
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(ValidOrganisation {
                kind,
                name: self.name,
                sor_code: self.sor_code,
                ean: self.ean,
                municipality_code,
                gp_provider_number,
                centre_code: Some(self.centre_code.to_uppercase()).filter(|c| !c.is_empty()),
            }),
            _ => Err(Box::new((self, errors))),
        }
    }
}

impl From<Organisation> for OrganisationForm {
    fn from(o: Organisation) -> Self {
        OrganisationForm {
            kind: o.kind.as_str().to_owned(),
            name: o.name,
            sor_code: o.sor_code,
            ean: o.ean,
            municipality_code: o.municipality_code.unwrap_or_default(),
            gp_provider_number: o.gp_provider_number.unwrap_or_default(),
            centre_code: String::new(),
        }
    }
}

/// Why an organisation could not be saved: a number another organisation has.
#[derive(Debug)]
pub enum Taken {
    Sor,
    Ean,
    MunicipalityCode,
    ProviderNumber,
    /// No call centre has the code given.
    CentreUnknown,
}

impl Taken {
    /// The form field it belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Taken::Sor => "sor_code",
            Taken::Ean => "ean",
            Taken::MunicipalityCode => "municipality_code",
            Taken::ProviderNumber => "gp_provider_number",
            Taken::CentreUnknown => "centre_code",
        }
    }

    /// What the form says about it.
    pub fn key(&self) -> &'static str {
        match self {
            Taken::CentreUnknown => "organisation.centre_unknown",
            Taken::Sor | Taken::Ean | Taken::MunicipalityCode | Taken::ProviderNumber => {
                "organisation.number_taken"
            }
        }
    }
}

async fn taken_by_other(
    db: impl PgExecutor<'_>,
    o: &ValidOrganisation,
    id: Option<i64>,
) -> Result<Option<Taken>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select coalesce(bool_or(sor_code = $1), false) as "sor!",
                  coalesce(bool_or(ean = $2), false) as "ean!",
                  coalesce(bool_or(municipality_code = $3), false) as "municipality!",
                  coalesce(bool_or(gp_provider_number = $4), false) as "provider!"
             from organisations where id is distinct from $5"#,
        o.sor_code,
        o.ean,
        o.municipality_code,
        o.gp_provider_number,
        id
    )
    .fetch_one(db)
    .await?;
    Ok(if row.sor {
        Some(Taken::Sor)
    } else if row.ean {
        Some(Taken::Ean)
    } else if row.municipality {
        Some(Taken::MunicipalityCode)
    } else if row.provider {
        Some(Taken::ProviderNumber)
    } else {
        None
    })
}

/// Adds an organisation, or updates the one with the same SOR code (`id` given: that one).
/// `Ok(Err(_))` when another organisation has one of its numbers.
pub async fn save(
    conn: &mut sqlx::PgConnection,
    o: &ValidOrganisation,
    id: Option<i64>,
) -> Result<std::result::Result<i64, Taken>, sqlx::Error> {
    let id = match id {
        Some(id) => Some(id),
        None => {
            sqlx::query_scalar!("select id from organisations where sor_code = $1", o.sor_code)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    if let Some(taken) = taken_by_other(&mut *conn, o, id).await? {
        return Ok(Err(taken));
    }
    let centre_id = match &o.centre_code {
        Some(code) => match sqlx::query_scalar!("select id from centres where code = $1", code)
            .fetch_optional(&mut *conn)
            .await?
        {
            Some(centre) => Some(centre),
            None => return Ok(Err(Taken::CentreUnknown)),
        },
        None => None,
    };
    // One entry per centre: naming the centre here takes it from any other.
    if let Some(centre) = centre_id {
        sqlx::query!(
            "update organisations set centre_id = null where centre_id = $1 and id is distinct from $2",
            centre,
            id
        )
        .execute(&mut *conn)
        .await?;
    }
    let saved = match id {
        Some(id) => sqlx::query_scalar!(
            "update organisations set kind = $2, name = $3, sor_code = $4, ean = $5,
                    municipality_code = $6, gp_provider_number = $7, centre_id = $8
              where id = $1 returning id",
            id,
            o.kind as OrganisationKind,
            o.name,
            o.sor_code,
            o.ean,
            o.municipality_code,
            o.gp_provider_number,
            centre_id
        )
        .fetch_one(&mut *conn)
        .await
        .on_constraint("organisations_sor_code_key")?,
        None => sqlx::query_scalar!(
            "insert into organisations (kind, name, sor_code, ean, municipality_code, gp_provider_number, centre_id)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
            o.kind as OrganisationKind,
            o.name,
            o.sor_code,
            o.ean,
            o.municipality_code,
            o.gp_provider_number,
            centre_id
        )
        .fetch_one(&mut *conn)
        .await
        .on_constraint("organisations_sor_code_key")?,
    };
    // Two saves of the same new number at once: the database's unique index decides.
    Ok(saved.ok_or(Taken::Sor))
}

/// Every organisation, by kind and name.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<Organisation>, sqlx::Error> {
    sqlx::query_as!(
        Organisation,
        r#"select id, kind as "kind: OrganisationKind", name, sor_code, ean, municipality_code,
                  gp_provider_number
             from organisations order by kind, name"#
    )
    .fetch_all(db)
    .await
}

/// One organisation.
pub async fn get(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Organisation>, sqlx::Error> {
    sqlx::query_as!(
        Organisation,
        r#"select id, kind as "kind: OrganisationKind", name, sor_code, ean, municipality_code,
                  gp_provider_number
             from organisations where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// The organisations a patient's GP and municipality are, as the directory matches them.
pub async fn of_patient(db: impl PgExecutor<'_>, patient_id: i64) -> Result<Vec<Organisation>, sqlx::Error> {
    sqlx::query_as!(
        Organisation,
        r#"select o.id, o.kind as "kind: OrganisationKind", o.name, o.sor_code, o.ean,
                  o.municipality_code, o.gp_provider_number
             from patient_organisations po join organisations o on o.id = po.organisation_id
            where po.patient_id = $1 order by o.kind, o.name"#,
        patient_id
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "messaging/directory.html")]
struct DirectoryPage {
    layout: Layout,
    organisations: Vec<Organisation>,
    form: OrganisationForm,
    errors: FormErrors,
    kinds: &'static [OrganisationKind],
    import_problems: Vec<String>,
}

impl DirectoryPage {
    fn kind_label(&self, kind: &OrganisationKind) -> &'static str {
        self.layout.t(kind.label_key())
    }
}

pub(super) async fn directory_page(
    state: &AppState,
    layout: Layout,
    form: OrganisationForm,
    errors: FormErrors,
    import_problems: Vec<String>,
) -> Result<Response> {
    render(&DirectoryPage {
        layout,
        organisations: all(&state.db).await?,
        form,
        errors,
        kinds: OrganisationKind::ALL,
        import_problems,
    })
}

/// `GET /admin/directory`: every organisation, the form for a new one and the CSV import.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response> {
    directory_page(
        &state,
        page.layout,
        OrganisationForm::default(),
        FormErrors::default(),
        Vec::new(),
    )
    .await
}

/// `POST /admin/directory`: adds an organisation, or shows the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<OrganisationForm>,
) -> Result<Response> {
    let typed = form.clone();
    let (form, errors) = match form.validate() {
        Ok(valid) => {
            let mut tx = state.db.begin().await?;
            let exists = sqlx::query_scalar!(
                "select exists (select 1 from organisations where sor_code = $1) as \"e!\"",
                valid.sor_code
            )
            .fetch_one(&mut *tx)
            .await?;
            let mut errors = FormErrors::default();
            if exists {
                errors.add("sor_code", "organisation.number_taken");
            } else {
                match save(&mut tx, &valid, None).await? {
                    Ok(_) => {
                        tx.commit().await?;
                        tracing::info!(admin = page.user.id, "added an organisation to the directory");
                        return Ok(crate::web::flash::redirect("/admin/directory", "done.saved"));
                    }
                    Err(taken) => errors.add(taken.field(), taken.key()),
                }
            }
            (typed, errors)
        }
        Err(invalid) => *invalid,
    };
    directory_page(&state, page.layout, form, errors, Vec::new()).await
}

#[derive(Template)]
#[template(path = "messaging/organisation_edit.html")]
struct EditPage {
    layout: Layout,
    id: i64,
    form: OrganisationForm,
    errors: FormErrors,
    kinds: &'static [OrganisationKind],
}

impl EditPage {
    fn kind_label(&self, kind: &OrganisationKind) -> &'static str {
        self.layout.t(kind.label_key())
    }
}

/// `GET /admin/directory/{id}`.
pub async fn edit_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let o = get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let centre_code = sqlx::query_scalar!(
        "select c.code from centres c join organisations o on o.centre_id = c.id where o.id = $1",
        id
    )
    .fetch_optional(&state.db)
    .await?;
    let mut form: OrganisationForm = o.into();
    form.centre_code = centre_code.unwrap_or_default();
    render(&EditPage {
        layout: page.layout,
        id,
        form,
        errors: FormErrors::default(),
        kinds: OrganisationKind::ALL,
    })
}

/// `POST /admin/directory/{id}`: saves the organisation.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response> {
    get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let typed = form.clone();
    let (form, errors) = match form.validate() {
        Ok(valid) => {
            let mut tx = state.db.begin().await?;
            match save(&mut tx, &valid, Some(id)).await? {
                Ok(_) => {
                    tx.commit().await?;
                    tracing::info!(
                        admin = page.user.id,
                        organisation_id = id,
                        "updated an organisation"
                    );
                    return Ok(crate::web::flash::redirect("/admin/directory", "done.saved"));
                }
                Err(taken) => {
                    let mut errors = FormErrors::default();
                    errors.add(taken.field(), taken.key());
                    (typed, errors)
                }
            }
        }
        Err(invalid) => *invalid,
    };
    render(&EditPage {
        layout: page.layout,
        id,
        form,
        errors,
        kinds: OrganisationKind::ALL,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ean_number_must_carry_its_check_digit() {
        assert!(ean_is_valid("5790000123452"));
        assert!(!ean_is_valid("5790000123453"));
        assert!(!ean_is_valid("579000012345"));
        assert!(!ean_is_valid("57900001234a3"));
    }

    #[test]
    fn a_provider_number_belongs_to_a_gp_practice_only() {
        let form = OrganisationForm {
            kind: "municipality".into(),
            name: "Kommune".into(),
            sor_code: "123456".into(),
            ean: "5790000123452".into(),
            municipality_code: String::new(),
            gp_provider_number: "012345".into(),
            centre_code: String::new(),
        };
        let (_, errors) = *form.validate().unwrap_err();
        assert_eq!(errors.get("gp_provider_number"), Some("organisation.only_gp"));
    }
}
