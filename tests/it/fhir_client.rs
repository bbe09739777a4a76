//! The FHIR API as a client library written elsewhere reads it: `fhir-sdk` (R4B models, whose
//! JSON for the resources served here is R4's) finds a patient by CPR number with a bearer
//! token, reads the plan and the calls, pages with `_count`, and every read is in the access log.

use std::convert::Infallible;

use fhir_sdk::client::{Client, ReferenceSearch, SearchParameters, TokenSearch};
use fhir_sdk::r4b::resources::{CarePlan, Communication, Patient, ResourceType};
use fhir_sdk::version::FhirR4B;
use fhir_sdk::{HeaderValue, TryStreamExt, Url};

use crate::course_fixtures::world;
use crate::fhir::{client_of, history, ALL};
use crate::helpers::TestApp;

const CPR_SYSTEM: &str = "urn:oid:1.2.208.176.1.2";

/// The application on a port of its own; its API's base URL.
async fn serve(app: &TestApp) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/fhir", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap();
    });
    Url::parse(&base).unwrap()
}

/// A client that presents `token` when the server asks for one (the library's login hook,
/// called on 401).
fn fhir_client(base: Url, token: String) -> Client<FhirR4B> {
    Client::<FhirR4B>::builder()
        .base_url(base)
        .auth_callback(move |_http| {
            let token = token.clone();
            async move { Ok::<_, Infallible>(HeaderValue::from_str(&format!("Bearer {token}")).unwrap()) }
        })
        .build()
        .unwrap()
}

/// `patient=Patient/ID`, as the library writes a reference search.
fn of_patient(id: &str) -> ReferenceSearch<'_, FhirR4B> {
    ReferenceSearch::Standard {
        name: "patient",
        resource_type: ResourceType::Patient,
        id,
        version_id: None,
    }
}

#[tokio::test]
async fn a_fhir_client_library_finds_a_patient_by_cpr_reads_the_plan_and_calls_and_pages() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    history(&app, w.patient, w.nurse_id).await;
    let (client_id, token) = client_of(&app, w.ouh, ALL, "Kommunens platform").await;
    let client = fhir_client(serve(&app).await, token);

    // The library reads the CapabilityStatement (fhirVersion 4.0.1) into its models.
    let capabilities = client.capabilities().await.unwrap();
    assert_eq!(capabilities.rest.len(), 1);

    // Find the patient by the CPR identifier.
    let found = client
        .search::<Patient>(SearchParameters::empty().and(TokenSearch::Standard {
            name: "identifier",
            system: Some(CPR_SYSTEM),
            code: Some("0101481234"),
            not: false,
        }))
        .await
        .unwrap();
    assert_eq!(found.total(), Some(1));
    let patients: Vec<&Patient> = found.matches().collect();
    assert_eq!(patients.len(), 1);
    let patient = patients[0];
    let id = patient.id.clone().unwrap();
    assert_eq!(id, w.patient.to_string());
    let cpr = patient
        .identifier
        .iter()
        .flatten()
        .find(|i| i.system.as_deref() == Some(CPR_SYSTEM));
    assert_eq!(cpr.and_then(|i| i.value.as_deref()), Some("0101481234"));

    // Read it by id, then its plan.
    let read: Patient = client.read(&id).await.unwrap().expect("the patient");
    assert_eq!(read.id.as_deref(), Some(id.as_str()));
    let plans = client
        .search::<CarePlan>(SearchParameters::empty().and(of_patient(&id)))
        .await
        .unwrap();
    let plan: Vec<&CarePlan> = plans.matches().collect();
    assert_eq!(plan.len(), 1);
    assert!(!plan[0].goal.is_empty(), "the plan names the patient's goal");

    // The calls, one per page: the library follows the `next` links to the end.
    let first = client
        .search::<Communication>(
            SearchParameters::empty()
                .and(of_patient(&id))
                .and_raw("_count", 1),
        )
        .await
        .unwrap();
    assert_eq!(first.total(), Some(2));
    assert_eq!(first.matches().count(), 1);
    let second = first.next_page().await.expect("a second page").unwrap();
    assert_eq!(second.matches().count(), 1);
    assert!(second.next_page().await.is_none(), "two calls, two pages");
    let all: Vec<Communication> = first.all_matches().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    let ids: std::collections::BTreeSet<_> = all.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), 2, "no call twice across the pages");

    // Every read is in the access log, with the client as the actor.
    let logged: Vec<(String, Option<i64>)> = sqlx::query_as(
        "select detail->>'resource', api_client_id from access_log
          where patient_id = $1 and action = 'api.read' and allowed",
    )
    .bind(w.patient)
    .fetch_all(&app.db)
    .await
    .unwrap();
    for kind in ["Patient", "CarePlan", "Communication"] {
        assert!(logged.iter().any(|(r, _)| r == kind), "{kind}: {logged:?}");
    }
    assert!(logged.iter().all(|(_, c)| *c == Some(client_id)));
}

#[tokio::test]
async fn the_fhir_client_library_gets_no_patient_with_a_wrong_token() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let client = fhir_client(serve(&app).await, "not-a-token".to_owned());
    let refused = client.read::<Patient>(&w.patient.to_string()).await;
    assert!(refused.is_err(), "{refused:?}");
    let logged: i64 = sqlx::query_scalar("select count(*) from access_log where patient_id = $1 and allowed")
        .bind(w.patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(logged, 0);
}
