//! Deliveries over HTTPS: the gateway's certificate is trusted through the region's CA file
//! (`COACHLINE_OUTBOX_CA_FILE`); an untrusted certificate fails the delivery visibly, it is
//! retried, and nothing is lost.

use chrono::Duration;
use coachline::domain::Channel;
use coachline::messaging::outbox::{self, NewMessage};
use coachline::{AppState, Config};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

use super::gateway::Gateway;
use crate::helpers::{TempDir, TestApp};

/// A region's private CA and a certificate it issued for `localhost`: (CA PEM, chain PEM, key PEM).
fn private_ca() -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Region test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

fn state(app: &TestApp, gateway: &Gateway, ca_file: Option<std::path::PathBuf>) -> AppState {
    let mut config = Config::for_tests(&app.database_url);
    config.messaging.sms_gateway_url = Some(gateway.url.clone());
    config.messaging.sms_token = Some("test-token".to_owned());
    config.messaging.ca_file = ca_file;
    AppState::with_clock(app.app_db.clone(), config, app.clock.clone())
}

async fn queue_text(app: &TestApp) -> i64 {
    let centre = app.centre("OUH").await;
    let mut conn = app.app_db.acquire().await.unwrap();
    let message = NewMessage {
        channel: Channel::Sms,
        centre_id: centre,
        patient_id: None,
        organisation_id: None,
        recipient: "+4520123456".to_owned(),
        content_type: "text/plain",
        content: "Din sygeplejerske ringer i morgen".to_owned(),
        message_uuid: uuid::Uuid::new_v4(),
        appointment: None,
        created_by: None,
    };
    outbox::enqueue(&mut conn, &message, app.clock.now())
        .await
        .unwrap()
        .unwrap()
}

/// The message's history: (state, attempt, detail), oldest first.
async fn history(app: &TestApp, id: i64) -> Vec<(String, i32, String)> {
    sqlx::query_as("select state::text, attempt, detail from outbox_events where message_id = $1 order by id")
        .bind(id)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_text_reaches_the_gateway_over_https_trusted_through_the_regions_ca_file() {
    let app = TestApp::new().await;
    let (ca, chain, key) = private_ca();
    let gateway = Gateway::start_tls(&chain, &key).await;
    assert!(gateway.url.starts_with("https://"));
    let dir = TempDir::new("outbox-ca");
    std::fs::write(dir.join("region-ca.pem"), ca).unwrap();
    let id = queue_text(&app).await;

    let tried = outbox::deliver_due(&state(&app, &gateway, Some(dir.join("region-ca.pem"))))
        .await
        .unwrap();
    assert_eq!(tried, 1);
    let steps = history(&app, id).await;
    assert_eq!(steps.last().unwrap().0, "sent", "{steps:?}");
    let received = gateway.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].authorization, "Token test-token");
    assert_eq!(received[0].body["recipients"][0]["msisdn"], 4520123456u64);
}

#[tokio::test]
async fn an_untrusted_certificate_fails_the_delivery_visibly_and_it_is_retried_until_sent() {
    let app = TestApp::new().await;
    let (ca, chain, key) = private_ca();
    let gateway = Gateway::start_tls(&chain, &key).await;
    let id = queue_text(&app).await;

    // Without the region's CA, the system's roots do not vouch for the gateway.
    outbox::deliver_due(&state(&app, &gateway, None)).await.unwrap();
    let steps = history(&app, id).await;
    let (last, attempt, detail) = steps.last().unwrap();
    assert_eq!((last.as_str(), *attempt), ("failed", 1), "{steps:?}");
    assert!(
        detail.contains("TLS") && detail.to_lowercase().contains("certificate"),
        "the reason says why: {detail}"
    );
    assert!(gateway.received().is_empty());
    let (settled, attempts): (bool, i32) =
        sqlx::query_as("select settled, attempts from outbox_queue where message_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(!settled, "still waiting to be sent");
    assert_eq!(attempts, 1);

    // The admin's outbox page shows the failure and its reason.
    let mut admin = app
        .signed_in("ada@example.test", coachline::web::Role::Admin, None)
        .await;
    let page = admin.get("/admin/outbox").await;
    assert!(page.body.contains("TLS handshake failed"), "{}", page.body);

    // Once the CA file is configured, the next attempt after the backoff gets through.
    let dir = TempDir::new("outbox-ca");
    std::fs::write(dir.join("region-ca.pem"), ca).unwrap();
    app.clock.set(app.clock.now() + Duration::minutes(2));
    outbox::deliver_due(&state(&app, &gateway, Some(dir.join("region-ca.pem"))))
        .await
        .unwrap();
    let steps = history(&app, id).await;
    assert_eq!(steps.last().unwrap().0, "sent", "{steps:?}");
    assert_eq!(steps.last().unwrap().1, 2);
    assert_eq!(gateway.received().len(), 1, "sent once, nothing lost");
}

#[test]
fn plain_http_is_refused_except_to_this_machine() {
    use coachline::config::delivery_url;
    assert!(delivery_url("https://sms.example.test/api").is_ok());
    assert!(delivery_url("http://127.0.0.1:8025").is_ok());
    assert!(delivery_url("http://localhost:8025").is_ok());
    assert!(delivery_url("http://[::1]:8025").is_ok());
    let refused = delivery_url("http://sms.example.test").unwrap_err();
    assert!(refused.contains("https://"), "{refused}");
    assert!(delivery_url("http://10.0.0.5/").is_err());
    assert!(delivery_url("ftp://127.0.0.1/").is_err());
}
