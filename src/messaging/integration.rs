//! Where other systems post to coachline, with the bearer token `COACHLINE_INTEGRATION_TOKEN`:
//! the integration engine's MedCom messages (as an alternative to the inbox directory) and the
//! SMS gateway's delivery reports. Answers are short JSON; nothing here names a patient.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::inbound::{self, Received};
use super::outbox;
use crate::domain::OutboxState;
use crate::AppState;

/// Whether the request bears the configured token.
fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = &state.config.messaging.integration_token else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| bool::from(sent.trim().as_bytes().ct_eq(expected.as_bytes())))
}

fn refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "a valid bearer token is required" })),
    )
        .into_response()
}

/// `POST /integration/medcom`: one MedCom message (FHIR JSON). 202 when read; 422 with the
/// reason when it cannot be, so the sender keeps it (nothing is lost).
pub async fn medcom(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, crate::web::AppError> {
    if !authorised(&state, &headers) {
        return Ok(refused());
    }
    Ok(match inbound::receive(&state, "posted", &body).await? {
        Received::Message(_) | Received::Acknowledgement => {
            (StatusCode::ACCEPTED, Json(json!({ "result": "accepted" }))).into_response()
        }
        Received::Quarantined(reason) => {
            tracing::warn!(reason = %reason, "a posted MedCom message was refused");
            (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "error": reason }))).into_response()
        }
    })
}

/// A delivery report as a GatewayAPI-style gateway posts it.
#[derive(Debug, Deserialize)]
pub struct DeliveryReport {
    /// Our reference of the message (sent as `userref`).
    pub userref: Uuid,
    /// `DELIVERED`, or a final failure (`UNDELIVERABLE`, `REJECTED`, `EXPIRED`, ...), or an
    /// interim state (`ENROUTE`, `BUFFERED`, ...).
    pub status: String,
}

/// `POST /integration/sms-status`: records what the gateway says became of a text.
pub async fn sms_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, crate::web::AppError> {
    if !authorised(&state, &headers) {
        return Ok(refused());
    }
    let Ok(report) = serde_json::from_slice::<DeliveryReport>(&body) else {
        return Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected userref and status" })),
        )
            .into_response());
    };
    let now = state.clock.now();
    let status = report.status.trim().to_uppercase();
    let mut tx = state.db.begin().await?;
    let known = match status.as_str() {
        "DELIVERED" => outbox::acknowledge(&mut tx, report.userref, now, "delivered to the phone").await?,
        "UNDELIVERABLE" | "REJECTED" | "EXPIRED" | "DELETED" | "SKIPPED" => {
            let id = sqlx::query_scalar!(
                "select id from outbox_messages where message_uuid = $1",
                report.userref
            )
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                let detail = format!("the gateway reports {}", status.to_lowercase());
                outbox::record(&mut tx, id, OutboxState::Failed, now, 0, &detail).await?;
            }
            id.is_some()
        }
        // Interim states change nothing.
        _ => true,
    };
    tx.commit().await?;
    Ok(if known {
        (StatusCode::OK, Json(json!({ "result": "recorded" }))).into_response()
    } else {
        (StatusCode::NOT_FOUND, Json(json!({ "error": "no such message" }))).into_response()
    })
}
