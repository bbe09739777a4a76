//! The API client behind a request: `Authorization: Bearer <token>`, looked up by the token's
//! hash, refused when unknown, expired or revoked.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use super::clients::token_hash;
use super::outcome::FhirError;
use crate::domain::ApiScope;
use crate::AppState;

/// An authenticated API client.
#[derive(Clone, Debug)]
pub struct ApiClient {
    pub id: i64,
    pub centre_id: i64,
    pub scopes: Vec<ApiScope>,
}

impl ApiClient {
    /// Whether the client was given `scope`.
    pub fn may(&self, scope: ApiScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Refuses with 403 without `scope`.
    pub fn require(&self, scope: ApiScope) -> Result<(), FhirError> {
        if self.may(scope) {
            Ok(())
        } else {
            Err(FhirError::Forbidden)
        }
    }
}

/// The token of an `Authorization: Bearer ...` header.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for ApiClient {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, FhirError> {
        let token = bearer(parts).ok_or(FhirError::Unauthorized)?;
        let hash = token_hash(token);
        let row = sqlx::query!(
            "select id, centre_id, scopes, token_hash from api_clients
              where token_hash = $1 and revoked_at is null and expires_at > $2",
            &hash,
            state.clock.now()
        )
        .fetch_optional(&state.db)
        .await?;
        let Some(row) = row else {
            tracing::warn!("refused an API request with an unknown, expired or revoked token");
            return Err(FhirError::Unauthorized);
        };
        // The index found the row; the comparison itself takes the same time for any token.
        if !bool::from(row.token_hash.as_slice().ct_eq(hash.as_slice())) {
            return Err(FhirError::Unauthorized);
        }
        Ok(ApiClient {
            id: row.id,
            centre_id: row.centre_id,
            scopes: row.scopes.iter().filter_map(|s| ApiScope::parse(s)).collect(),
        })
    }
}
