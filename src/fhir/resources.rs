//! Coachline's records as FHIR R4 resources (JSON). One builder per resource type; each reads
//! the domain's words through their enums, and `clean` drops empty elements (FHIR allows no
//! `null`, `""`, `[]` or `{}`).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::domain::{
    AppointmentKind, AppointmentStatus, EndReason, GoalStatus, OrganisationKind, Outcome, Sex,
};

/// The CPR number's system (the Danish civil registration system's OID).
pub const CPR_SYSTEM: &str = "urn:oid:1.2.208.176.1.2";
/// Coachline's own code systems and extensions.
pub const CALL_OUTCOME_SYSTEM: &str = "urn:coachline:call-outcome";
pub const CENTRE_CODE_SYSTEM: &str = "urn:coachline:centre-code";
pub const INSTRUMENT_SYSTEM: &str = "urn:coachline:instrument";
pub const CALL_LENGTH_EXTENSION: &str = "urn:coachline:call-length";
/// The patient's municipality as a reference to its Organization (coachline's extension: R4
/// has no element for it, and `managingOrganization` is the record's custodian, the centre).
pub const MUNICIPALITY_EXTENSION: &str = "urn:coachline:municipality";
/// DK Core's extension for the municipality of an address, and its code system (four digits).
pub const DK_MUNICIPALITY_EXTENSION: &str =
    "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes";
pub const DK_MUNICIPALITY_CODES: &str = "http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes";
/// The SOR code's and the EAN (GLN) location number's identifier systems.
pub const SOR_SYSTEM: &str = "urn:oid:1.2.208.176.1.1";
pub const EAN_SYSTEM: &str = "https://www.gs1.org/gln";

/// The API's id of an Organization: a call centre by its own id, an organisation of the
/// directory (carried negated inside the API, so one list of ids pages both) as `org-N`.
pub fn organization_id(internal: i64) -> String {
    if internal < 0 {
        format!("org-{}", -internal)
    } else {
        internal.to_string()
    }
}

/// The reverse of `organization_id`.
pub fn parse_organization_id(text: &str) -> Option<i64> {
    let (digits, sign) = match text.strip_prefix("org-") {
        Some(rest) => (rest, -1),
        None => (text, 1),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(|id| id * sign)
}

/// An instant as FHIR writes it.
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn reference(kind: &str, id: i64) -> Value {
    json!({ "reference": format!("{kind}/{id}") })
}

/// Drops `null`, empty strings, empty arrays and empty objects, deeply.
pub fn clean(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, clean(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(clean).filter(|v| !is_empty(v)).collect()),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// A patient as the API shows it.
pub struct PatientRow {
    pub id: i64,
    pub cpr: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub municipality: Option<String>,
    pub gp: Option<String>,
    pub centre_id: i64,
    pub centre_name: String,
    /// The directory's GP practice and municipality matched to the patient, if any.
    pub gp_organisation: Option<i64>,
    pub municipality_organisation: Option<i64>,
    pub municipality_code: Option<String>,
}

/// `Patient`: CPR as identifier, name, sex, birth date, phones, address (with the
/// municipality as district, and DK Core's municipality code when the directory knows it), the
/// GP (a reference to the practice's Organization when matched in the directory), the
/// municipality's Organization in an extension, the call centre as managing organisation.
pub fn patient(p: &PatientRow) -> Value {
    let gender = match p.sex {
        Sex::Female => "female",
        Sex::Male => "male",
    };
    let given: Vec<&str> = p.first_name.split_whitespace().collect();
    clean(json!({
        "resourceType": "Patient",
        "id": p.id.to_string(),
        "identifier": [{ "use": "official", "system": CPR_SYSTEM, "value": p.cpr }],
        "name": [{ "use": "official", "family": p.last_name, "given": given }],
        "telecom": [
            p.phone.as_ref().map(|n| json!({ "system": "phone", "value": n, "use": "home" })),
            p.mobile.as_ref().map(|n| json!({ "system": "phone", "value": n, "use": "mobile" })),
        ],
        "gender": gender,
        "birthDate": date(p.birth_date),
        "address": [{
            "use": "home",
            "line": [p.address],
            "postalCode": p.postal_code,
            "city": p.city,
            "district": p.municipality,
            "extension": [p.municipality_code.as_ref().map(|code| json!({
                "url": DK_MUNICIPALITY_EXTENSION,
                "valueCodeableConcept": { "coding": [{ "system": DK_MUNICIPALITY_CODES, "code": format!("{code:0>4}") }] },
            }))],
        }],
        "extension": [p.municipality_organisation.map(|id| json!({
            "url": MUNICIPALITY_EXTENSION,
            "valueReference": { "reference": format!("Organization/{}", organization_id(-id)), "display": p.municipality },
        }))],
        "generalPractitioner": [match (p.gp_organisation, &p.gp) {
            (Some(id), gp) => json!({ "reference": format!("Organization/{}", organization_id(-id)), "display": gp }),
            (None, Some(gp)) => json!({ "display": gp }),
            (None, None) => Value::Null,
        }],
        "managingOrganization": {
            "reference": format!("Organization/{}", p.centre_id),
            "display": p.centre_name,
        },
    }))
}

/// A call centre.
pub struct CentreRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub address: String,
    pub phone: String,
}

/// `Organization`: the call centre.
pub fn organization(c: &CentreRow) -> Value {
    clean(json!({
        "resourceType": "Organization",
        "id": c.id.to_string(),
        "identifier": [{ "system": CENTRE_CODE_SYSTEM, "value": c.code }],
        "active": true,
        "type": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
            "code": "prov",
            "display": "Healthcare Provider",
        }] }],
        "name": c.name,
        "telecom": [if c.phone.trim().is_empty() { Value::Null } else { json!({ "system": "phone", "value": c.phone, "use": "work" }) }],
        "address": [{ "text": c.address }],
    }))
}

/// An organisation of the directory (a GP practice, a municipality, a hospital department).
pub struct OrganisationRow {
    pub id: i64,
    pub kind: OrganisationKind,
    pub name: String,
    pub sor_code: String,
    pub ean: String,
    pub municipality_code: Option<String>,
}

/// `Organization`: an organisation of the directory, by its SOR code and EAN number (and a
/// municipality's code), typed as R4's organization types say.
pub fn directory_organization(o: &OrganisationRow) -> Value {
    let kind = match o.kind {
        OrganisationKind::GpPractice => ("prov", "Healthcare Provider"),
        OrganisationKind::Municipality => ("govt", "Government"),
        OrganisationKind::HospitalDepartment => ("dept", "Hospital Department"),
    };
    clean(json!({
        "resourceType": "Organization",
        "id": organization_id(-o.id),
        "identifier": [
            { "system": SOR_SYSTEM, "value": o.sor_code },
            { "system": EAN_SYSTEM, "value": o.ean },
            o.municipality_code.as_ref().map(|code| json!({ "system": DK_MUNICIPALITY_CODES, "value": format!("{code:0>4}") })),
        ],
        "active": true,
        "type": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
            "code": kind.0,
            "display": kind.1,
        }] }],
        "name": o.name,
    }))
}

/// A course with its agreed plan.
pub struct CourseRow {
    pub id: i64,
    pub patient_id: i64,
    pub start_date: NaiveDate,
    pub planned_end: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<EndReason>,
    pub preferred_call_times: String,
    pub nurse: String,
    pub goals: Vec<i64>,
    pub booked: Vec<i64>,
}

/// `CarePlan`: the course (period, state) and its agreed plan: the patient's goals, the
/// booked calls and the call times agreed with the patient.
pub fn care_plan(c: &CourseRow) -> Value {
    let status = match (c.end_date, c.end_reason) {
        (None, _) => "active",
        (Some(_), Some(EndReason::Completed)) => "completed",
        (
            Some(_),
            Some(
                EndReason::Withdrew
                | EndReason::Moved
                | EndReason::Died
                | EndReason::Unreachable
                | EndReason::Other,
            ),
        ) => "revoked",
        (Some(_), None) => "completed",
    };
    let goals: Vec<Value> = c.goals.iter().map(|id| reference("Goal", *id)).collect();
    let activities: Vec<Value> = c
        .booked
        .iter()
        .map(|id| json!({ "reference": { "reference": format!("Appointment/{id}") } }))
        .collect();
    clean(json!({
        "resourceType": "CarePlan",
        "id": c.id.to_string(),
        "status": status,
        "intent": "plan",
        "title": "Telephone coaching course",
        "subject": reference("Patient", c.patient_id),
        "period": {
            "start": date(c.start_date),
            "end": date(c.end_date.unwrap_or(c.planned_end)),
        },
        "contributor": [{ "display": c.nurse }],
        "goal": goals,
        "activity": activities,
        "note": [if c.preferred_call_times.trim().is_empty() { Value::Null } else {
            json!({ "text": format!("Preferred call times: {}", c.preferred_call_times) })
        }],
    }))
}

/// A goal the patient set.
pub struct GoalRow {
    pub id: i64,
    pub patient_id: i64,
    pub text: String,
    pub status: GoalStatus,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// `Goal`: the patient's own goal and whether it is open, achieved or dropped.
pub fn goal(g: &GoalRow) -> Value {
    let (lifecycle, achievement) = match g.status {
        GoalStatus::Open => ("active", "in-progress"),
        GoalStatus::Achieved => ("completed", "achieved"),
        GoalStatus::Dropped => ("cancelled", "not-achieved"),
    };
    clean(json!({
        "resourceType": "Goal",
        "id": g.id.to_string(),
        "lifecycleStatus": lifecycle,
        "achievementStatus": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
            "code": achievement,
        }] },
        "description": { "text": g.text },
        "subject": reference("Patient", g.patient_id),
        "startDate": date(g.created_at.date_naive()),
        "statusDate": g.closed_at.map(|at| date(at.date_naive())),
    }))
}

/// A booked contact.
pub struct AppointmentRow {
    pub id: i64,
    pub patient_id: i64,
    pub kind: AppointmentKind,
    pub status: AppointmentStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub nurse: String,
}

/// `Appointment`: a call or the initial meeting, with the patient and the nurse.
pub fn appointment(a: &AppointmentRow) -> Value {
    let status = match a.status {
        AppointmentStatus::Scheduled => "booked",
        AppointmentStatus::Done => "fulfilled",
        AppointmentStatus::NoAnswer => "noshow",
        AppointmentStatus::Cancelled | AppointmentStatus::Moved => "cancelled",
    };
    let (code, text) = match a.kind {
        AppointmentKind::Call => ("FOLLOWUP", "Telephone call"),
        AppointmentKind::Meeting => ("ROUTINE", "Initial meeting"),
    };
    clean(json!({
        "resourceType": "Appointment",
        "id": a.id.to_string(),
        "status": status,
        "appointmentType": {
            "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": code }],
            "text": text,
        },
        "start": instant(a.starts_at),
        "end": instant(a.ends_at),
        "participant": [
            { "actor": reference("Patient", a.patient_id), "status": "accepted" },
            { "actor": { "display": a.nurse }, "status": "accepted" },
        ],
    }))
}

/// A logged call.
pub struct CallRow {
    pub id: i64,
    pub patient_id: i64,
    pub appointment_id: Option<i64>,
    pub called_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub duration_minutes: i32,
    pub note: String,
    pub nurse: String,
    pub amendments: Vec<String>,
}

/// `Communication`: a call with its outcome, time and length; the note and its amendments
/// only when `with_notes`.
pub fn communication(c: &CallRow, with_notes: bool) -> Value {
    let status = if c.outcome.reached() {
        "completed"
    } else {
        "not-done"
    };
    let payload: Vec<Value> = if with_notes {
        std::iter::once(&c.note)
            .chain(c.amendments.iter())
            .filter(|t| !t.trim().is_empty())
            .map(|t| json!({ "contentString": t }))
            .collect()
    } else {
        Vec::new()
    };
    clean(json!({
        "resourceType": "Communication",
        "id": c.id.to_string(),
        "extension": [{
            "url": CALL_LENGTH_EXTENSION,
            "valueDuration": {
                "value": c.duration_minutes,
                "unit": "min",
                "system": "http://unitsofmeasure.org",
                "code": "min",
            },
        }],
        "basedOn": [c.appointment_id.map(|id| reference("Appointment", id))],
        "status": status,
        "statusReason": if c.outcome.reached() { Value::Null } else {
            json!({ "coding": [{ "system": CALL_OUTCOME_SYSTEM, "code": c.outcome.as_str() }] })
        },
        "medium": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode",
            "code": "PHONE",
        }] }],
        "subject": reference("Patient", c.patient_id),
        "sent": instant(c.called_at),
        "recipient": [reference("Patient", c.patient_id)],
        "sender": { "display": c.nurse },
        "payload": payload,
    }))
}

/// A questionnaire answered by the patient.
pub struct ResponseRow {
    pub id: i64,
    pub patient_id: i64,
    pub instrument: String,
    pub answered_on: NaiveDate,
    pub score: f64,
    pub amends: Option<i64>,
    pub items: Vec<String>,
    pub values: Vec<i32>,
}

/// `QuestionnaireResponse`: each item's answer and the score.
pub fn questionnaire_response(r: &ResponseRow) -> Value {
    let mut items: Vec<Value> = r
        .items
        .iter()
        .zip(&r.values)
        .enumerate()
        .map(|(i, (text, value))| {
            json!({ "linkId": format!("{}", i + 1), "text": text, "answer": [{ "valueInteger": value }] })
        })
        .collect();
    items.push(json!({
        "linkId": "score",
        "text": format!("Score ({})", r.instrument),
        "answer": [{ "valueDecimal": r.score }],
    }));
    clean(json!({
        "resourceType": "QuestionnaireResponse",
        "id": r.id.to_string(),
        "questionnaire": format!("{INSTRUMENT_SYSTEM}:{}", r.instrument),
        "status": if r.amends.is_some() { "amended" } else { "completed" },
        "subject": reference("Patient", r.patient_id),
        "authored": date(r.answered_on),
        "item": items,
    }))
}
