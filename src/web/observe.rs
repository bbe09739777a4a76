//! What an operator scrapes: `GET /metrics` in Prometheus text format. Requests are counted and
//! timed per method, matched route and status; the route is the pattern (`/patients/{id}`),
//! never the path, so no identifier reaches a label. Also the database pool and imports.
//!
//! `/metrics` answers only a request bearing `COACHLINE_METRICS_TOKEN`, or anyone on the
//! separate address `COACHLINE_METRICS_BIND`; with neither set it does not exist.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ::metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::AppState;

const REQUESTS: &str = "coachline_http_requests_total";
const DURATION: &str = "coachline_http_request_duration_seconds";
const POOL: &str = "coachline_db_pool_connections";
const IMPORTS: &str = "coachline_imports_total";
const IMPORT_ROWS: &str = "coachline_import_rows_total";

/// The process's one recorder (installed at the first call; tests share it).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(DURATION.to_owned()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ],
            )
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics stays empty");
        }
        describe_counter!(
            REQUESTS,
            "HTTP requests answered, by method, matched route and status"
        );
        describe_histogram!(DURATION, Unit::Seconds, "Time to answer an HTTP request");
        describe_gauge!(
            POOL,
            "Database connections of the pool, by state (in_use, idle, max)"
        );
        describe_counter!(IMPORTS, "Invitation lists imported, by source (web, cli)");
        describe_counter!(IMPORT_ROWS, "Rows of imported lists, by outcome");
        handle
    })
}

/// Every few seconds, folds the recorded latencies into the histograms, so memory stays flat
/// between scrapes.
pub fn spawn_upkeep() {
    let handle = handle();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Middleware: counts and times every request under its matched route.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    counter!(REQUESTS, &labels).increment(1);
    histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// A closed set, so a made-up method cannot add labels.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts a committed import (called once per batch).
pub fn record_import(source: &'static str, imported: usize, known: usize, rejected: usize) {
    counter!(IMPORTS, "source" => source).increment(1);
    for (outcome, rows) in [
        ("imported", imported),
        ("already_known", known),
        ("rejected", rejected),
    ] {
        counter!(IMPORT_ROWS, "outcome" => outcome).increment(rows as u64);
    }
}

/// `/metrics` behind the bearer token (absent without one).
pub fn router(state: AppState) -> Router<AppState> {
    if state.config.metrics_token.is_none() {
        return Router::new();
    }
    Router::new().route("/metrics", get(guarded))
}

/// `/metrics` for the separate metrics address: no token, nothing else served.
pub fn open_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(open)).with_state(state)
}

async fn guarded(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let expected = state.config.metrics_token.as_deref().unwrap_or_default();
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if expected.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is needed\n",
        )
            .into_response();
    }
    render(&state)
}

async fn open(State(state): State<AppState>) -> Response {
    render(&state)
}

fn render(state: &AppState) -> Response {
    let size = state.db.size();
    let idle = u32::try_from(state.db.num_idle()).unwrap_or(u32::MAX);
    gauge!(POOL, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    gauge!(POOL, "state" => "idle").set(f64::from(idle));
    gauge!(POOL, "state" => "max").set(f64::from(state.db.options().get_max_connections()));
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        handle().render(),
    )
        .into_response()
}
