//! Read and search: the client's scope first, then its centre. A resource of another centre
//! does not exist for the client (404), and the attempt is in the access log as refused.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::bearer::ApiClient;
use super::outcome::{fhir_json, FhirError, FhirResult};
use super::queries::{self, Filter};
use super::resources::{self, CPR_SYSTEM};
use super::Kind;
use crate::domain::ApiScope;
use crate::imports::parse::Cpr;
use crate::AppState;

/// Entries per page unless `_count` says otherwise, and the most it may say.
const DEFAULT_COUNT: usize = 20;
const MAX_COUNT: usize = 100;

/// Anything under `/fhir` that is not a resource type.
pub async fn not_found() -> FhirError {
    FhirError::NotFound
}

/// A method other than GET on a known address.
pub async fn not_supported() -> FhirError {
    FhirError::NotSupported
}

/// The address of the API as the client reached it (for `fullUrl` and paging links).
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        });
    match host {
        Some(host) => {
            let scheme = if state.config.https { "https" } else { "http" };
            format!("{scheme}://{host}/fhir")
        }
        None => "/fhir".to_owned(),
    }
}

/// A search's parameters, checked.
#[derive(Debug)]
struct Search {
    count: usize,
    offset: usize,
    filter: Filter,
    /// The parameters to repeat in paging links (without `_count` and `_offset`).
    keep: Vec<(String, String)>,
}

/// `Patient/12`, `12` or `https://.../Patient/12`.
fn patient_reference(value: &str) -> Option<i64> {
    let id = match value.rsplit_once('/') {
        Some((before, id)) if before == "Patient" || before.ends_with("/Patient") => id,
        Some(_) => return None,
        None => value,
    };
    parse_id(id)
}

/// A resource's id as the API writes it: digits, or `org-N` for an organisation of the directory.
fn resource_id(kind: Kind, text: &str) -> Option<i64> {
    match kind {
        Kind::Organization => resources::parse_organization_id(text),
        _ => parse_id(text),
    }
}

fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|id| *id > 0)
}

fn parse_search(kind: Kind, query: Option<&str>) -> FhirResult<Search> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| FhirError::BadRequest("The query string cannot be read."))?;
    let mut search = Search {
        count: DEFAULT_COUNT,
        offset: 0,
        filter: Filter::default(),
        keep: Vec::new(),
    };
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in &pairs {
        if seen.contains(&name.as_str()) {
            return Err(FhirError::BadRequest("A search parameter is repeated."));
        }
        seen.push(name);
        let known = kind.search_params().iter().any(|(n, _)| n == name);
        match name.as_str() {
            "_count" => {
                let n: usize = value
                    .parse()
                    .map_err(|_| FhirError::BadRequest("_count must be a whole number."))?;
                search.count = n.min(MAX_COUNT);
                continue;
            }
            "_offset" => {
                search.offset = value
                    .parse()
                    .map_err(|_| FhirError::BadRequest("_offset must be a whole number."))?;
                continue;
            }
            "_format" => {
                if !matches!(
                    value.as_str(),
                    "json" | "application/json" | "application/fhir+json"
                ) {
                    return Err(FhirError::BadRequest("Only JSON is supported."));
                }
            }
            "_id" => {
                search.filter.id =
                    Some(resource_id(kind, value).ok_or(FhirError::BadRequest("_id is not an id."))?);
            }
            "identifier" if known => {
                let (system, digits) = value.split_once('|').unwrap_or(("", value.as_str()));
                if !(system.is_empty() || system == CPR_SYSTEM) {
                    return Err(FhirError::BadRequest(
                        "identifier: only the CPR number (urn:oid:1.2.208.176.1.2) is searchable.",
                    ));
                }
                let cpr =
                    Cpr::parse(digits).map_err(|_| FhirError::BadRequest("identifier: not a CPR number."))?;
                search.filter.cpr = Some(cpr.as_str().to_owned());
            }
            "patient" | "subject" if known => {
                if search.filter.patient.is_some() {
                    return Err(FhirError::BadRequest("Give the patient once."));
                }
                search.filter.patient = Some(
                    patient_reference(value)
                        .ok_or(FhirError::BadRequest("patient: not a Patient reference."))?,
                );
            }
            _ => return Err(FhirError::BadRequest("Unknown search parameter.")),
        }
        search.keep.push((name.clone(), value.clone()));
    }
    Ok(search)
}

/// The resources with these ids (all of the client's centre), each with its patient.
async fn load(
    state: &AppState,
    client: &ApiClient,
    kind: Kind,
    ids: &[i64],
) -> FhirResult<Vec<(Option<i64>, Value)>> {
    let db = &state.db;
    Ok(match kind {
        Kind::Patient => queries::patients(db, ids)
            .await?
            .iter()
            .map(|r| (Some(r.id), resources::patient(r)))
            .collect(),
        Kind::Organization => {
            // Centres by their ids, the directory's organisations by theirs negated (`matching`
            // lists the centre first, as here).
            let centres: Vec<i64> = ids.iter().copied().filter(|id| *id > 0).collect();
            let directory: Vec<i64> = ids.iter().filter(|id| **id < 0).map(|id| -id).collect();
            let mut found: Vec<(Option<i64>, Value)> = queries::centres(db, &centres)
                .await?
                .iter()
                .map(|r| (None, resources::organization(r)))
                .collect();
            found.extend(
                queries::organisations(db, &directory)
                    .await?
                    .iter()
                    .map(|r| (None, resources::directory_organization(r))),
            );
            found
        }
        Kind::CarePlan => queries::courses(db, ids)
            .await?
            .iter()
            .map(|r| (Some(r.patient_id), resources::care_plan(r)))
            .collect(),
        Kind::Goal => queries::goals(db, ids)
            .await?
            .iter()
            .map(|r| (Some(r.patient_id), resources::goal(r)))
            .collect(),
        Kind::Appointment => queries::appointments(db, ids)
            .await?
            .iter()
            .map(|r| (Some(r.patient_id), resources::appointment(r)))
            .collect(),
        Kind::Communication => {
            let notes = client.may(ApiScope::Notes);
            queries::calls(db, ids, notes)
                .await?
                .iter()
                .map(|r| (Some(r.patient_id), resources::communication(r, notes)))
                .collect()
        }
        Kind::QuestionnaireResponse => queries::responses(db, ids)
            .await?
            .iter()
            .map(|r| (Some(r.patient_id), resources::questionnaire_response(r)))
            .collect(),
    })
}

/// Logs the reads of every patient among `loaded`, once per patient.
async fn log_reads(
    state: &AppState,
    client: &ApiClient,
    kind: Kind,
    loaded: &[(Option<i64>, Value)],
) -> FhirResult<()> {
    let mut patients: Vec<i64> = loaded.iter().filter_map(|(p, _)| *p).collect();
    patients.sort_unstable();
    patients.dedup();
    crate::audit::record_api_reads(
        &state.db,
        client.id,
        &patients,
        true,
        json!({ "resource": kind.name() }),
    )
    .await?;
    Ok(())
}

/// Logs a refused attempt on `patient_id`'s data.
async fn log_refusal(state: &AppState, client: &ApiClient, kind: Kind, patient_id: i64) -> FhirResult<()> {
    crate::audit::record_api_reads(
        &state.db,
        client.id,
        &[patient_id],
        false,
        json!({ "resource": kind.name() }),
    )
    .await?;
    tracing::warn!(
        api_client = client.id,
        patient_id,
        resource = kind.name(),
        "refused an API client a patient outside its centre"
    );
    Ok(())
}

/// `GET /fhir/{type}/{id}`.
pub async fn read(
    kind: Kind,
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    client.require(kind.scope())?;
    let id = resource_id(kind, &id).ok_or(FhirError::NotFound)?;
    let filter = Filter {
        id: Some(id),
        ..Filter::default()
    };
    let ids = queries::matching(&state.db, kind, client.centre_id, &filter).await?;
    if ids.is_empty() {
        if let Some(patient_id) = queries::owner(&state.db, kind, id).await? {
            log_refusal(&state, &client, kind, patient_id).await?;
        }
        return Err(FhirError::NotFound);
    }
    let loaded = load(&state, &client, kind, &ids).await?;
    log_reads(&state, &client, kind, &loaded).await?;
    let (_, resource) = loaded.into_iter().next().ok_or(FhirError::NotFound)?;
    Ok(fhir_json(&resource))
}

/// `GET /fhir/{type}?...`: a searchset Bundle, `_count` entries from `_offset`, with paging links.
pub async fn search(
    kind: Kind,
    State(state): State<AppState>,
    client: ApiClient,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    client.require(kind.scope())?;
    let search = parse_search(kind, query.as_deref())?;
    let ids = queries::matching(&state.db, kind, client.centre_id, &search.filter).await?;
    if ids.is_empty() {
        refuse_foreign_patient(&state, &client, kind, &search.filter).await?;
    }
    let page: Vec<i64> = ids
        .iter()
        .copied()
        .skip(search.offset)
        .take(search.count)
        .collect();
    let loaded = if page.is_empty() {
        Vec::new()
    } else {
        load(&state, &client, kind, &page).await?
    };
    log_reads(&state, &client, kind, &loaded).await?;
    let base = base_url(&state, &headers);
    Ok(fhir_json(&bundle(&base, kind, &search, ids.len(), loaded)).into_response())
}

/// A search for a patient of another centre (by reference or CPR number) finds nothing; the
/// attempt is logged as refused.
async fn refuse_foreign_patient(
    state: &AppState,
    client: &ApiClient,
    kind: Kind,
    filter: &Filter,
) -> FhirResult<()> {
    let patient = match (&filter.patient, &filter.cpr) {
        (Some(id), _) => queries::owner(&state.db, Kind::Patient, *id).await?,
        (None, Some(cpr)) => queries::patient_by_cpr(&state.db, cpr).await?,
        (None, None) => None,
    };
    if let Some(patient_id) = patient {
        let own = queries::matching(
            &state.db,
            Kind::Patient,
            client.centre_id,
            &Filter {
                id: Some(patient_id),
                ..Filter::default()
            },
        )
        .await?;
        if own.is_empty() {
            log_refusal(state, client, kind, patient_id).await?;
        }
    }
    Ok(())
}

fn link(base: &str, kind: Kind, search: &Search, offset: usize) -> String {
    let mut params = search.keep.clone();
    params.push(("_count".to_owned(), search.count.to_string()));
    params.push(("_offset".to_owned(), offset.to_string()));
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    format!("{base}/{}?{query}", kind.name())
}

fn bundle(base: &str, kind: Kind, search: &Search, total: usize, loaded: Vec<(Option<i64>, Value)>) -> Value {
    let mut links = vec![json!({ "relation": "self", "url": link(base, kind, search, search.offset) })];
    if search.count > 0 && search.offset + search.count < total {
        links.push(
            json!({ "relation": "next", "url": link(base, kind, search, search.offset + search.count) }),
        );
    }
    if search.offset > 0 && search.count > 0 {
        let previous = search.offset.saturating_sub(search.count);
        links.push(json!({ "relation": "previous", "url": link(base, kind, search, previous) }));
    }
    let entries: Vec<Value> = loaded
        .into_iter()
        .map(|(_, resource)| {
            let id = resource["id"].as_str().unwrap_or_default().to_owned();
            json!({
                "fullUrl": format!("{base}/{}/{id}", kind.name()),
                "resource": resource,
                "search": { "mode": "match" },
            })
        })
        .collect();
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
    });
    if !entries.is_empty() {
        bundle["entry"] = Value::Array(entries);
    }
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patient_reference_is_read_in_every_form_and_nothing_else() {
        assert_eq!(patient_reference("Patient/12"), Some(12));
        assert_eq!(patient_reference("12"), Some(12));
        assert_eq!(patient_reference("https://x.example/fhir/Patient/12"), Some(12));
        assert_eq!(patient_reference("Goal/12"), None);
        assert_eq!(patient_reference("Patient/0101901234x"), None);
        assert_eq!(patient_reference("-3"), None);
        assert_eq!(patient_reference(""), None);
    }

    #[test]
    fn search_parameters_are_checked_per_type() {
        let s = parse_search(
            Kind::Patient,
            Some("identifier=urn:oid:1.2.208.176.1.2|0101901234&_count=500"),
        )
        .unwrap();
        assert_eq!(s.filter.cpr.as_deref(), Some("0101901234"));
        assert_eq!(s.count, MAX_COUNT);
        assert!(parse_search(Kind::Patient, Some("identifier=urn:other|0101901234")).is_err());
        assert!(parse_search(Kind::Patient, Some("identifier=urn:oid:1.2.208.176.1.2|3213")).is_err());
        assert!(parse_search(Kind::Patient, Some("patient=Patient/1")).is_err());
        assert!(parse_search(Kind::Goal, Some("patient=Patient/1&patient=Patient/2")).is_err());
        assert!(parse_search(Kind::Goal, Some("patient=Patient/1&subject=Patient/2")).is_err());
        assert!(parse_search(Kind::Goal, Some("_count=x")).is_err());
        assert!(parse_search(Kind::Goal, Some("name=x")).is_err());
        let s = parse_search(Kind::CarePlan, Some("subject=Patient%2F7&_offset=20")).unwrap();
        assert_eq!((s.filter.patient, s.offset), (Some(7), 20));
    }
}
