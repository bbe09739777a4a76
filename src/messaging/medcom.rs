//! The MedCom CareCommunication (korrespondancemeddelelse) as a FHIR R4 message Bundle, built as
//! the standard's profiles and examples lay it out (github.com/medcomdk/dk-medcom-carecommunication,
//! version 5): MessageHeader, Patient, Communication, PractitionerRole, Practitioner, the receiving
//! and sending Organizations, and the Provenance. `check` holds the standard's rules; every
//! message built here passes it before it is stored, and every message that comes in is read
//! only if it passes too.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::CareCategory;

pub const BUNDLE_PROFILE: &str =
    "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/medcom-careCommunication-message";
pub const HEADER_PROFILE: &str =
    "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/medcom-careCommunication-messageHeader";
pub const COMMUNICATION_PROFILE: &str =
    "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/medcom-careCommunication-communication";
pub const PROVENANCE_PROFILE: &str =
    "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/medcom-careCommunication-provenance";
const PATIENT_PROFILE: &str = "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-patient";
const ORGANIZATION_PROFILE: &str =
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-organization";
const PRACTITIONER_PROFILE: &str =
    "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-practitioner";
const ROLE_PROFILE: &str = "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-practitionerrole";
pub const EVENT_CODES: &str = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes";
pub const CATEGORY_CODES: &str =
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-careCommunication-categoryCodes";
pub const ACTIVITY_CODES: &str =
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes";
const DESTINATION_USE: &str =
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension";
const DESTINATION_USE_CODES: &str =
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse";
pub const EXT_DATE: &str = "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-datetime-extension";
pub const EXT_AUTHOR: &str =
    "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-practitioner-extension";
pub const EXT_CONTACT: &str =
    "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-contact-extension";
pub const EXT_IDENTIFIER: &str =
    "http://medcomfhir.dk/ig/core/StructureDefinition/medcom-core-identifier-extension";
const ROLE_CODES: &str =
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-core-PractitionerRolesSKSadministrativ";
pub const DEFINITION: &str =
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/MedComCareCommunicationMessageDefinition|5.0";
/// The CPR number's identifier system.
pub const CPR_SYSTEM: &str = "urn:oid:1.2.208.176.1.2";
/// The SOR code's identifier system.
pub const SOR_SYSTEM: &str = "urn:oid:1.2.208.176.1.1";
/// The EAN (GLN) location number's identifier system.
pub const EAN_SYSTEM: &str = "https://www.gs1.org/gln";
/// The content type stored and delivered.
pub const CONTENT_TYPE: &str = "application/fhir+json";

/// An organisation as a message names it.
#[derive(Clone, Debug)]
pub struct Party {
    pub name: String,
    pub sor: String,
    pub ean: String,
}

/// The patient as a message names them.
#[derive(Clone)]
pub struct Subject {
    pub cpr: String,
    pub given: String,
    pub family: String,
}

/// The nurse who writes, and the phone number to reach her department.
#[derive(Clone, Debug)]
pub struct Author {
    pub given: String,
    pub family: String,
    pub phone: String,
}

/// A file sent along (the printed plan).
#[derive(Clone)]
pub struct Attachment {
    pub title: String,
    pub content_type: String,
    pub base64: String,
}

/// What the nurse writes.
#[derive(Clone)]
pub struct Letter {
    pub category: CareCategory,
    pub topic: Option<String>,
    pub text: String,
    pub attachment: Option<Attachment>,
}

/// A built message: the Bundle, its MessageHeader id and its thread.
pub struct Built {
    pub bundle: Value,
    pub header_id: Uuid,
    pub thread: Uuid,
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn narrative(lines: &[String]) -> Value {
    let body: String = lines
        .iter()
        .map(|l| format!("<p>{}</p>", html_escape(l)))
        .collect();
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{body}</div>")
    })
}

/// FHIR dateTime in the centre's zone, with its offset, to the second.
pub fn fhir_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Copenhagen)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn organization(id: Uuid, party: &Party) -> Value {
    json!({
        "resourceType": "Organization",
        "id": id.to_string(),
        "meta": { "profile": [ORGANIZATION_PROFILE] },
        "identifier": [
            { "system": SOR_SYSTEM, "value": party.sor },
            { "system": EAN_SYSTEM, "value": party.ean }
        ],
        "name": party.name
    })
}

/// What the Communication's narrative says: everything the profile requires a producer to put
/// there, the attachment's type, title and creation among it.
fn communication_narrative(letter: &Letter, author: &Author, sender: &Party, when: &str) -> Vec<String> {
    let mut lines = vec![
        format!("Kategori: {}", letter.category.as_str()),
        format!("Emne: {}", letter.topic.clone().unwrap_or_default()),
        format!(
            "Fra: {} {}, {} (tlf. {})",
            author.given, author.family, sender.name, author.phone
        ),
        format!("Sendt: {when}"),
        letter.text.clone(),
    ];
    if let Some(a) = &letter.attachment {
        lines.push(format!(
            "Bilag: {} ({}, oprettet {when})",
            a.title, a.content_type
        ));
    }
    lines
}

/// Builds a new message (`reply_to: None`) or a reply to the message with that MessageHeader id
/// in the thread `thread`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    base: &str,
    at: DateTime<Utc>,
    sender: &Party,
    receiver: &Party,
    subject: &Subject,
    author: &Author,
    letter: &Letter,
    thread: Option<Uuid>,
    reply_to: Option<Uuid>,
) -> Built {
    let new = Uuid::new_v4;
    let (bundle_id, header_id, patient_id, communication_id) = (new(), new(), new(), new());
    let (role_id, practitioner_id, receiver_id, sender_id, provenance_id) =
        (new(), new(), new(), new(), new());
    let thread = thread.unwrap_or_else(Uuid::new_v4);
    let text_payload = new();
    let attachment_payload = new();
    let when = fhir_time(at);
    let url = |kind: &str, id: Uuid| format!("{}/{kind}/{id}", base.trim_end_matches('/'));
    let reference = |kind: &str, id: Uuid| json!({ "reference": format!("{kind}/{id}") });
    let payload_extensions = |payload: Uuid, with_author: bool| {
        let mut extensions = vec![
            json!({ "url": EXT_DATE, "valueDateTime": when }),
            json!({ "url": EXT_IDENTIFIER, "valueIdentifier": {
                "value": format!("urn:uuid:{payload}"),
                "assigner": reference("Organization", sender_id)
            }}),
        ];
        if with_author {
            extensions
                .push(json!({ "url": EXT_AUTHOR, "valueReference": reference("PractitionerRole", role_id) }));
            extensions.push(json!({ "url": EXT_CONTACT, "valueContactPoint": { "system": "phone", "value": author.phone } }));
        }
        Value::Array(extensions)
    };
    let mut payload = vec![json!({
        "extension": payload_extensions(text_payload, true),
        "contentString": letter.text
    })];
    let mut entities = vec![
        json!({ "role": "source", "what": { "identifier": { "value": format!("urn:uuid:{text_payload}") } } }),
    ];
    if let Some(a) = &letter.attachment {
        payload.push(json!({
            "extension": payload_extensions(attachment_payload, false),
            "contentAttachment": {
                "contentType": a.content_type,
                "data": a.base64,
                "title": a.title,
                "creation": when
            }
        }));
        entities.push(json!({ "role": "source", "what": { "identifier": { "value": format!("urn:uuid:{attachment_payload}") } } }));
    }
    if let Some(previous) = reply_to {
        entities.insert(
            0,
            json!({ "role": "revision", "what": { "reference": format!("MessageHeader/{previous}") } }),
        );
    }
    let mut communication = json!({
        "resourceType": "Communication",
        "id": communication_id.to_string(),
        "meta": { "profile": [COMMUNICATION_PROFILE] },
        "text": narrative(&communication_narrative(letter, author, sender, &when)),
        "status": "unknown",
        "identifier": [{ "value": format!("urn:uuid:{thread}") }],
        "category": [{ "coding": [{ "system": CATEGORY_CODES, "code": letter.category.as_str() }] }],
        "subject": reference("Patient", patient_id),
        "payload": payload
    });
    if let Some(topic) = letter.topic.as_ref().filter(|t| !t.trim().is_empty()) {
        communication["topic"] = json!({ "text": topic });
    }
    let activity = if reply_to.is_some() {
        "reply-message"
    } else {
        "new-message"
    };
    let entries = vec![
        (
            url("MessageHeader", header_id),
            json!({
                "resourceType": "MessageHeader",
                "id": header_id.to_string(),
                "meta": { "profile": [HEADER_PROFILE] },
                "text": narrative(&[format!("Korrespondancemeddelelse fra {} til {}", sender.name, receiver.name)]),
                "eventCoding": { "system": EVENT_CODES, "code": "care-communication-message" },
                "destination": [{
                    "extension": [{ "url": DESTINATION_USE, "valueCoding": { "system": DESTINATION_USE_CODES, "code": "primary" } }],
                    "endpoint": format!("https://sor2.sum.dsdn.dk/#id={}", receiver.sor),
                    "receiver": reference("Organization", receiver_id)
                }],
                "sender": reference("Organization", sender_id),
                "source": { "endpoint": format!("https://sor2.sum.dsdn.dk/#id={}", sender.sor) },
                "focus": [reference("Communication", communication_id)],
                "definition": DEFINITION
            }),
        ),
        (
            url("Patient", patient_id),
            json!({
                "resourceType": "Patient",
                "id": patient_id.to_string(),
                "meta": { "profile": [PATIENT_PROFILE] },
                "identifier": [{ "system": CPR_SYSTEM, "value": subject.cpr }],
                "name": [{ "use": "official", "family": subject.family, "given": [subject.given] }]
            }),
        ),
        (url("Communication", communication_id), communication),
        (
            url("PractitionerRole", role_id),
            json!({
                "resourceType": "PractitionerRole",
                "id": role_id.to_string(),
                "meta": { "profile": [ROLE_PROFILE] },
                "practitioner": reference("Practitioner", practitioner_id),
                "code": [{ "coding": [{ "system": ROLE_CODES, "code": "sygeplejerske" }] }]
            }),
        ),
        (
            url("Practitioner", practitioner_id),
            json!({
                "resourceType": "Practitioner",
                "id": practitioner_id.to_string(),
                "meta": { "profile": [PRACTITIONER_PROFILE] },
                "name": [{ "family": author.family, "given": [author.given] }]
            }),
        ),
        (
            url("Organization", receiver_id),
            organization(receiver_id, receiver),
        ),
        (url("Organization", sender_id), organization(sender_id, sender)),
        (
            url("Provenance", provenance_id),
            json!({
                "resourceType": "Provenance",
                "id": provenance_id.to_string(),
                "meta": { "profile": [PROVENANCE_PROFILE] },
                "target": [reference("MessageHeader", header_id)],
                "occurredDateTime": when,
                "recorded": when,
                "activity": { "coding": [{ "system": ACTIVITY_CODES, "code": activity }] },
                "agent": [{ "who": reference("Organization", sender_id) }],
                "entity": entities
            }),
        ),
    ];
    let bundle = json!({
        "resourceType": "Bundle",
        "id": bundle_id.to_string(),
        "meta": { "profile": [BUNDLE_PROFILE] },
        "type": "message",
        "timestamp": when,
        "entry": entries.into_iter().map(|(full_url, resource)| json!({ "fullUrl": full_url, "resource": resource })).collect::<Vec<_>>()
    });
    Built {
        bundle,
        header_id,
        thread,
    }
}
