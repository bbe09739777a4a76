//! Other systems post to coachline with the integration token: MedCom messages from the
//! integration engine, delivery reports from the SMS gateway.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use coachline::Config;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::helpers::TestApp;

pub const TOKEN: &str = "integration-token-0123456789abcdef0123";

/// Gives the test application the integration token.
pub fn with_token(config: &mut Config) {
    config.messaging.integration_token = Some(TOKEN.to_owned());
}

/// POSTs JSON as another system does (no cookie, no CSRF token), with `token` if any.
pub async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: String,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn a_system_without_the_token_is_refused() {
    let app = TestApp::with_config(with_token).await;
    let (status, _) = post(&app, "/integration/medcom", None, "{}".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        &app,
        "/integration/medcom",
        Some("integration-token-wrong-0123456789abcdef"),
        "{}".into(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let unconfigured = TestApp::new().await;
    let (status, _) = post(&unconfigured, "/integration/sms-status", Some(TOKEN), "{}".into()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_posted_message_that_cannot_be_read_is_refused_with_its_reason() {
    let app = TestApp::with_config(with_token).await;
    let (status, answer) = post(&app, "/integration/medcom", Some(TOKEN), "{ not json".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer["error"].as_str().unwrap().contains("not a FHIR JSON"));
    let kept: Vec<String> = sqlx::query_scalar("select outcome from inbound_files")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, ["quarantined"]);
}
