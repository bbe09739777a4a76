//! The FHIR R4 read API, read over a real TCP port the way a client system reads it, every
//! answer checked by strict deserialisation into fhirbolt's R4 models (an independent
//! implementation of the specification: unknown elements are refused, required ones must be
//! there) and by the rules those models do not enforce.

use std::sync::{Arc, Mutex};

use axum::http::{header, HeaderMap, StatusCode};
use chrono::{Duration, NaiveDate, Utc};
use coachline::domain::ApiScope;
use coachline::fhir::clients::{self, NewClient};
use coachline::web::Role;
use fhirbolt::model::r4::Resource;
use fhirbolt::serde::{DeserializationConfig, DeserializationMode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::course_fixtures::{booked, local, today, world};
use crate::fixtures::NewPatient;
use crate::helpers::TestApp;

const CPR_SYSTEM: &str = "urn:oid:1.2.208.176.1.2";

/// The application served on a port of its own, and an HTTP client for it.
struct Api {
    base: String,
    http: HyperClient<HttpConnector, Empty<Bytes>>,
}

/// One answer, read.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Api {
    async fn start(app: &TestApp) -> Api {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = app.router.clone();
        tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service).await.unwrap();
        });
        Api {
            base,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// GET `url` (absolute, or a path under the server) with an optional bearer token.
    async fn get(&self, url: &str, token: Option<&str>) -> Answer {
        self.send("GET", url, token).await
    }

    async fn send(&self, method: &str, url: &str, token: Option<&str>) -> Answer {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header(header::ACCEPT, "application/fhir+json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self
            .http
            .request(request.body(Empty::new()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }
}

/// Deserialises `body` strictly into the R4 models and writes it back: what the models hold
/// must be exactly what was sent (the models take an array where one value is allowed, so the
/// round trip is what catches a wrong cardinality). Panics with the reason otherwise.
fn strict(body: &str) -> Resource {
    strictly(body).unwrap_or_else(|e| panic!("{e}:\n{body}"))
}

fn strictly(body: &str) -> Result<Resource, String> {
    let config = DeserializationConfig {
        mode: DeserializationMode::Strict,
    };
    let resource = fhirbolt::json::from_str::<Resource>(body, Some(config))
        .map_err(|e| format!("not a valid R4 resource ({e})"))?;
    let written = fhirbolt::json::to_string(&resource, None).map_err(|e| e.to_string())?;
    let sent: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let held: Value = serde_json::from_str(&written).map_err(|e| e.to_string())?;
    if !same(&sent, &held) {
        return Err(format!(
            "the R4 model holds something else than was sent:\n{written}"
        ));
    }
    Ok(resource)
}

/// Equal JSON, numbers compared by value (`3` and `3.0` are the same decimal).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (x, y) => x == y,
    }
}

#[test]
fn the_validator_refuses_unknown_elements_missing_required_ones_and_wrong_types() {
    let parse = |s: &str| strictly(s).is_ok();
    assert!(parse(
        r#"{"resourceType":"Goal","lifecycleStatus":"active","description":{"text":"x"},"subject":{"reference":"Patient/1"}}"#
    ));
    assert!(!parse(
        r#"{"resourceType":"Goal","lifecycleStatus":"active","description":{"text":"x"},"subject":{"reference":"Patient/1"},"note2":[]}"#
    ));
    assert!(!parse(
        r#"{"resourceType":"Goal","description":{"text":"x"},"subject":{"reference":"Patient/1"}}"#
    ));
    assert!(!parse(
        r#"{"resourceType":"Goal","lifecycleStatus":["active"],"description":{"text":"x"},"subject":{"reference":"Patient/1"}}"#
    ));
    assert!(!parse(r#"{"resourceType":"Nonsense"}"#));
}

/// The JSON rules of FHIR the models let through: no null, empty string, array or object;
/// ids and dates in their formats; then the checks of each resource type.
fn conforms(value: &Value, path: &str) {
    match value {
        Value::Null => panic!("null at {path}"),
        Value::String(s) => {
            assert!(
                !s.is_empty() && s.trim() == s.as_str() || path.ends_with("contentString"),
                "bad string at {path}: {s:?}"
            );
            let key = path.rsplit('.').next().unwrap_or("");
            match key {
                "birthDate" | "startDate" | "statusDate" | "authored" => {
                    assert!(NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(), "{path}: {s}")
                }
                "sent" => assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{path}: {s}"),
                _ => {}
            }
        }
        Value::Array(items) => {
            assert!(!items.is_empty(), "empty array at {path}");
            for (i, item) in items.iter().enumerate() {
                conforms(item, &format!("{path}[{i}]"));
            }
        }
        Value::Object(map) => {
            assert!(!map.is_empty(), "empty object at {path}");
            for (k, v) in map {
                conforms(v, &format!("{path}.{k}"));
            }
            if let Some(Value::String(id)) = map.get("id").filter(|_| map.contains_key("resourceType")) {
                assert!(
                    (1..=64).contains(&id.len())
                        && id
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'),
                    "resource id {id:?} at {path}"
                );
            }
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Checks one resource (or Bundle) fully and returns the typed resource.
fn validated(answer: &Answer) -> Resource {
    assert!(
        answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/fhir+json")),
        "{:?}",
        answer.headers
    );
    let json = answer.json();
    conforms(&json, "");
    type_rules(&json);
    strict(&answer.body)
}

/// The invariants and cardinalities of the types the API returns that the models do not check.
fn type_rules(json: &Value) {
    let kind = json["resourceType"].as_str().unwrap();
    match kind {
        "Bundle" => {
            assert_eq!(json["type"], "searchset");
            assert!(json["total"].is_u64());
            assert!(json["link"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["relation"] == "self"));
            let entries = json["entry"].as_array().cloned().unwrap_or_default();
            let mut urls: Vec<&str> = Vec::new();
            for entry in &entries {
                let full = entry["fullUrl"].as_str().expect("every entry has a fullUrl");
                let resource = &entry["resource"];
                // bdl-8 and the fullUrl's tail: it ends in type/id.
                assert!(full.ends_with(&format!(
                    "/{}/{}",
                    resource["resourceType"].as_str().unwrap(),
                    resource["id"].as_str().unwrap()
                )));
                assert!(!urls.contains(&full), "bdl-7: {full} twice");
                urls.push(full);
                assert_eq!(entry["search"]["mode"], "match");
                type_rules(resource);
            }
        }
        "Patient" => {
            for identifier in json["identifier"].as_array().unwrap() {
                if identifier["system"] == CPR_SYSTEM {
                    let v = identifier["value"].as_str().unwrap();
                    assert!(v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()));
                }
            }
            assert!(["male", "female", "other", "unknown"].contains(&json["gender"].as_str().unwrap()));
        }
        "CarePlan" => {
            assert!([
                "draft",
                "active",
                "on-hold",
                "revoked",
                "completed",
                "entered-in-error",
                "unknown"
            ]
            .contains(&json["status"].as_str().unwrap()));
            assert_eq!(json["intent"], "plan");
            assert!(json["subject"]["reference"]
                .as_str()
                .unwrap()
                .starts_with("Patient/"));
            let period = &json["period"];
            assert!(
                period["start"].as_str().unwrap() <= period["end"].as_str().unwrap(),
                "per-1"
            );
        }
        "Goal" => {
            assert!([
                "proposed",
                "planned",
                "accepted",
                "active",
                "on-hold",
                "completed",
                "cancelled",
                "entered-in-error",
                "rejected"
            ]
            .contains(&json["lifecycleStatus"].as_str().unwrap()));
            assert!(json["description"]["text"].is_string());
            assert!(json["subject"]["reference"].is_string());
        }
        "Appointment" => {
            let status = json["status"].as_str().unwrap();
            assert!([
                "proposed",
                "pending",
                "booked",
                "arrived",
                "fulfilled",
                "cancelled",
                "noshow",
                "entered-in-error",
                "checked-in",
                "waitlist"
            ]
            .contains(&status));
            // app-3: only proposed or cancelled appointments may lack start and end; app-2: both or neither.
            assert!(json["start"].is_string() && json["end"].is_string());
            assert!(json["start"].as_str().unwrap() < json["end"].as_str().unwrap());
            for p in json["participant"].as_array().unwrap() {
                assert!(p["status"].is_string(), "participant.status is 1..1");
                assert!(p["actor"].is_object() || p["type"].is_array(), "app-1");
            }
        }
        "Communication" => {
            let status = json["status"].as_str().unwrap();
            assert!([
                "preparation",
                "in-progress",
                "not-done",
                "on-hold",
                "stopped",
                "completed",
                "entered-in-error",
                "unknown"
            ]
            .contains(&status));
            if status != "not-done" {
                assert!(json.get("statusReason").is_none());
            }
            for ext in json["extension"].as_array().into_iter().flatten() {
                // ext-1: a value or nested extensions, not both.
                assert!(ext["url"].is_string() && ext["valueDuration"].is_object());
                assert_eq!(ext["valueDuration"]["system"], "http://unitsofmeasure.org");
            }
        }
        "QuestionnaireResponse" => {
            assert!([
                "in-progress",
                "completed",
                "amended",
                "entered-in-error",
                "stopped"
            ]
            .contains(&json["status"].as_str().unwrap()));
            for item in json["item"].as_array().unwrap() {
                assert!(item["linkId"].is_string());
                // qrs-1: an item has answers or items, not both.
                assert!(!(item.get("answer").is_some() && item.get("item").is_some()));
            }
        }
        "Organization" => {
            // org-1: a name or an identifier.
            assert!(json["name"].is_string() || json["identifier"].is_array());
        }
        "OperationOutcome" => {
            for issue in json["issue"].as_array().unwrap() {
                assert!(issue["severity"].is_string() && issue["code"].is_string());
            }
        }
        "CapabilityStatement" => {
            assert_eq!(json["fhirVersion"], "4.0.1");
            assert!(json["date"].is_string() && json["status"].is_string());
            // cpb-2 / cpb-15: an instance statement describes its implementation.
            assert!(json["implementation"]["description"].is_string());
        }
        other => panic!("the API returned an unexpected {other}"),
    }
}

/// A client of `centre` with `scopes`, created directly; returns its id and token.
pub async fn client_of(app: &TestApp, centre: i64, scopes: &[ApiScope], name: &str) -> (i64, String) {
    let admin = match sqlx::query_scalar::<_, i64>("select id from users where role = 'admin' limit 1")
        .fetch_optional(&app.db)
        .await
        .unwrap()
    {
        Some(id) => id,
        None => app.user("ada@example.test", Role::Admin, None).await,
    };
    let new = NewClient {
        name: name.to_owned(),
        centre_id: centre,
        scopes: scopes.to_vec(),
        expires_at: Utc::now() + Duration::days(30),
    };
    clients::create(&app.app_db, &new, admin).await.unwrap().unwrap()
}

pub const ALL: &[ApiScope] = &[
    ApiScope::Patients,
    ApiScope::Plans,
    ApiScope::Calls,
    ApiScope::Notes,
];

/// The OUH patient's plan and history: a goal, a booked call, a reached call with a note and
/// an amendment, a call not answered, and a questionnaire.
pub async fn history(app: &TestApp, patient: i64, nurse: i64) {
    sqlx::query("insert into goals (patient_id, course_id, text) select $1, id, 'Gå en tur hver dag' from courses where patient_id = $1")
        .bind(patient)
        .execute(&app.db)
        .await
        .unwrap();
    booked(app, patient, nurse, local(today() + Duration::days(7), "10:00")).await;
    for (outcome, note, minutes) in [("reached", "Fortalte om sine gåture", 25), ("no_answer", "", 0)] {
        sqlx::query(
            "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes, note)
             select $1, id, $2, now() - interval '2 days', $3, $4, $5 from courses where patient_id = $1",
        )
        .bind(patient)
        .bind(nurse)
        .bind(outcome)
        .bind(minutes)
        .bind(note)
        .execute(&app.db)
        .await
        .unwrap();
    }
    sqlx::query(
        "insert into call_amendments (call_id, text, author_id)
         select id, 'Rettelse: gåture hver anden dag', $2 from calls where patient_id = $1 and outcome = 'reached'",
    )
    .bind(patient)
    .bind(nurse)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score, recorded_by)
         select $1, k.id, i.id, 'start', current_date, 3, 3, $2
           from courses k, instruments i where k.patient_id = $1 and i.code = 'self_rated_health'",
    )
    .bind(patient)
    .bind(nurse)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into questionnaire_answers (response_id, item_id, value)
         select r.id, it.id, 3 from questionnaire_responses r join instrument_items it on it.instrument_id = r.instrument_id
          where r.patient_id = $1",
    )
    .bind(patient)
    .execute(&app.db)
    .await
    .unwrap();
}

fn entries(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| x["resource"].clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_client_reads_a_patients_plan_and_calls_and_every_answer_is_valid_r4() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    history(&app, w.patient, w.nurse_id).await;
    let mut admin = app.signed_in("ada@example.test", Role::Admin, None).await;
    let (client_id, token) = client_of(&app, w.ouh, ALL, "Kommunens platform").await;
    let api = Api::start(&app).await;
    let t = Some(token.as_str());

    // The CapabilityStatement is open to anyone and lists every type.
    let metadata = api.get("/fhir/metadata", None).await;
    assert_eq!(metadata.status, StatusCode::OK, "{}", metadata.body);
    assert!(matches!(validated(&metadata), Resource::CapabilityStatement(_)));
    let types: Vec<String> = metadata.json()["rest"][0]["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap().to_owned())
        .collect();
    for kind in [
        "Patient",
        "CarePlan",
        "Goal",
        "Appointment",
        "Communication",
        "QuestionnaireResponse",
        "Organization",
    ] {
        assert!(types.contains(&kind.to_owned()), "{kind} in {types:?}");
    }

    // Find the patient by CPR number, as a client system does.
    let found = api
        .get(&format!("/fhir/Patient?identifier={CPR_SYSTEM}%7C0101481234"), t)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let Resource::Bundle(bundle) = validated(&found) else {
        panic!("a Bundle")
    };
    assert_eq!(bundle.total.as_ref().and_then(|t| t.value), Some(1));
    let patient = &entries(&found.json())[0];
    let id = patient["id"].as_str().unwrap().to_owned();
    assert_eq!(
        id,
        w.patient.to_string(),
        "the database's key, never the CPR number"
    );
    assert_eq!(patient["identifier"][0]["value"], "0101481234");
    assert_eq!(patient["name"][0]["family"], "Opdigtsen");
    assert_eq!(patient["generalPractitioner"][0]["display"], "Lægehuset Opdigtet");

    // Read it, then everything about it.
    let read = api.get(&format!("/fhir/Patient/{id}"), t).await;
    assert_eq!(read.status, StatusCode::OK);
    let Resource::Patient(typed) = validated(&read) else {
        panic!("a Patient")
    };
    assert_eq!(
        typed.birth_date.and_then(|d| d.value).as_deref(),
        Some("1948-03-01")
    );
    let organization = read.json()["managingOrganization"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = api.get(&format!("/fhir/{organization}"), t).await;
    assert_eq!(org.status, StatusCode::OK, "{}", org.body);
    assert!(matches!(validated(&org), Resource::Organization(_)));

    let mut counts = Vec::new();
    for kind in [
        "CarePlan",
        "Goal",
        "Appointment",
        "Communication",
        "QuestionnaireResponse",
    ] {
        let search = api.get(&format!("/fhir/{kind}?patient=Patient/{id}"), t).await;
        assert_eq!(search.status, StatusCode::OK, "{kind}: {}", search.body);
        validated(&search);
        let found = entries(&search.json());
        assert!(!found.is_empty(), "{kind}: {}", search.body);
        for resource in &found {
            // Each resource reads on its own too.
            let one = api
                .get(&format!("/fhir/{kind}/{}", resource["id"].as_str().unwrap()), t)
                .await;
            assert_eq!(one.status, StatusCode::OK, "{}", one.body);
            validated(&one);
            assert_eq!(&one.json(), resource);
        }
        counts.push((kind, found));
    }
    let plan = &counts[0].1[0];
    assert_eq!(plan["status"], "active");
    assert!(plan["goal"][0]["reference"]
        .as_str()
        .unwrap()
        .starts_with("Goal/"));
    assert!(plan["activity"][0]["reference"]["reference"]
        .as_str()
        .unwrap()
        .starts_with("Appointment/"));
    let calls = &counts[3].1;
    let reached = calls.iter().find(|c| c["status"] == "completed").unwrap();
    assert_eq!(reached["extension"][0]["valueDuration"]["value"], 25);
    assert_eq!(reached["payload"][0]["contentString"], "Fortalte om sine gåture");
    assert_eq!(
        reached["payload"][1]["contentString"],
        "Rettelse: gåture hver anden dag"
    );
    let missed = calls.iter().find(|c| c["status"] == "not-done").unwrap();
    assert_eq!(missed["statusReason"]["coding"][0]["code"], "no_answer");

    // Every read is in the access log with the client as the actor, and its page names it.
    let logged: Vec<(Option<i64>, Option<i64>, String, bool)> = sqlx::query_as(
        "select user_id, api_client_id, detail->>'resource', allowed from access_log where patient_id = $1 and action = 'api.read'",
    )
    .bind(w.patient)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(logged
        .iter()
        .all(|(user, client, _, allowed)| user.is_none() && *client == Some(client_id) && *allowed));
    for kind in [
        "Patient",
        "CarePlan",
        "Goal",
        "Appointment",
        "Communication",
        "QuestionnaireResponse",
    ] {
        assert!(
            logged.iter().any(|(_, _, r, _)| r == kind),
            "{kind} logged: {logged:?}"
        );
    }
    let page = admin
        .get(&format!("/admin/access-log?patient={}", w.patient))
        .await;
    assert!(
        page.body.contains("API client: Kommunens platform")
            || page.body.contains("API-klient: Kommunens platform"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_client_sees_only_its_own_centres_patients_even_with_forged_ids() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    history(&app, w.kol_patient, w.kol_nurse).await;
    let (client_id, token) = client_of(&app, w.ouh, ALL, "OUH's platform").await;
    let api = Api::start(&app).await;
    let t = Some(token.as_str());

    // Every KOL resource, by its real id: not found, as if it did not exist.
    let ids = |table: &'static str| {
        let db = app.db.clone();
        let patient = w.kol_patient;
        async move {
            sqlx::query_scalar::<_, i64>(&format!("select id from {table} where patient_id = $1"))
                .bind(patient)
                .fetch_all(&db)
                .await
                .unwrap()
        }
    };
    let mut forged = vec![
        format!("Patient/{}", w.kol_patient),
        format!("Organization/{}", w.kol),
    ];
    for (kind, table) in [
        ("CarePlan", "courses"),
        ("Goal", "goals"),
        ("Appointment", "appointments"),
        ("Communication", "calls"),
        ("QuestionnaireResponse", "questionnaire_responses"),
    ] {
        for id in ids(table).await {
            forged.push(format!("{kind}/{id}"));
        }
    }
    assert!(forged.len() >= 7, "{forged:?}");
    for path in &forged {
        let answer = api.get(&format!("/fhir/{path}"), t).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}: {}", answer.body);
        assert!(matches!(validated(&answer), Resource::OperationOutcome(_)));
        assert!(!answer.body.contains("Koldingsen"));
    }
    // Searches by the other centre's patient, by reference or CPR number, find nothing.
    for query in [
        format!("CarePlan?patient=Patient/{}", w.kol_patient),
        format!("Communication?subject={}", w.kol_patient),
        format!(
            "Goal?patient=http://elsewhere.example/fhir/Patient/{}",
            w.kol_patient
        ),
        format!("Patient?identifier={CPR_SYSTEM}%7C0202482345"),
        format!("Patient?_id={}", w.kol_patient),
    ] {
        let answer = api.get(&format!("/fhir/{query}"), t).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        validated(&answer);
        assert_eq!(answer.json()["total"], 0, "{query}: {}", answer.body);
        assert!(!answer.body.contains("Koldingsen"));
    }
    // A search without a patient lists the client's centre only.
    let all = api.get("/fhir/Patient", t).await;
    let listed: Vec<String> = entries(&all.json())
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, vec![w.patient.to_string()]);
    for kind in ["Communication", "Appointment", "Goal"] {
        let answer = api.get(&format!("/fhir/{kind}"), t).await;
        assert!(entries(&answer.json()).iter().all(|r| r["subject"]["reference"]
            != format!("Patient/{}", w.kol_patient)
            && r["participant"][0]["actor"]["reference"] != format!("Patient/{}", w.kol_patient)));
    }
    // Every attempt is in the access log, refused, against the KOL patient; nothing was read.
    let (refused, read): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where not allowed), count(*) filter (where allowed)
           from access_log where api_client_id = $1 and patient_id = $2",
    )
    .bind(client_id)
    .bind(w.kol_patient)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(read, 0);
    assert!(
        refused >= forged.len() as i64 - 1,
        "{refused} refusals for {forged:?}"
    );
}

#[tokio::test]
async fn every_error_is_an_operation_outcome_and_no_answer_sets_a_cookie() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    history(&app, w.patient, w.nurse_id).await;
    let (_, patients_only) = client_of(&app, w.ouh, &[ApiScope::Patients], "Patients only").await;
    let (revoked_id, revoked) = client_of(&app, w.ouh, ALL, "Revoked").await;
    let admin: i64 = sqlx::query_scalar("select id from users where role = 'admin'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(clients::revoke(&app.app_db, revoked_id, admin, Utc::now())
        .await
        .unwrap());
    let (_, expired) = client_of(&app, w.ouh, ALL, "Expired").await;
    sqlx::query("update api_clients set expires_at = now() - interval '1 minute' where name = 'Expired'")
        .execute(&app.db)
        .await
        .unwrap();
    let api = Api::start(&app).await;
    let patient = format!("/fhir/Patient/{}", w.patient);

    let cases: Vec<(String, Option<&str>, StatusCode, &str)> = vec![
        (patient.clone(), None, StatusCode::UNAUTHORIZED, "login"),
        (
            patient.clone(),
            Some("coachline_0000"),
            StatusCode::UNAUTHORIZED,
            "login",
        ),
        (patient.clone(), Some(&revoked), StatusCode::UNAUTHORIZED, "login"),
        (patient.clone(), Some(&expired), StatusCode::UNAUTHORIZED, "login"),
        (
            format!("/fhir/CarePlan?patient={}", w.patient),
            Some(&patients_only),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "/fhir/Communication/1".to_owned(),
            Some(&patients_only),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "/fhir/Patient/999999".to_owned(),
            Some(&patients_only),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            "/fhir/Patient/0101481234".to_owned(),
            Some(&patients_only),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            "/fhir/Observation/1".to_owned(),
            Some(&patients_only),
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            "/fhir/Patient?name=Inge".to_owned(),
            Some(&patients_only),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/fhir/Patient?_count=many".to_owned(),
            Some(&patients_only),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/fhir/Patient?identifier=urn:other%7C0101481234".to_owned(),
            Some(&patients_only),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/fhir/Patient?identifier=0101481".to_owned(),
            Some(&patients_only),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
    ];
    for (path, token, status, code) in cases {
        let answer = api.get(&path, token).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        let Resource::OperationOutcome(_) = validated(&answer) else {
            panic!("{path}: an OperationOutcome")
        };
        assert_eq!(answer.json()["issue"][0]["code"], code, "{path}");
        assert!(
            !answer.body.contains("0101481234") && !answer.body.contains("Inge"),
            "{}",
            answer.body
        );
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(answer.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
        }
    }
    let post = api.send("POST", &patient, Some(&patients_only)).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED, "{}", post.body);
    validated(&post);

    // Good and bad answers alike: no cookie, the security headers, nothing cached.
    for answer in [
        api.get(&patient, Some(&patients_only)).await,
        api.get(&patient, None).await,
        api.get("/fhir/metadata", None).await,
        api.get("/fhir/Nothing", None).await,
    ] {
        assert!(
            answer.headers.get(header::SET_COOKIE).is_none(),
            "{:?}",
            answer.headers
        );
        assert_eq!(answer.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(
            answer.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        assert!(answer.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
    }
}

#[tokio::test]
async fn the_text_of_call_notes_goes_only_to_a_client_with_the_notes_scope() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    history(&app, w.patient, w.nurse_id).await;
    let (_, without) = client_of(&app, w.ouh, &[ApiScope::Calls], "Calls without notes").await;
    let api = Api::start(&app).await;
    let answer = api
        .get(
            &format!("/fhir/Communication?patient={}", w.patient),
            Some(&without),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    validated(&answer);
    assert!(!answer.body.contains("gåture"), "{}", answer.body);
    let calls = entries(&answer.json());
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.get("payload").is_none()));
    // Outcome, time and length are there all the same.
    assert!(calls
        .iter()
        .all(|c| c["sent"].is_string() && c["extension"][0]["valueDuration"].is_object()));
}

#[tokio::test]
async fn searches_page_with_count_and_next_links_to_the_end() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    for i in 0..5 {
        NewPatient::new(ouh, format!("01014{i}1234"), "Side", &format!("Opdigtet{i}"))
            .insert(&app.db)
            .await;
    }
    let (_, token) = client_of(&app, ouh, &[ApiScope::Patients], "Pages").await;
    let api = Api::start(&app).await;
    let mut url = "/fhir/Patient?_count=2".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let answer = api.get(&url, Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        validated(&answer);
        let json = answer.json();
        assert_eq!(json["total"], 5);
        pages += 1;
        for p in entries(&json) {
            seen.push(p["id"].as_str().unwrap().to_owned());
        }
        let next = json["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .cloned();
        match next {
            Some(link) => url = link["url"].as_str().unwrap().to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (5, 5));
}

#[tokio::test]
async fn an_admin_creates_a_client_whose_token_is_shown_once_stored_hashed_and_revocable() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut admin = app.signed_in("ada@example.test", Role::Admin, None).await;
    let expires = (today() + Duration::days(90)).format("%Y-%m-%d").to_string();
    let ouh_text = ouh.to_string();
    // A form with mistakes keeps what was typed.
    let wrong = admin
        .post(
            "/admin/api-clients",
            &[
                ("name", "Regionens platform"),
                ("centre", &ouh_text),
                ("expires_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("Regionens platform"));
    assert_eq!(wrong.texts(".field-error").len(), 2, "{}", wrong.body);
    let created = admin
        .post(
            "/admin/api-clients",
            &[
                ("name", "Regionens platform"),
                ("centre", &ouh_text),
                ("expires_on", &expires),
                ("scope_patients", "on"),
                ("scope_plans", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let token = created.texts("code#token").pop().expect("the token is shown");
    assert!(token.starts_with("coachline_") && token.len() > 60);
    let stored: Vec<u8> = sqlx::query_scalar("select token_hash from api_clients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, clients::token_hash(&token));
    let all: String = sqlx::query_scalar("select row_to_json(a)::text from api_clients a")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!all.contains(&token[10..]), "the token is not stored");
    // Listed, and the token never shown again.
    let list = admin.get("/admin/api-clients").await;
    assert!(list.body.contains("Regionens platform"));
    assert!(!list.body.contains(&token));

    let api = Api::start(&app).await;
    assert_eq!(
        api.get("/fhir/Patient", Some(&token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get("/fhir/Communication", Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    let id: i64 = sqlx::query_scalar("select id from api_clients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let revoked = admin.post(&format!("/admin/api-clients/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        api.get("/fhir/Patient", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let list = admin.get("/admin/api-clients").await;
    assert!(
        list.texts("td.state")
            .iter()
            .any(|s| s == "Revoked" || s == "Tilbagekaldt"),
        "{}",
        list.body
    );
    // Only an admin has the page.
    let mut nurse = app.signed_in("nina@example.test", Role::Nurse, Some(ouh)).await;
    assert_eq!(
        nurse.get("/admin/api-clients").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Captures what the process logs, for the test that looks for patient data in it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_cpr_number_of_a_search_reaches_no_log_line() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (_, token) = client_of(&app, w.ouh, ALL, "Logged").await;
    let api = Api::start(&app).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test's runtime runs on this one thread: the server's spans and events land here.
    let guard = tracing::subscriber::set_default(subscriber);
    for path in [
        format!("/fhir/Patient?identifier={CPR_SYSTEM}%7C0101481234"),
        format!("/fhir/Patient?identifier={CPR_SYSTEM}%7C010148-1234&_count=1"),
        format!("/fhir/Patient?identifier={CPR_SYSTEM}%7C0202482345"),
        "/fhir/Patient?identifier=0101481".to_owned(),
        format!("/fhir/Patient/{}", w.kol_patient),
    ] {
        api.get(&path, Some(&token)).await;
    }
    api.get(
        &format!("/fhir/Patient?identifier={CPR_SYSTEM}%7C0101481234"),
        None,
    )
    .await;
    drop(guard);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("/fhir/Patient"),
        "requests are logged by route: {log}"
    );
    assert!(log.contains("refused an API client"), "{log}");
    for secret in [
        "0101481234",
        "010148-1234",
        "0202482345",
        "0101481",
        "Inge",
        "Opdigtsen",
        "Koldingsen",
        "identifier=",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

/// A directory entry, as the admin's import would make it.
async fn organisation(
    app: &TestApp,
    kind: &str,
    name: &str,
    sor: &str,
    code: Option<&str>,
    provider: Option<&str>,
) -> i64 {
    let ean = format!("579{:0>10}", &sor[sor.len() - 6..]);
    sqlx::query_scalar(
        "insert into organisations (kind, name, sor_code, ean, municipality_code, gp_provider_number)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(kind)
    .bind(name)
    .bind(sor)
    .bind(ean)
    .bind(code)
    .bind(provider)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_patients_gp_and_municipality_from_the_directory_are_organizations_the_client_can_read() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let gp = organisation(
        &app,
        "gp_practice",
        "Lægehuset Opdigtet",
        "481001000016005",
        None,
        Some("012345"),
    )
    .await;
    let municipality = organisation(
        &app,
        "municipality",
        "Odense Kommune",
        "481002000016004",
        Some("461"),
        None,
    )
    .await;
    let other_gp = organisation(
        &app,
        "gp_practice",
        "Lægerne i Kolding",
        "481003000016003",
        None,
        None,
    )
    .await;
    sqlx::query("update patients set municipality = 'Odense' where id = $1")
        .bind(w.patient)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update patients set gp = 'Lægerne i Kolding' where id = $1")
        .bind(w.kol_patient)
        .execute(&app.db)
        .await
        .unwrap();
    let (_, token) = client_of(&app, w.ouh, ALL, "Kommunens platform").await;
    let api = Api::start(&app).await;
    let t = Some(token.as_str());

    let read = api.get(&format!("/fhir/Patient/{}", w.patient), t).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(matches!(validated(&read), Resource::Patient(_)));
    let patient = read.json();
    assert_eq!(
        patient["generalPractitioner"][0]["reference"],
        format!("Organization/org-{gp}")
    );
    assert_eq!(patient["generalPractitioner"][0]["display"], "Lægehuset Opdigtet");
    let extension = patient["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "urn:coachline:municipality")
        .expect("the municipality's extension");
    assert_eq!(
        extension["valueReference"]["reference"],
        format!("Organization/org-{municipality}")
    );
    let code = &patient["address"][0]["extension"][0];
    assert_eq!(
        code["url"],
        "http://hl7.dk/fhir/core/StructureDefinition/dk-core-municipalityCodes"
    );
    assert_eq!(code["valueCodeableConcept"]["coding"][0]["code"], "0461");
    assert_eq!(
        patient["managingOrganization"]["reference"],
        format!("Organization/{}", w.ouh),
        "the record's custodian is still the call centre"
    );

    // Each reference reads, as a valid R4 Organization with its SOR code.
    for (reference, kind) in [
        (
            patient["generalPractitioner"][0]["reference"].as_str().unwrap(),
            "prov",
        ),
        (extension["valueReference"]["reference"].as_str().unwrap(), "govt"),
    ] {
        let org = api.get(&format!("/fhir/{reference}"), t).await;
        assert_eq!(org.status, StatusCode::OK, "{reference}: {}", org.body);
        assert!(matches!(validated(&org), Resource::Organization(_)));
        let org = org.json();
        assert_eq!(org["identifier"][0]["system"], "urn:oid:1.2.208.176.1.1");
        assert_eq!(org["type"][0]["coding"][0]["code"], kind);
    }

    // The other centre's patient's GP is not this client's to read, nor an unknown one.
    for id in [
        format!("org-{other_gp}"),
        "org-999999".to_owned(),
        "org-x".to_owned(),
    ] {
        let refused = api.get(&format!("/fhir/Organization/{id}"), t).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{id}");
        validated(&refused);
    }

    // A search lists the centre, then its patients' GP practice and municipality.
    let search = api.get("/fhir/Organization", t).await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    validated(&search);
    let ids: Vec<String> = entries(&search.json())
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        vec![
            w.ouh.to_string(),
            format!("org-{gp}"),
            format!("org-{municipality}")
        ]
    );
    let one = api.get(&format!("/fhir/Organization?_id=org-{gp}"), t).await;
    assert_eq!(entries(&one.json()).len(), 1, "{}", one.body);
}
