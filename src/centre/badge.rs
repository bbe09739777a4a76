//! The coordinator's navigation badge: how many of the centre's patients are in the safety
//! nets, from `crate::safety` (the one definition). The database keeps the nets per patient, so
//! the count is one index range read fresh on every page a coordinator opens: every page and
//! every server instance shows the number the safety-net page shows.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::safety;
use crate::web::layout::NavCounts;
use crate::web::{CurrentUser, Role};
use crate::AppState;

/// Middleware: puts the number of the coordinator's patients in the nets on the request for the
/// navigation. Nothing is looked up for static files, the health check, anyone without a
/// session, or a form sent.
pub async fn nav_counts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path();
    let reading = parts.method == Method::GET || parts.method == Method::HEAD;
    if !reading
        || path.starts_with("/static/")
        || path == "/healthz"
        // The safety-net page counts for itself.
        || path == "/safety-nets"
        || crate::web::auth::session_id_of(&parts, state.config.https).is_none()
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // The user is kept on the request, so the handler does not load the session again.
    if let Ok(CurrentUser {
        role: Role::Coordinator,
        centre_id: Some(centre_id),
        ..
    }) = CurrentUser::from_request_parts(&mut parts, &state).await
    {
        match safety::patients_caught(&state.db, state.clock.now(), centre_id).await {
            Ok(n) => {
                parts.extensions.insert(counted(n));
            }
            Err(e) => tracing::warn!(error = %e, "counting the safety nets failed"),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The badge for a page that has counted the nets itself.
pub fn counted(patients: i64) -> NavCounts {
    if patients > 0 {
        NavCounts(vec![("/safety-nets", patients)])
    } else {
        NavCounts::default()
    }
}
