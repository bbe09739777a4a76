//! CSRF tokens: a random value plus its HMAC under the installation's secret, kept in a cookie
//! and repeated in every state-changing request (form field `_csrf`, header `X-CSRF-Token`, or
//! the `_csrf` query parameter for file uploads). Without the secret nobody can mint a token.
//!
//! A token is bound to the session cookie it was minted with (or to having none): a token from
//! before sign-in, from another session or from before sign-out is not genuine, so signing in
//! and signing out renew it.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The form field, query parameter and header that carry the token.
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// A fresh token for `secret` and the session cookie's value (`""` when signed out).
pub fn new_token(secret: &[u8], session: &str) -> String {
    let mut nonce = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce);
    let nonce = hex::encode(nonce);
    format!("{nonce}.{}", sign(secret, &nonce, session))
}

/// Whether `token` was minted with `secret` for this session cookie's value.
pub fn is_genuine(secret: &[u8], token: &str, session: &str) -> bool {
    match token.split_once('.') {
        Some((nonce, mac)) => sign(secret, nonce, session)
            .as_bytes()
            .ct_eq(mac.as_bytes())
            .into(),
        None => false,
    }
}

/// Whether the token sent with a request matches the cookie's.
pub fn matches(cookie: &str, sent: &str) -> bool {
    !cookie.is_empty() && cookie.as_bytes().ct_eq(sent.as_bytes()).into()
}

fn sign(secret: &[u8], nonce: &str, session: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"csrf:");
    mac.update(nonce.as_bytes());
    // The nonce is fixed-length hex, so the session part cannot be confused with it.
    mac.update(b":");
    mac.update(session.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_the_secret() {
        let token = new_token(b"one secret that is long enough!!", "");
        assert!(is_genuine(b"one secret that is long enough!!", &token, ""));
        assert!(!is_genuine(b"another secret, long enough too!", &token, ""));
        assert!(!is_genuine(b"one secret that is long enough!!", "abc.def", ""));
    }

    #[test]
    fn tokens_are_bound_to_the_session() {
        let secret = b"one secret that is long enough!!";
        let token = new_token(secret, "session-a");
        assert!(is_genuine(secret, &token, "session-a"));
        assert!(!is_genuine(secret, &token, "session-b"));
        assert!(!is_genuine(secret, &token, ""));
    }
}
