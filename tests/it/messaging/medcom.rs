//! MedCom CareCommunication: the Bundles coachline builds follow the standard's rules and the
//! shape of its example; a nurse writes to the patient's GP from the record and it is delivered
//! as a file; replies and acknowledgements dropped into the inbox come back to the record and
//! the outbox; a malformed file is quarantined with its reason and nothing is lost.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use coachline::domain::CareCategory;
use coachline::messaging::medcom::{self, Author, Letter, Party, Subject};
use coachline::messaging::medcom_check::care_communication;
use coachline::web::Role;
use coachline::{AppState, Config};
use serde_json::{json, Value};

use super::directory::{example_csv, upload};
use crate::course_fixtures::active;
use crate::helpers::{TestApp, PASSWORD};

fn example_fsh() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/medcom/carecommunication-1st-message.fsh"
    ))
    .unwrap()
}

fn sample() -> Value {
    medcom::build(
        "https://coachline.invalid/fhir",
        "2026-12-07T09:30:00Z".parse().unwrap(),
        &Party {
            name: "Telefonrådgivningen, Testrup".into(),
            sor: "481005000016001".into(),
            ean: "5790009900047".into(),
        },
        &Party {
            name: "Lægerne i Søndergade".into(),
            sor: "481001000016005".into(),
            ean: "5790009900016".into(),
        },
        &Subject {
            cpr: "0101481234".into(),
            given: "Inge".into(),
            family: "Opdigtsen".into(),
        },
        &Author {
            given: "Anne".into(),
            family: "Andersen".into(),
            phone: "+4566113344".into(),
        },
        &Letter {
            category: CareCategory::CareCoordination,
            topic: Some("Opfølgning".into()),
            text: "Kære læge,\nInge ønsker en samtale om sin medicin.".into(),
            attachment: None,
        },
        None,
        None,
    )
    .bundle
}

/// The resource types of the example's entries, in order.
fn example_entry_types(fsh: &str) -> Vec<String> {
    fsh.lines()
        .filter_map(|l| l.trim().strip_prefix("* entry[+].fullUrl = \""))
        .map(|url| url.trim_end_matches('"').rsplit('/').nth(1).unwrap().to_owned())
        .collect()
}

/// The element paths each example instance sets, by its resource type.
fn example_paths(fsh: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for block in fsh.split("\nInstance: ").skip(1) {
        let kind = block
            .lines()
            .find_map(|l| l.strip_prefix("InstanceOf: "))
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("");
        let resource = match kind {
            "MedComCareCommunicationMessage" => continue,
            "MedComCareCommunicationMessageHeader" => "MessageHeader",
            "MedComCareCommunication" => "Communication",
            "MedComCareCommunicationProvenance" => "Provenance",
            "MedComCorePatient" => "Patient",
            "MedComMessagingOrganization" => "Organization",
            "MedComCorePractitioner" => "Practitioner",
            "MedComCorePractitionerRole" => "PractitionerRole",
            other => panic!("an instance of {other} in the example"),
        };
        let paths = block
            .lines()
            .filter_map(|l| l.trim().strip_prefix("* "))
            .filter_map(|l| l.split_once(" = ").map(|(p, _)| p.trim().to_owned()))
            .collect();
        out.push((resource.to_owned(), paths));
    }
    out
}

/// Whether `value` has the element at `path` (FSH: `a.b[slice].c`), slices read as the
/// profiles define them (extensions by URL, identifiers by system).
fn has_path(value: &Value, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return !value.is_null();
    };
    let (name, slice) = match first.split_once('[') {
        Some((n, s)) => (n, Some(s.trim_end_matches(']'))),
        None => (*first, None),
    };
    let child = &value[name];
    let candidates: Vec<&Value> = match child {
        Value::Array(items) => items.iter().collect(),
        Value::Null => return false,
        other => vec![other],
    };
    let fits = |v: &Value| -> bool {
        match (name, slice) {
            ("extension", Some("date")) => v["url"] == medcom::EXT_DATE,
            ("extension", Some("identifier")) => v["url"] == medcom::EXT_IDENTIFIER,
            ("extension", Some("author")) => v["url"] == medcom::EXT_AUTHOR,
            ("extension", Some("authorContact")) => v["url"] == medcom::EXT_CONTACT,
            ("identifier", Some("cpr")) => v["system"] == medcom::CPR_SYSTEM,
            ("identifier", Some("SOR-ID")) => v["system"] == medcom::SOR_SYSTEM,
            ("identifier", Some("EAN-ID")) => v["system"] == medcom::EAN_SYSTEM,
            _ => true,
        }
    };
    // `entity[payload][+]`: a second bracket is an index in FSH.
    let rest: Vec<&str> = rest.to_vec();
    candidates
        .into_iter()
        .filter(|v| fits(v))
        .any(|v| has_path(v, &rest))
}

#[test]
fn a_built_message_keeps_every_rule_of_the_standard() {
    let bundle = sample();
    assert_eq!(care_communication(&bundle), Vec::<String>::new());
    let header = &bundle["entry"][0]["resource"];
    assert_eq!(header["eventCoding"]["code"], "care-communication-message");
    assert_eq!(bundle["type"], "message");
    for entry in bundle["entry"].as_array().unwrap() {
        let r = &entry["resource"];
        let url = entry["fullUrl"].as_str().unwrap();
        assert_eq!(
            url,
            format!(
                "https://coachline.invalid/fhir/{}/{}",
                r["resourceType"].as_str().unwrap(),
                r["id"].as_str().unwrap()
            )
        );
    }
    let patient = &bundle["entry"][1]["resource"];
    assert_eq!(
        patient["identifier"][0],
        json!({ "system": "urn:oid:1.2.208.176.1.2", "value": "0101481234" })
    );
    let provenance = &bundle["entry"][7]["resource"];
    assert_eq!(provenance["activity"]["coding"][0]["code"], "new-message");
}

#[test]
fn the_rules_catch_a_message_that_breaks_them() {
    let mut no_cpr = sample();
    no_cpr["entry"][1]["resource"]["identifier"] = json!([]);
    assert!(care_communication(&no_cpr).iter().any(|p| p.contains("CPR")));
    let mut dangling = sample();
    dangling["entry"][0]["resource"]["sender"]["reference"] =
        json!("Organization/00000000-0000-4000-8000-000000000000");
    assert!(care_communication(&dangling)
        .iter()
        .any(|p| p.contains("does not resolve")));
    let mut other_without_topic = sample();
    let communication = &mut other_without_topic["entry"][2]["resource"];
    communication["category"][0]["coding"][0]["code"] = json!("other");
    communication.as_object_mut().unwrap().remove("topic");
    assert!(care_communication(&other_without_topic)
        .iter()
        .any(|p| p.contains("topic")));
    let mut unknown_category = sample();
    unknown_category["entry"][2]["resource"]["category"][0]["coding"][0]["code"] = json!("gossip");
    assert!(!care_communication(&unknown_category).is_empty());
    let mut bad_full_url = sample();
    bad_full_url["entry"][3]["fullUrl"] = json!("urn:uuid:something-else");
    assert!(care_communication(&bad_full_url)
        .iter()
        .any(|p| p.contains("fullUrl")));
    let mut priority = sample();
    priority["entry"][2]["resource"]["priority"] = json!("asap");
    assert!(care_communication(&priority)
        .iter()
        .any(|p| p.contains("priority")));
}

#[test]
fn a_built_message_has_the_shape_of_the_standards_example() {
    let fsh = example_fsh();
    let bundle = sample();
    let ours: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(ours, example_entry_types(&fsh));
    let instances = example_paths(&fsh);
    assert_eq!(instances.len(), 8, "the example's eight resources");
    for (kind, paths) in instances {
        let candidates: Vec<&Value> = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .filter(|r| r["resourceType"] == kind.as_str())
            .collect();
        for path in paths {
            let owned: Vec<String> = path
                .split('.')
                .map(|segment| match segment.split_once("][") {
                    Some((head, _)) => format!("{head}]"),
                    None => segment.to_owned(),
                })
                .collect();
            let parts: Vec<&str> = owned.iter().map(String::as_str).collect();
            assert!(
                candidates.iter().any(|r| has_path(r, &parts)),
                "our {kind} lacks {path}, which the example sets"
            );
        }
    }
    // The codes the example uses are ours too.
    assert!(fsh.contains("* eventCoding = $MessageEvents#care-communication-message"));
    assert!(fsh.contains(
        "Alias: $MessageEvents = http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes"
    ));
    assert_eq!(
        bundle["entry"][0]["resource"]["eventCoding"]["system"],
        medcom::EVENT_CODES
    );
    assert!(fsh.contains("Alias: $ActivityCode = http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"));
    assert!(fsh.contains("Alias: $CategoryCodes = http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-careCommunication-categoryCodes"));
    assert!(fsh.contains(&format!("* definition = \"{}\"", medcom::DEFINITION)));
}

/// A fresh directory for one test's files.
pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("coachline-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(super) struct Dirs {
    pub(super) outbox: PathBuf,
    pub(super) inbox: PathBuf,
}

pub(super) fn configure(config: &mut Config, dirs: &Dirs) {
    config.messaging.medcom_dir = Some(dirs.outbox.clone());
    config.messaging.inbox_dir = Some(dirs.inbox.clone());
}

pub(super) fn state(app: &TestApp, dirs: &Dirs) -> AppState {
    let mut config = Config::for_tests(&app.database_url);
    configure(&mut config, dirs);
    AppState::with_clock(app.app_db.clone(), config, app.clock.clone())
}

pub(super) fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// A centre with its own entry in the directory, a nurse and a patient whose GP is matched.
pub(super) async fn world(app: &TestApp) -> (i64, i64, i64) {
    let centre = app.centre("OUH").await;
    sqlx::query("update centres set phone = '+4566113344' where id = $1")
        .bind(centre)
        .execute(&app.db)
        .await
        .unwrap();
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let mut csv = String::from_utf8(example_csv()).unwrap();
    csv = csv.replace(
        "Art;Navn;SOR-kode;EAN-lokationsnummer;Kommunekode;Ydernummer",
        "Art;Navn;SOR-kode;EAN-lokationsnummer;Kommunekode;Ydernummer;Center",
    );
    csv.push_str("Sygehusafdeling;Telefonrådgivningen, Testrup;481005000016001;5790009900047;;;OUH\n");
    let imported = upload(&mut admin, csv.as_bytes()).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let nurse = app.user("anne@example.test", Role::Nurse, Some(centre)).await;
    sqlx::query("update users set name = 'Anne Andersen' where id = $1")
        .bind(nurse)
        .execute(&app.db)
        .await
        .unwrap();
    let patient = active(app, centre, nurse, "0101481234", "Inge", "Opdigtsen", 4).await;
    sqlx::query("update patients set gp = 'Lægerne i Søndergade (012345)' where id = $1")
        .bind(patient)
        .execute(&app.db)
        .await
        .unwrap();
    (centre, nurse, patient)
}

pub(super) async fn gp_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("select id from organisations where gp_provider_number = '012345'")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

pub(super) async fn outbox_state(app: &TestApp) -> String {
    sqlx::query_scalar(
        "select state from outbox_current where message_id = (select max(id) from outbox_messages)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_nurse_writes_to_the_gp_and_the_reply_and_acknowledgement_come_back_to_the_record() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    let gp = gp_id(&app).await.to_string();
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let form = nurse.get(&format!("/patients/{patient}/messages/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    let receivers = form
        .html()
        .select(&scraper::Selector::parse("input[name=organisation_id]").unwrap())
        .count();
    assert_eq!(receivers, 1, "the matched GP; the patient has no municipality");
    let sent = nurse
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "carecoordination"),
                ("topic", "Medicin"),
                ("text", "Inge vil gerne tale med jer om sin medicin."),
                ("reply_to", ""),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(outbox_state(&app).await, "queued");
    let state = state(&app, &dirs);
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(outbox_state(&app).await, "sent");
    let written = files(&dirs.outbox);
    assert_eq!(written.len(), 1, "one whole file, no temporary left");
    let bundle: Value = serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(care_communication(&bundle), Vec::<String>::new());
    let header_id = bundle["entry"][0]["resource"]["id"].as_str().unwrap().to_owned();
    assert!(written[0].ends_with(format!("{header_id}.json")));
    let orgs: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Organization")
        .collect();
    assert!(orgs.iter().any(|o| o["identifier"]
        .as_array()
        .unwrap()
        .contains(&json!({"system": medcom::SOR_SYSTEM, "value": "481001000016005"}))));
    assert!(orgs.iter().any(|o| o["identifier"]
        .as_array()
        .unwrap()
        .contains(&json!({"system": medcom::EAN_SYSTEM, "value": "5790009900047"}))));

    // The GP answers in the same thread.
    let thread = bundle["entry"][2]["resource"]["identifier"][0]["value"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:uuid:")
        .parse()
        .unwrap();
    let reply = medcom::build(
        "https://egen-laege.invalid/fhir",
        app.clock.now(),
        &Party {
            name: "Lægerne i Søndergade".into(),
            sor: "481001000016005".into(),
            ean: "5790009900016".into(),
        },
        &Party {
            name: "Telefonrådgivningen, Testrup".into(),
            sor: "481005000016001".into(),
            ean: "5790009900047".into(),
        },
        &Subject {
            cpr: "0101481234".into(),
            given: "Inge".into(),
            family: "Opdigtsen".into(),
        },
        &Author {
            given: "Lars".into(),
            family: "Læge".into(),
            phone: "+4564000000".into(),
        },
        &Letter {
            category: CareCategory::CareCoordination,
            topic: Some("Medicin".into()),
            text: "Vi ringer til Inge i morgen.".into(),
            attachment: None,
        },
        Some(thread),
        Some(header_id.parse().unwrap()),
    );
    std::fs::write(dirs.inbox.join("svar.json"), reply.bundle.to_string()).unwrap();
    let ack = json!({
        "resourceType": "Bundle", "id": uuid::Uuid::new_v4().to_string(), "type": "message", "timestamp": "2026-12-07T10:00:00+01:00",
        "entry": [{
            "fullUrl": format!("MessageHeader/{}", "aba2d9bf-2c6c-47e8-bce4-7928bcd51019"),
            "resource": {
                "resourceType": "MessageHeader", "id": "aba2d9bf-2c6c-47e8-bce4-7928bcd51019",
                "eventCoding": { "system": medcom::EVENT_CODES, "code": "acknowledgement-message" },
                "response": { "identifier": header_id, "code": "ok" }
            }
        }]
    });
    std::fs::write(dirs.inbox.join("kvittering.json"), ack.to_string()).unwrap();
    coachline::messaging::work_once(&state).await.unwrap();
    assert_eq!(outbox_state(&app).await, "acknowledged");
    assert_eq!(files(&dirs.inbox.join("processed")).len(), 2);
    let record = nurse.get(&format!("/patients/{patient}")).await;
    let received = record.texts("#timeline .medcom_received .note");
    assert_eq!(received, ["Vi ringer til Inge i morgen."], "{}", record.body);
    assert_eq!(record.texts("#messages .state-acknowledged").len(), 1);
    let reply_id: i64 = sqlx::query_scalar("select id from medcom_messages where direction = 'in'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = nurse.get(&format!("/medcom/{reply_id}")).await;
    assert_eq!(page.texts("#thread li").len(), 2, "the reply sits in our thread");
    let logged: Vec<String> = sqlx::query_scalar(
        "select action from access_log where patient_id = $1 and action like 'patient.message%' order by id",
    )
    .bind(patient)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(logged, ["patient.message_received", "patient.message_view"]);
}

#[tokio::test]
async fn a_malformed_or_unknown_message_is_quarantined_with_its_reason_and_kept_whole() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    world(&app).await;
    std::fs::write(dirs.inbox.join("noise.json"), b"{ not json").unwrap();
    let mut stranger = sample();
    stranger["entry"][1]["resource"]["identifier"][0]["value"] = json!("3112499999");
    std::fs::write(dirs.inbox.join("stranger.json"), stranger.to_string()).unwrap();
    let mut broken = sample();
    broken["entry"][2]["resource"]["payload"] = json!([]);
    std::fs::write(dirs.inbox.join("broken.json"), broken.to_string()).unwrap();
    coachline::messaging::work_once(&state(&app, &dirs))
        .await
        .unwrap();
    let quarantine = dirs.inbox.join("quarantine");
    assert_eq!(
        std::fs::read(quarantine.join("noise.json")).unwrap(),
        b"{ not json"
    );
    let reason = |name: &str| std::fs::read_to_string(quarantine.join(format!("{name}.reason.txt"))).unwrap();
    assert!(reason("noise.json").contains("not a FHIR JSON"));
    assert!(reason("stranger.json").contains("no patient"));
    assert!(
        !reason("stranger.json").contains("3112499999"),
        "no CPR number in the reason"
    );
    assert!(reason("broken.json").contains("payload"));
    let outcomes: Vec<String> = sqlx::query_scalar("select outcome from inbound_files")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(outcomes, ["quarantined", "quarantined", "quarantined"]);
    let stored: i64 = sqlx::query_scalar("select count(*) from medcom_messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_nurse_of_another_centre_can_neither_write_nor_read_the_patients_messages() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    let gp = gp_id(&app).await.to_string();
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    nurse
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "nursing"),
                ("topic", ""),
                ("text", "Hej."),
                ("reply_to", ""),
            ],
        )
        .await;
    let id: i64 = sqlx::query_scalar("select id from medcom_messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let kol = app.centre("KOL").await;
    let mut other = app.signed_in("karin@example.test", Role::Nurse, Some(kol)).await;
    assert_eq!(
        other.get(&format!("/medcom/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = other
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "nursing"),
                ("topic", ""),
                ("text", "Hej."),
                ("reply_to", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("select count(*) from medcom_messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_message_without_a_topic_in_the_category_other_keeps_what_was_typed() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    let gp = gp_id(&app).await.to_string();
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let page = nurse
        .post(
            &format!("/patients/{patient}/messages"),
            &[
                ("organisation_id", gp.as_str()),
                ("category", "other"),
                ("topic", ""),
                ("text", "Min tekst"),
                ("reply_to", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#topic-error").len(), 1);
    assert_eq!(page.texts("#text"), ["Min tekst"]);
}

#[tokio::test]
async fn the_reachability_protocols_message_to_the_gp_goes_through_medcom_when_the_gp_is_known() {
    use crate::course_fixtures::{called, local, today};
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, nurse_id, patient) = world(&app).await;
    for days in [1, 3, 5] {
        let day = today() - chrono::Duration::days(days);
        called(&app, patient, nurse_id, local(day, "10:00"), "no_answer").await;
    }
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let record = nurse.get(&format!("/patients/{patient}")).await;
    let key = record.attr("#reach-gp input[name='form_key']", "value");
    let taken = nurse
        .post(
            &format!("/patients/{patient}/unreachable"),
            &[("step", "gp"), ("form_key", key.as_str())],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let sent: Vec<(String, Option<String>)> =
        sqlx::query_as("select direction, topic from medcom_messages where patient_id = $1")
            .bind(patient)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        sent,
        [("out".to_owned(), Some("Patienten kan ikke kontaktes".to_owned()))]
    );
    assert_eq!(outbox_state(&app).await, "queued");
    coachline::messaging::work_once(&state(&app, &dirs))
        .await
        .unwrap();
    let written = files(&dirs.outbox);
    let bundle: Value = serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(care_communication(&bundle), Vec::<String>::new());
}

#[test]
fn an_attachment_is_a_second_payload_of_a_type_medcom_allows() {
    let build = |content_type: &str| {
        medcom::build(
            "https://coachline.invalid/fhir",
            "2026-12-07T09:30:00Z".parse().unwrap(),
            &Party {
                name: "Telefonrådgivningen, Testrup".into(),
                sor: "481005000016001".into(),
                ean: "5790009900047".into(),
            },
            &Party {
                name: "Testrup Kommune".into(),
                sor: "481002000016004".into(),
                ean: "5790009900023".into(),
            },
            &Subject {
                cpr: "0101481234".into(),
                given: "Inge".into(),
                family: "Opdigtsen".into(),
            },
            &Author {
                given: "Anne".into(),
                family: "Andersen".into(),
                phone: "+4566113344".into(),
            },
            &Letter {
                category: CareCategory::Training,
                topic: None,
                text: "Planen er vedhæftet.".into(),
                attachment: Some(medcom::Attachment {
                    title: "Min plan".into(),
                    content_type: content_type.into(),
                    base64: "JVBERi0xLjQK".into(),
                }),
            },
            None,
            None,
        )
        .bundle
    };
    let pdf = build("application/pdf");
    assert_eq!(care_communication(&pdf), Vec::<String>::new());
    assert_eq!(
        pdf["entry"][2]["resource"]["payload"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        pdf["entry"][7]["resource"]["entity"].as_array().unwrap().len(),
        2,
        "both payloads named in the Provenance"
    );
    assert!(care_communication(&build("text/html"))
        .iter()
        .any(|p| p.contains("content type")));
}

#[tokio::test]
async fn the_integration_engine_may_post_a_reply_instead_of_dropping_a_file() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| {
        configure(c, &dirs);
        super::integration::with_token(c);
    })
    .await;
    let (_, _, patient) = world(&app).await;
    let reply = medcom::build(
        "https://egen-laege.invalid/fhir",
        app.clock.now(),
        &Party {
            name: "Lægerne i Søndergade".into(),
            sor: "481001000016005".into(),
            ean: "5790009900016".into(),
        },
        &Party {
            name: "Telefonrådgivningen, Testrup".into(),
            sor: "481005000016001".into(),
            ean: "5790009900047".into(),
        },
        &Subject {
            cpr: "0101481234".into(),
            given: "Inge".into(),
            family: "Opdigtsen".into(),
        },
        &Author {
            given: "Lars".into(),
            family: "Læge".into(),
            phone: "+4564000000".into(),
        },
        &Letter {
            category: CareCategory::Medicine,
            topic: None,
            text: "Recepten er fornyet.".into(),
            attachment: None,
        },
        None,
        None,
    );
    let (status, _) = super::integration::post(
        &app,
        "/integration/medcom",
        Some(super::integration::TOKEN),
        reply.bundle.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let record = nurse.get(&format!("/patients/{patient}")).await;
    assert_eq!(
        record.texts("#timeline .medcom_received .note"),
        ["Recepten er fornyet."]
    );
    let (again, answer) = super::integration::post(
        &app,
        "/integration/medcom",
        Some(super::integration::TOKEN),
        reply.bundle.to_string(),
    )
    .await;
    assert_eq!(
        again,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the same message twice: {answer}"
    );
}

#[tokio::test]
async fn a_referral_to_the_gp_can_go_as_a_medcom_message() {
    let dirs = Dirs {
        outbox: scratch("out"),
        inbox: scratch("in"),
    };
    let app = TestApp::with_config(|c| configure(c, &dirs)).await;
    let (_, _, patient) = world(&app).await;
    let mut nurse = app.client();
    nurse.sign_in("anne@example.test", PASSWORD).await;
    let record = nurse.get(&format!("/patients/{patient}")).await;
    let offered = record
        .html()
        .select(&scraper::Selector::parse("#ref-medcom").unwrap())
        .count();
    assert_eq!(
        offered, 1,
        "the GP is in the directory, so the record offers to send"
    );
    let saved = nurse
        .post(
            &format!("/patients/{patient}/referrals"),
            &[
                ("kind", "gp"),
                ("on_date", "2026-12-01"),
                ("purpose", "Inge ønsker en tid om sin søvn."),
                ("result", ""),
                ("medcom", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let texts: Vec<String> = sqlx::query_scalar("select text from medcom_messages where patient_id = $1")
        .bind(patient)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(texts, ["Inge ønsker en tid om sin søvn."]);
    nurse
        .post(
            &format!("/patients/{patient}/referrals"),
            &[
                ("kind", "municipality"),
                ("on_date", "2026-12-01"),
                ("purpose", "Træning"),
                ("result", ""),
                ("medcom", "on"),
            ],
        )
        .await;
    let count: i64 = sqlx::query_scalar("select count(*) from medcom_messages")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        count, 1,
        "the patient's municipality is not in the directory: saved, not sent"
    );
}
