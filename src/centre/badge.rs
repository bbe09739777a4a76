//! The coordinator's navigation badge: how many of the centre's patients are in the safety
//! nets. The count comes from `crate::safety` (the one definition) but is kept per centre for a
//! short while, so a coordinator clicking through her pages does not compute the nets on every
//! click; a write by anyone of the centre (a call logged, a booking made or moved, a caseload
//! moved, a threshold changed) drops the centre's count at once. The safety-net page computes
//! its own count fresh and shows that one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::safety;
use crate::web::layout::NavCounts;
use crate::web::{CurrentUser, Role};
use crate::AppState;

/// How long a centre's count is shown without a write: time passing alone (a call becoming
/// overdue at midnight) shows within this.
const FRESH_FOR: Duration = Duration::from_secs(30);

/// The counts of one application, per centre. Cheap to clone.
#[derive(Clone, Default)]
pub struct BadgeCache {
    counts: Arc<Mutex<HashMap<i64, Counted>>>,
}

#[derive(Clone, Copy)]
struct Counted {
    /// The application clock's "now" the count was made at (tests move it).
    at: DateTime<Utc>,
    /// When it was made, on the machine's monotonic clock.
    made: Instant,
    patients: i64,
}

impl BadgeCache {
    fn get(&self, centre_id: i64, now: DateTime<Utc>) -> Option<i64> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let c = counts.get(&centre_id)?;
        let same_moment = (now - c.at).abs() < chrono::Duration::from_std(FRESH_FOR).ok()?;
        (same_moment && c.made.elapsed() < FRESH_FOR).then_some(c.patients)
    }

    fn put(&self, centre_id: i64, at: DateTime<Utc>, patients: i64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.insert(
            centre_id,
            Counted {
                at,
                made: Instant::now(),
                patients,
            },
        );
    }

    /// Drops the count of `centre` (or of every centre, for a write by someone of none).
    fn forget(&self, centre: Option<i64>) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        match centre {
            Some(id) => {
                counts.remove(&id);
            }
            None => counts.clear(),
        }
    }
}

/// Middleware: puts the number of the coordinator's patients in the nets on the request for the
/// navigation, and forgets a centre's number when someone writes. Nothing is looked up for
/// static files, the health check, or anyone without a session.
pub async fn nav_counts(
    State((state, cache)): State<(AppState, BadgeCache)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path();
    if path.starts_with("/static/")
        || path == "/healthz"
        || crate::web::auth::session_id_of(&parts, state.config.https).is_none()
    {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let reading = parts.method == Method::GET || parts.method == Method::HEAD;
    // The user is kept on the request, so the handler does not load the session again.
    let user = CurrentUser::from_request_parts(&mut parts, &state).await.ok();
    if !reading {
        let response = next.run(Request::from_parts(parts, body)).await;
        if let Some(user) = user {
            if !response.status().is_client_error() && !response.status().is_server_error() {
                cache.forget(user.centre_id);
            }
        }
        return response;
    }
    if let Some(CurrentUser {
        role: Role::Coordinator,
        centre_id: Some(centre_id),
        ..
    }) = user
    {
        // The safety-net page counts for itself.
        if parts.uri.path() != "/safety-nets" {
            if let Some(n) = count(&state, &cache, centre_id).await {
                if n > 0 {
                    parts.extensions.insert(NavCounts(vec![("/safety-nets", n)]));
                }
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn count(state: &AppState, cache: &BadgeCache, centre_id: i64) -> Option<i64> {
    let now = state.clock.now();
    if let Some(n) = cache.get(centre_id, now) {
        return Some(n);
    }
    match safety::patients_caught(&state.db, now, centre_id).await {
        Ok(n) => {
            cache.put(centre_id, now, n);
            Some(n)
        }
        Err(e) => {
            tracing::warn!(error = %e, "counting the safety nets failed");
            None
        }
    }
}

/// The badge for a page that has just counted the nets itself.
pub fn counted(patients: i64) -> NavCounts {
    if patients > 0 {
        NavCounts(vec![("/safety-nets", patients)])
    } else {
        NavCounts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_kept_for_its_moment_and_forgotten_on_a_write() {
        let cache = BadgeCache::default();
        let now = Utc::now();
        cache.put(1, now, 7);
        cache.put(2, now, 3);
        assert_eq!(cache.get(1, now), Some(7));
        assert_eq!(
            cache.get(1, now + chrono::Duration::hours(1)),
            None,
            "the clock moved"
        );
        cache.forget(Some(1));
        assert_eq!(cache.get(1, now), None);
        assert_eq!(cache.get(2, now), Some(3));
        cache.forget(None);
        assert_eq!(cache.get(2, now), None);
    }
}
