//! coachline: the software that runs a telephone-coaching call centre.
//!
//! `app(state)` is the whole web application as one router, so tests drive exactly what
//! `serve` runs.

pub mod absences;
pub mod admin;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod calendar;
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
pub mod fhir;
pub mod follow_up;
pub mod imports;
pub mod invitations;
pub mod letters;
pub mod messaging;
pub mod ops;
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

use axum::http::header;
use axum::{middleware, Router};
use sqlx::PgPool;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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
    web::observe::handle();
    let static_files = web::assets::router(state.config.static_dir.as_deref());
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
        .merge(calendar::router(state.clone()))
        .merge(absences::router(state.clone()))
        .merge(fhir::router(state.clone()))
        .merge(messaging::router(state.clone()))
        .merge(web::observe::router(state.clone()))
        .merge(static_files)
        .fallback(web::layout::not_found)
        // Layers run bottom-up for requests: the last added is the outermost.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            centre::badge::nav_counts,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::request::request_context,
        ))
        .layer(middleware::from_fn(web::flash::spend))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::layout::error_pages,
        ))
        // The FHIR API answers machines: no cookies, no HTML error pages, no CSRF (it only
        // reads, with a bearer token). Merged here, it gets only the layers below.
        .merge(fhir::api_router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::headers::security_headers,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        // The fastest level: pages are a few kB of HTML, compressed on every view, and level 1
        // keeps most of the saving for a fraction of the default level's CPU.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(telemetry::trace_layer())
        .layer(middleware::from_fn(web::observe::track))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Serves the application until SIGTERM or Ctrl-C, then finishes the requests under way.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listeners = bind(&state.config).await?;
    serve_on(listeners, state).await
}

/// The addresses the server listens on, bound before anything is printed.
pub struct Listeners {
    app: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
}

/// Listens on `COACHLINE_BIND` (and `COACHLINE_METRICS_BIND`), or says in one sentence why not.
pub async fn bind(config: &Config) -> anyhow::Result<Listeners> {
    let app = bind_named(config.bind, "COACHLINE_BIND").await?;
    let metrics = match config.metrics_bind {
        Some(address) => Some(bind_named(address, "COACHLINE_METRICS_BIND").await?),
        None => None,
    };
    Ok(Listeners { app, metrics })
}

async fn bind_named(
    address: std::net::SocketAddr,
    variable: &str,
) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "another program is listening there".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => "this machine has no such address".to_owned(),
            std::io::ErrorKind::PermissionDenied => "a port below 1024 needs privileges".to_owned(),
            _ => e.to_string(),
        };
        anyhow::anyhow!(
            "cannot listen on {address} ({why}): stop that program or set {variable} to another address, \
             e.g. 127.0.0.1:8081"
        )
    })
}

/// Serves on the addresses bound beforehand (`bind`): the application, and `/metrics` alone on
/// the metrics address.
pub async fn serve_on(listeners: Listeners, state: AppState) -> anyhow::Result<()> {
    let Listeners {
        app: listener,
        metrics,
    } = listeners;
    tracing::info!(address = %listener.local_addr()?, "coachline is listening");
    caseload::spawn_returns(state.db.clone(), state.clock.clone());
    absences::spawn_covers(state.db.clone(), state.clock.clone());
    messaging::spawn_worker(state.clone());
    web::observe::spawn_upkeep();
    if let Some(metrics) = metrics {
        tracing::info!(address = %metrics.local_addr()?, "metrics are served");
        let open = web::observe::open_router(state.clone());
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, open).await {
                tracing::error!(%error, "the metrics address stopped");
            }
        });
    }
    serve_router(listener, app(state), shutdown_signal()).await?;
    tracing::info!("coachline stopped");
    Ok(())
}

/// Serves `router` on `listener` until `shutdown` completes (also what the benchmarks measure).
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Without TCP_NODELAY a response's headers and body can leave in two writes, the second
    // held back until the browser's delayed ACK: about 40 ms on a kept-alive connection.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
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
