//! Messages to the rest of health care: the directory of organisations (GP practices,
//! municipalities, hospital departments), the outbox every outgoing message leaves through,
//! MedCom correspondence with GPs and municipalities, and SMS reminders before a call.

pub mod correspondence;
pub mod directory;
pub mod directory_import;
pub mod inbound;
pub mod integration;
pub mod medcom;
pub mod medcom_check;
pub mod outbox;
pub mod pages;
pub mod reminders;
pub mod transport;

use axum::routing::{get, post};
use axum::{middleware, Router};

use crate::web::auth::{admins_only, coordinators_only, signed_in};
use crate::AppState;

/// The admin's pages of the directory and the outbox, and the coordinator's reminder time.
pub fn router(state: AppState) -> Router<AppState> {
    let admin = Router::new()
        .route("/admin/directory", get(directory::list).post(directory::create))
        .route("/admin/directory/import", post(directory_import::import))
        .route(
            "/admin/directory/{id}",
            get(directory::edit_form).post(directory::update),
        )
        .route("/admin/outbox", get(pages::list))
        .route("/admin/outbox/{id}/retry", post(pages::retry))
        .route_layer(middleware::from_fn_with_state(state.clone(), admins_only));
    let coordinator = Router::new()
        .route("/reminders", get(pages::reminders).post(pages::save_reminders))
        .route_layer(middleware::from_fn_with_state(state.clone(), coordinators_only));
    // Each handler checks the patient's centre and writes the access log.
    let record = Router::new()
        .route("/patients/{id}/messages/new", get(correspondence::compose))
        .route("/patients/{id}/messages", post(correspondence::create))
        .route("/medcom/{id}", get(correspondence::show))
        .route_layer(middleware::from_fn_with_state(state, signed_in));
    // Other systems, with the bearer token the handlers check.
    let systems = Router::new()
        .route("/integration/medcom", post(integration::medcom))
        .route("/integration/sms-status", post(integration::sms_status));
    admin.merge(coordinator).merge(record).merge(systems)
}

/// One round of messaging: read what came in, queue the reminders that are due, then deliver
/// what is due.
pub async fn work_once(state: &AppState) -> Result<usize, sqlx::Error> {
    inbound::scan(state).await?;
    reminders::queue_due(state).await?;
    outbox::deliver_due(state).await
}

/// Works the outbox every `COACHLINE_OUTBOX_POLL_SECONDS` while the server runs. Any number of
/// servers may do so at once: each message is claimed by one.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.messaging.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = work_once(&state).await {
                tracing::error!(%error, "the outbox round failed; the next round tries again");
            }
        }
    });
}
