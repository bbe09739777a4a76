//! The MedCom CareCommunication's rules (the profiles' cardinalities, codes and invariants
//! medcom-careCommunication-1 to -15), checked on a Bundle: a list of what is wrong, empty when
//! the message may leave or be read. Acknowledgements are checked by `acknowledgement`.

use serde_json::Value;

use super::medcom::*;
use crate::domain::CareCategory;

/// The resource of every entry, with its fullUrl.
fn entries(bundle: &Value) -> Vec<(&str, &Value)> {
    bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|entry| (entry["fullUrl"].as_str().unwrap_or(""), &entry["resource"]))
                .collect()
        })
        .unwrap_or_default()
}

/// The entry a reference (`Type/id`, or a fullUrl) points at, inside the bundle.
pub fn resolve<'a>(bundle: &'a Value, reference: &Value) -> Option<&'a Value> {
    let target = reference["reference"].as_str()?;
    entries(bundle).into_iter().find_map(|(full_url, resource)| {
        let relative = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or(""),
            resource["id"].as_str().unwrap_or("")
        );
        (full_url == target || relative == target).then_some(resource)
    })
}

/// The resources of one type.
pub fn of_type<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    entries(bundle)
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn has_profile(resource: &Value, profile: &str) -> bool {
    resource["meta"]["profile"].as_array().is_some_and(|p| {
        p.iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with(profile)))
    })
}

fn is_uuid_urn(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|v| v.strip_prefix("urn:uuid:"))
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .is_some_and(|u| u.get_version_num() == 4)
}

fn extension<'a>(element: &'a Value, url: &str) -> Option<&'a Value> {
    element["extension"].as_array()?.iter().find(|e| e["url"] == url)
}

/// Every reference in `value`, wherever it is.
fn references(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(_)) = map.get("reference") {
                out.push(value.clone());
            }
            for v in map.values() {
                references(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Checks the common frame of a MedCom message bundle: type, fullUrls, ids, references.
fn frame(bundle: &Value, problems: &mut Vec<String>) {
    if bundle["resourceType"] != "Bundle" || bundle["type"] != "message" {
        problems.push("not a FHIR message Bundle".into());
        return;
    }
    if bundle["timestamp"].as_str().is_none() {
        problems.push("Bundle.timestamp is missing".into());
    }
    let all = entries(bundle);
    if all.is_empty() {
        problems.push("the Bundle has no entries".into());
        return;
    }
    for (full_url, resource) in &all {
        let kind = resource["resourceType"].as_str().unwrap_or("");
        let id = resource["id"].as_str().unwrap_or("");
        if kind.is_empty() || uuid::Uuid::parse_str(id).is_err() {
            problems.push(format!("an entry's resource has no type or no UUID id ({kind})"));
        } else if !full_url.ends_with(&format!("{kind}/{id}")) {
            problems.push(format!("the fullUrl of {kind}/{id} does not end in {kind}/{id}"));
        }
    }
    let mut refs = Vec::new();
    references(bundle, &mut refs);
    for r in refs {
        let target = r["reference"].as_str().unwrap_or("");
        // References to earlier messages (Provenance.entity) point outside on purpose.
        if !target.starts_with("MessageHeader/") && resolve(bundle, &r).is_none() {
            problems.push(format!(
                "the reference {target} does not resolve inside the Bundle"
            ));
        }
    }
}

/// What is wrong with a CareCommunication message; empty when nothing is.
pub fn care_communication(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    frame(bundle, &mut problems);
    if !problems.is_empty() {
        return problems;
    }
    if !has_profile(bundle, BUNDLE_PROFILE) {
        problems.push("the Bundle lacks the CareCommunication message profile".into());
    }
    let header = &bundle["entry"][0]["resource"];
    // medcom-careCommunication-1
    if header["resourceType"] != "MessageHeader" || !has_profile(header, HEADER_PROFILE) {
        problems.push("the first entry is not the CareCommunication MessageHeader".into());
        return problems;
    }
    if header["eventCoding"]["system"] != EVENT_CODES
        || header["eventCoding"]["code"] != "care-communication-message"
    {
        problems.push("MessageHeader.eventCoding is not care-communication-message".into());
    }
    let definition = header["definition"].as_str().unwrap_or("");
    let prefix = "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/MedComCareCommunicationMessageDefinition|5.";
    if !definition
        .strip_prefix(prefix)
        .is_some_and(|minor| (1..=2).contains(&minor.len()) && minor.bytes().all(|b| b.is_ascii_digit()))
    {
        problems.push("MessageHeader.definition is not a version 5 CareCommunication definition".into());
    }
    for (what, organisation) in [
        ("sender", resolve(bundle, &header["sender"])),
        ("receiver", resolve(bundle, &header["destination"][0]["receiver"])),
    ] {
        match organisation {
            Some(o) if o["resourceType"] == "Organization" => {
                let ids = o["identifier"].as_array().cloned().unwrap_or_default();
                let has = |system: &str| {
                    ids.iter()
                        .any(|i| i["system"] == system && i["value"].is_string())
                };
                if !has(SOR_SYSTEM) || !has(EAN_SYSTEM) {
                    problems.push(format!("the {what} Organization lacks its SOR or EAN identifier"));
                }
            }
            _ => problems.push(format!(
                "MessageHeader's {what} is not an Organization in the Bundle"
            )),
        }
    }
    if header["destination"].as_array().map_or(0, Vec::len) != 1
        || header["destination"][0]["endpoint"].as_str().is_none()
    {
        problems.push("MessageHeader needs exactly one primary destination with an endpoint".into());
    }
    // medcom-careCommunication-2
    let patients = of_type(bundle, "Patient");
    if patients.len() != 1 {
        problems.push("the Bundle must hold exactly one Patient".into());
    }
    let focus = header["focus"].as_array().cloned().unwrap_or_default();
    let communication = match focus.as_slice() {
        [one] => resolve(bundle, one).filter(|c| c["resourceType"] == "Communication"),
        _ => None,
    };
    let Some(communication) = communication else {
        problems.push("MessageHeader.focus must be the one Communication".into());
        return problems;
    };
    if !has_profile(communication, COMMUNICATION_PROFILE) {
        problems.push("the Communication lacks the CareCommunication profile".into());
    }
    if communication["text"]["div"].as_str().is_none() {
        problems.push("the Communication has no narrative text".into());
    }
    if communication["status"] != "unknown" && communication["status"] != "entered-in-error" {
        problems.push("Communication.status must be unknown".into());
    }
    if communication["identifier"].as_array().map_or(0, Vec::len) != 1
        || !is_uuid_urn(&communication["identifier"][0]["value"])
    {
        problems.push("Communication.identifier must be one urn:uuid (version 4)".into());
    }
    let category = &communication["category"][0]["coding"];
    let code = category[0]["code"].as_str().unwrap_or("");
    if communication["category"].as_array().map_or(0, Vec::len) != 1
        || category.as_array().map_or(0, Vec::len) != 1
        || category[0]["system"] != CATEGORY_CODES
        || CareCategory::parse(code).is_none()
    {
        problems.push("Communication.category must be one code of MedCom's category list".into());
    }
    // medcom-careCommunication-5 and -6
    if code != "regarding-referral" && !communication["priority"].is_null() {
        problems.push("a priority is allowed only with the category regarding-referral".into());
    }
    if code == "other"
        && communication["topic"]["text"]
            .as_str()
            .is_none_or(|t| t.trim().is_empty())
    {
        problems.push("the category other needs a topic".into());
    }
    match resolve(bundle, &communication["subject"]) {
        Some(p) if p["resourceType"] == "Patient" => {
            let cpr = p["identifier"]
                .as_array()
                .and_then(|ids| ids.iter().find(|i| i["system"] == CPR_SYSTEM))
                .and_then(|i| i["value"].as_str());
            if !cpr.is_some_and(|c| c.len() == 10 && c.bytes().all(|b| b.is_ascii_digit())) {
                problems.push("the Patient has no CPR identifier".into());
            }
        }
        _ => problems.push("Communication.subject is not the Patient".into()),
    }
    // medcom-careCommunication-15
    if of_type(bundle, "Encounter").is_empty() && !communication["encounter"].is_null() {
        problems.push("Communication.encounter without an Encounter".into());
    }
    let payloads = communication["payload"].as_array().cloned().unwrap_or_default();
    let mut payload_ids = Vec::new();
    let mut texts = 0;
    for payload in &payloads {
        let is_text = payload["contentString"].is_string();
        let is_attachment = payload["contentAttachment"].is_object();
        if !is_text && !is_attachment {
            problems.push("a payload has neither text nor an attachment".into());
            continue;
        }
        texts += usize::from(is_text);
        if extension(payload, EXT_DATE)
            .and_then(|e| e["valueDateTime"].as_str())
            .is_none()
        {
            problems.push("a payload has no date".into());
        }
        match extension(payload, EXT_IDENTIFIER).map(|e| &e["valueIdentifier"]["value"]) {
            Some(v) if is_uuid_urn(v) => payload_ids.push(v.as_str().unwrap_or("").to_owned()),
            _ => problems.push("a payload has no urn:uuid identifier".into()),
        }
        if is_text {
            // medcom-careCommunication-7/8: the author is a PractitionerRole of a named Practitioner.
            let role = extension(payload, EXT_AUTHOR).and_then(|e| resolve(bundle, &e["valueReference"]));
            let named = role
                .filter(|r| r["resourceType"] == "PractitionerRole")
                .and_then(|r| resolve(bundle, &r["practitioner"]))
                .is_some_and(|p| p["name"].as_array().is_some_and(|n| !n.is_empty()));
            if !named {
                problems
                    .push("a text payload's author is not a PractitionerRole of a named Practitioner".into());
            }
            let phone = extension(payload, EXT_CONTACT).map(|e| &e["valueContactPoint"]);
            if !phone
                .is_some_and(|p| p["system"] == "phone" && p["value"].as_str().is_some_and(|v| !v.is_empty()))
            {
                problems.push("a text payload has no author contact phone".into());
            }
        } else {
            problems.extend(attachment_problems(&payload["contentAttachment"]));
        }
    }
    if texts == 0 {
        problems.push("the Communication has no text payload".into());
    }
    // medcom-careCommunication-13
    for role in of_type(bundle, "PractitionerRole") {
        if role["practitioner"]["reference"].as_str().is_none() {
            problems.push("a PractitionerRole does not name its Practitioner".into());
        }
    }
    // medcom-careCommunication-3 and the Provenance of this message
    let provenances = of_type(bundle, "Provenance");
    if provenances.iter().any(|p| !has_profile(p, PROVENANCE_PROFILE)) {
        problems.push("a Provenance lacks the CareCommunication profile".into());
    }
    let header_ref = format!("MessageHeader/{}", header["id"].as_str().unwrap_or(""));
    let own = provenances.iter().find(|p| {
        p["target"][0]["reference"]
            .as_str()
            .is_some_and(|t| t == header_ref || t.ends_with(&format!("/{header_ref}")))
    });
    match own {
        None => problems.push("no Provenance targets this MessageHeader".into()),
        Some(p) => {
            let activity = &p["activity"]["coding"][0];
            if activity["system"] != ACTIVITY_CODES
                || !matches!(
                    activity["code"].as_str(),
                    Some(
                        "new-message"
                            | "reply-message"
                            | "forward-message"
                            | "modified-message"
                            | "retracted-message"
                    )
                )
            {
                problems.push("the Provenance's activity is not a CareCommunication activity code".into());
            }
            let entities = p["entity"].as_array().cloned().unwrap_or_default();
            for id in &payload_ids {
                let named = entities
                    .iter()
                    .any(|e| e["what"]["identifier"]["value"].as_str() == Some(id.as_str()));
                if !named {
                    problems.push("a payload is not named in the Provenance".into());
                }
            }
        }
    }
    problems
}

/// What is wrong with a MedCom Acknowledgement; empty when nothing is.
pub fn acknowledgement(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    frame(bundle, &mut problems);
    if !problems.is_empty() {
        return problems;
    }
    let header = &bundle["entry"][0]["resource"];
    if header["resourceType"] != "MessageHeader" || header["eventCoding"]["code"] != "acknowledgement-message"
    {
        problems.push("the first entry is not an acknowledgement MessageHeader".into());
    }
    if header["response"]["identifier"]
        .as_str()
        .and_then(|i| uuid::Uuid::parse_str(i).ok())
        .is_none()
    {
        problems.push("the acknowledgement names no message (response.identifier)".into());
    }
    if !matches!(
        header["response"]["code"].as_str(),
        Some("ok" | "transient-error" | "fatal-error")
    ) {
        problems.push("the acknowledgement's response code is not ok, transient-error or fatal-error".into());
    }
    problems
}

/// MedCom's value set of attachment types (medcom-core-attachmentMimeTypes).
const ATTACHMENT_TYPES: [&str; 6] = [
    "application/pdf",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "image/bmp",
];

/// The profile's rules for `payload[attachment].contentAttachment`: a title (without a file
/// ending added), and either the content (`data`, base64, with a `contentType` from MedCom's
/// value set, and a PDF that is one) or a link to a web page (`url`), or neither in a reply;
/// `creation` a dateTime.
pub fn attachment_problems(attachment: &Value) -> Vec<String> {
    use base64::Engine;
    let mut problems = Vec::new();
    match attachment["title"].as_str() {
        None => problems.push("an attachment has no title".into()),
        Some(title) => {
            let lower = title.trim().to_lowercase();
            if [".pdf", ".gif", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"]
                .iter()
                .any(|ending| lower.ends_with(ending))
            {
                problems.push("an attachment's title ends with a file type".into());
            }
        }
    }
    let data = attachment["data"].as_str();
    let url = attachment["url"].as_str();
    match (data, url) {
        // A reply names an attachment sent before by its identifier only (the standard forbids
        // sending the content back), so neither is allowed.
        (None, None) => {}
        (Some(_), Some(_)) => problems.push("an attachment has both data and a url".into()),
        (None, Some(url)) => {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                problems.push("an attachment's url is not a link to a web page".into());
            }
        }
        (Some(data), None) => {
            let content_type = attachment["contentType"].as_str();
            if !content_type.is_some_and(|t| ATTACHMENT_TYPES.contains(&t)) {
                problems.push("an attachment's content type is not one MedCom allows".into());
            }
            match base64::engine::general_purpose::STANDARD.decode(data) {
                Err(_) => problems.push("an attachment's data is not base64".into()),
                Ok(bytes) if bytes.is_empty() => problems.push("an attachment is empty".into()),
                Ok(bytes) if content_type == Some("application/pdf") && !bytes.starts_with(b"%PDF-") => {
                    problems.push("an attachment said to be a PDF is not one".into());
                }
                Ok(_) => {}
            }
        }
    }
    if let Some(creation) = attachment.get("creation") {
        if !creation.as_str().is_some_and(is_date_time) {
            problems.push("an attachment's creation is not a dateTime".into());
        }
    }
    problems
}

/// A FHIR dateTime with a time and a zone, as messages carry them.
fn is_date_time(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
}
