//! What the API reads: for each resource type, the ids a client of one centre may see (with an
//! optional id and patient filter), the rows of a page of them, and whose a resource is when
//! it is not the client's (so the refusal is logged against the patient).

use sqlx::PgPool;

use super::resources::{
    AppointmentRow, CallRow, CentreRow, CourseRow, GoalRow, OrganisationRow, PatientRow, ResponseRow,
};
use super::Kind;
use crate::domain::{
    AppointmentKind, AppointmentStatus, EndReason, GoalStatus, OrganisationKind, Outcome, Sex,
};

/// What a search or read narrows to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub id: Option<i64>,
    pub patient: Option<i64>,
    /// A CPR number (ten digits), for Patient only.
    pub cpr: Option<String>,
}

/// The ids of `kind` of the client's centre that match `filter`, in a stable order.
pub async fn matching(db: &PgPool, kind: Kind, centre_id: i64, f: &Filter) -> Result<Vec<i64>, sqlx::Error> {
    match kind {
        Kind::Patient => {
            sqlx::query_scalar!(
                "select p.id from patients p
                  where p.centre_id = $1 and ($2::bigint is null or p.id = $2)
                    and ($3::bigint is null or p.id = $3) and ($4::text is null or p.cpr = $4)
                  order by p.id",
                centre_id,
                f.id,
                f.patient,
                f.cpr
            )
            .fetch_all(db)
            .await
        }
        Kind::CarePlan => {
            sqlx::query_scalar!(
                "select x.id from courses x join patients p on p.id = x.patient_id
                  where p.centre_id = $1 and ($2::bigint is null or x.id = $2)
                    and ($3::bigint is null or x.patient_id = $3)
                  order by x.id",
                centre_id,
                f.id,
                f.patient
            )
            .fetch_all(db)
            .await
        }
        Kind::Goal => {
            sqlx::query_scalar!(
                "select x.id from goals x join patients p on p.id = x.patient_id
                  where p.centre_id = $1 and ($2::bigint is null or x.id = $2)
                    and ($3::bigint is null or x.patient_id = $3)
                  order by x.id",
                centre_id,
                f.id,
                f.patient
            )
            .fetch_all(db)
            .await
        }
        Kind::Appointment => {
            sqlx::query_scalar!(
                "select x.id from appointments x join patients p on p.id = x.patient_id
                  where p.centre_id = $1 and ($2::bigint is null or x.id = $2)
                    and ($3::bigint is null or x.patient_id = $3)
                  order by x.starts_at, x.id",
                centre_id,
                f.id,
                f.patient
            )
            .fetch_all(db)
            .await
        }
        Kind::Communication => {
            sqlx::query_scalar!(
                "select x.id from calls x join patients p on p.id = x.patient_id
                  where p.centre_id = $1 and ($2::bigint is null or x.id = $2)
                    and ($3::bigint is null or x.patient_id = $3)
                  order by x.called_at, x.id",
                centre_id,
                f.id,
                f.patient
            )
            .fetch_all(db)
            .await
        }
        Kind::QuestionnaireResponse => {
            sqlx::query_scalar!(
                "select x.id from questionnaire_responses x join patients p on p.id = x.patient_id
                  where p.centre_id = $1 and ($2::bigint is null or x.id = $2)
                    and ($3::bigint is null or x.patient_id = $3)
                  order by x.answered_on, x.id",
                centre_id,
                f.id,
                f.patient
            )
            .fetch_all(db)
            .await
        }
        Kind::Organization => {
            // The centre itself, then the directory's organisations matched to one of its
            // patients (their ids negated here: see `resources::organization_id`).
            sqlx::query_scalar!(
                r#"select x.id as "id!" from (
                     select c.id from centres c where c.id = $1
                     union all
                     select -o.id from organisations o
                      where exists (select 1 from patient_organisations po
                                      join patients p on p.id = po.patient_id
                                     where po.organisation_id = o.id and p.centre_id = $1)
                   ) x
                  where ($2::bigint is null or x.id = $2)
                  order by x.id < 0, abs(x.id)"#,
                centre_id,
                f.id
            )
            .fetch_all(db)
            .await
        }
    }
}

/// The patient a resource of `kind` belongs to, whichever centre (for logging a refusal).
pub async fn owner(db: &PgPool, kind: Kind, id: i64) -> Result<Option<i64>, sqlx::Error> {
    let found = match kind {
        Kind::Patient => {
            sqlx::query_scalar!("select id from patients where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::CarePlan => {
            sqlx::query_scalar!("select patient_id from courses where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::Goal => {
            sqlx::query_scalar!("select patient_id from goals where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::Appointment => {
            sqlx::query_scalar!("select patient_id from appointments where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::Communication => {
            sqlx::query_scalar!("select patient_id from calls where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::QuestionnaireResponse => {
            sqlx::query_scalar!("select patient_id from questionnaire_responses where id = $1", id)
                .fetch_optional(db)
                .await?
        }
        Kind::Organization => None,
    };
    Ok(found)
}

pub async fn patients(db: &PgPool, ids: &[i64]) -> Result<Vec<PatientRow>, sqlx::Error> {
    sqlx::query_as!(
        PatientRow,
        r#"select p.id, p.cpr, p.first_name, p.last_name, p.birth_date, p.sex as "sex: Sex",
                  p.address, p.postal_code, p.city, p.phone, p.mobile, p.municipality, p.gp,
                  p.centre_id, c.name as centre_name,
                  (select po.organisation_id from patient_organisations po
                    where po.patient_id = p.id and po.kind = 'gp_practice'
                    order by po.organisation_id limit 1) as gp_organisation,
                  m.id as "municipality_organisation?", m.municipality_code as "municipality_code?"
             from patients p join centres c on c.id = p.centre_id
             left join lateral (select o.id, o.municipality_code
                                  from patient_organisations po join organisations o on o.id = po.organisation_id
                                 where po.patient_id = p.id and po.kind = 'municipality'
                                 order by o.id limit 1) m on true
            where p.id = any($1) order by p.id"#,
        ids
    )
    .fetch_all(db)
    .await
}

pub async fn centres(db: &PgPool, ids: &[i64]) -> Result<Vec<CentreRow>, sqlx::Error> {
    sqlx::query_as!(
        CentreRow,
        "select id, code, name, address, phone from centres where id = any($1) order by id",
        ids
    )
    .fetch_all(db)
    .await
}

/// The directory's organisations with these ids.
pub async fn organisations(db: &PgPool, ids: &[i64]) -> Result<Vec<OrganisationRow>, sqlx::Error> {
    sqlx::query_as!(
        OrganisationRow,
        r#"select id, kind as "kind: OrganisationKind", name, sor_code, ean, municipality_code
             from organisations where id = any($1) order by id"#,
        ids
    )
    .fetch_all(db)
    .await
}

pub async fn courses(db: &PgPool, ids: &[i64]) -> Result<Vec<CourseRow>, sqlx::Error> {
    sqlx::query_as!(
        CourseRow,
        r#"select x.id, x.patient_id, x.start_date, x.planned_end, x.end_date,
                  x.end_reason as "end_reason: EndReason", p.preferred_call_times, u.name as nurse,
                  array(select g.id from goals g where g.course_id = x.id order by g.id) as "goals!",
                  array(select a.id from appointments a where a.course_id = x.id and a.status = $2
                         order by a.starts_at) as "booked!"
             from courses x join patients p on p.id = x.patient_id join users u on u.id = x.nurse_id
            where x.id = any($1) order by x.id"#,
        ids,
        AppointmentStatus::Scheduled as AppointmentStatus
    )
    .fetch_all(db)
    .await
}

pub async fn goals(db: &PgPool, ids: &[i64]) -> Result<Vec<GoalRow>, sqlx::Error> {
    sqlx::query_as!(
        GoalRow,
        r#"select id, patient_id, text, status as "status: GoalStatus", created_at, closed_at
             from goals where id = any($1) order by id"#,
        ids
    )
    .fetch_all(db)
    .await
}

pub async fn appointments(db: &PgPool, ids: &[i64]) -> Result<Vec<AppointmentRow>, sqlx::Error> {
    sqlx::query_as!(
        AppointmentRow,
        r#"select a.id, a.patient_id, a.kind as "kind: AppointmentKind", a.status as "status: AppointmentStatus",
                  a.starts_at, a.ends_at, u.name as nurse
             from appointments a join users u on u.id = a.nurse_id
            where a.id = any($1) order by a.starts_at, a.id"#,
        ids
    )
    .fetch_all(db)
    .await
}

/// The calls; the note text is read only when it will be shown.
pub async fn calls(db: &PgPool, ids: &[i64], with_notes: bool) -> Result<Vec<CallRow>, sqlx::Error> {
    sqlx::query_as!(
        CallRow,
        r#"select c.id, c.patient_id, c.appointment_id, c.called_at, c.outcome as "outcome: Outcome",
                  c.duration_minutes, case when $2 then c.note else '' end as "note!", u.name as nurse,
                  case when $2 then array(select m.text from call_amendments m where m.call_id = c.id
                                           order by m.created_at, m.id)
                       else '{}'::text[] end as "amendments!"
             from calls c join users u on u.id = c.nurse_id
            where c.id = any($1) order by c.called_at, c.id"#,
        ids,
        with_notes
    )
    .fetch_all(db)
    .await
}

pub async fn responses(db: &PgPool, ids: &[i64]) -> Result<Vec<ResponseRow>, sqlx::Error> {
    sqlx::query_as!(
        ResponseRow,
        r#"select r.id, r.patient_id, i.code as instrument, r.answered_on, r.score::float8 as "score!",
                  r.amends,
                  array(select it.text_en from questionnaire_answers qa
                          join instrument_items it on it.id = qa.item_id
                         where qa.response_id = r.id order by it.position) as "items!",
                  array(select qa.value from questionnaire_answers qa
                          join instrument_items it on it.id = qa.item_id
                         where qa.response_id = r.id order by it.position) as "values!"
             from questionnaire_responses r join instruments i on i.id = r.instrument_id
            where r.id = any($1) order by r.answered_on, r.id"#,
        ids
    )
    .fetch_all(db)
    .await
}

/// The patient with this CPR number, whichever centre (for logging a refusal).
pub async fn patient_by_cpr(db: &PgPool, cpr: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!("select id from patients where cpr = $1", cpr)
        .fetch_optional(db)
        .await
}
