//! A small fake SMS gateway (GatewayAPI-style `POST /rest/mtsms`) and MedCom endpoint for the
//! tests: it keeps what it was sent and can be told to fail.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Received {
    pub authorization: String,
    pub body: serde_json::Value,
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
    fail: Arc<AtomicUsize>,
}

/// A running fake gateway.
pub struct Gateway {
    pub url: String,
    shared: Shared,
}

impl Gateway {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let router = Router::new()
            .route("/rest/mtsms", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Gateway { url, shared }
    }

    /// What it has received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The next `n` requests are answered 503.
    pub fn fail_next(&self, n: usize) {
        self.shared.fail.store(n, Ordering::SeqCst);
    }
}

async fn receive(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> (StatusCode, Json<serde_json::Value>) {
    if shared
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({})));
    }
    let mut received = shared.received.lock().unwrap();
    received.push(Received {
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body,
    });
    (
        StatusCode::OK,
        Json(serde_json::json!({ "ids": [received.len()] })),
    )
}
