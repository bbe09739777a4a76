//! coachline: the software that runs a telephone-coaching call centre.
//!
//! `app(state)` is the whole web application as one router, so tests drive exactly what
//! `serve` runs.

pub mod admin;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod calls;
pub mod caseload;
pub mod centre;
pub mod cli;
pub mod clock;
pub mod config;
pub mod courses;
pub mod db;
pub mod demo;
pub mod domain;
pub mod follow_up;
pub mod imports;
pub mod invitations;
pub mod letters;
pub mod patients;
pub mod questionnaires;
pub mod reachability;
pub mod record;
pub mod research;
pub mod rooms;
pub mod safety;
pub mod telemetry;
pub mod today;
pub mod web;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::{middleware, Router};
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use config::Config;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    /// "Now" for every domain rule; tests set it.
    pub clock: clock::Clock,
}

impl AppState {
    /// The state of a running application, on the machine's time.
    pub fn new(db: PgPool, config: Config) -> Self {
        Self::with_clock(db, config, clock::Clock::system())
    }

    /// The state with a clock of its own (tests set the day with it).
    pub fn with_clock(db: PgPool, config: Config, clock: clock::Clock) -> Self {
        Self {
            db,
            config: Arc::new(config),
            clock,
        }
    }
}

/// The whole application: every feature's routes and the layers around them.
pub fn app(state: AppState) -> Router {
    let static_files = Router::new().nest_service(
        "/static",
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ))
            .service(ServeDir::new(&state.config.static_dir)),
    );
    let request_id = header::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(auth::router(state.clone()))
        .merge(admin::router(state.clone()))
        .merge(imports::router(state.clone()))
        .merge(patients::router(state.clone()))
        .merge(today::router(state.clone()))
        .merge(calls::router(state.clone()))
        .merge(appointments::router(state.clone()))
        .merge(courses::router(state.clone()))
        .merge(centre::router(state.clone()))
        .merge(invitations::router(state.clone()))
        .merge(letters::router(state.clone()))
        .merge(audit::router(state.clone()))
        .merge(questionnaires::router(state.clone()))
        .merge(reachability::router(state.clone()))
        .merge(research::router(state.clone()))
        .merge(follow_up::router(state.clone()))
        .merge(record::router(state.clone()))
        .merge(rooms::router(state.clone()))
        .merge(static_files)
        .fallback(web::layout::not_found)
        // Layers run bottom-up for requests: the last added is the outermost.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            centre::safety::nav_counts,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::request::request_context,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::layout::error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::headers::security_headers,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(CompressionLayer::new())
        .layer(telemetry::trace_layer())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves the application until SIGTERM or Ctrl-C, then finishes the requests under way.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.bind).await?;
    tracing::info!(address = %listener.local_addr()?, "coachline is listening");
    caseload::spawn_returns(state.db.clone(), state.clock.clone());
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("coachline stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
