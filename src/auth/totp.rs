//! Time-based one-time codes (RFC 6238, as any authenticator app makes them): the secret, its
//! QR code, checking a code, and sealing the secret so that a database dump alone does not
//! give it away.
//!
//! `totp-rs` computes the codes; the secret is sealed with AES-256-GCM under a key derived
//! (HKDF-SHA256) from `COACHLINE_SECRET`, bound to the person's id so a sealed secret copied
//! to another account does not open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use totp_rs::{Algorithm, TOTP};

/// Seconds per step: what every authenticator app uses.
pub const STEP_SECONDS: i64 = 30;
/// Steps before and after the current one that are still accepted (clock drift, typing time).
pub const SKEW_STEPS: i64 = 1;
/// The name the authenticator app shows beside the code.
const ISSUER: &str = "coachline";
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 12;

/// A person's TOTP secret. `Debug` never shows it; it leaves the server only on the enrolment
/// page, as a QR code and as text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The time step an instant falls in.
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

impl Secret {
    /// A fresh random secret.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A secret as an authenticator app shows it (base32, any case, spaces allowed).
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        let bytes = totp_rs::Secret::Encoded(cleaned).to_bytes().ok()?;
        (bytes.len() >= 16).then_some(Self(bytes))
    }

    /// The secret as text to type into an app, in groups of four.
    pub fn base32_grouped(&self) -> String {
        let text = self.totp(None).get_secret_base32();
        let groups: Vec<String> = text
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        groups.join(" ")
    }

    fn totp(&self, account: Option<&str>) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            6,
            SKEW_STEPS as u8,
            STEP_SECONDS as u64,
            self.0.clone(),
            Some(ISSUER.to_owned()),
            account.unwrap_or("").replace(':', " "),
        )
    }

    /// The code for one time step.
    pub fn code_at_step(&self, step: i64) -> String {
        self.totp(None)
            .generate(u64::try_from(step * STEP_SECONDS).unwrap_or_default())
    }

    /// The step whose code `code` is, within the accepted window around `now`, taking only
    /// steps after `after` (the last step accepted before), so no code works twice.
    pub fn matching_step(&self, code: &str, now: DateTime<Utc>, after: Option<i64>) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_of(now);
        (current - SKEW_STEPS..=current + SKEW_STEPS)
            .filter(|step| after.is_none_or(|last| *step > last))
            .find(|step| {
                let expected = self.code_at_step(*step);
                subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
            })
    }

    /// The QR code an authenticator app scans, as an inline SVG (no script, no outside service).
    pub fn qr_svg(&self, account: &str) -> String {
        let url = self.totp(Some(account)).get_url();
        match qrcode::QrCode::new(url.as_bytes()) {
            Ok(qr) => {
                let svg = qr
                    .render::<qrcode::render::svg::Color>()
                    .min_dimensions(220, 220)
                    .build();
                // Inline in HTML the XML declaration is noise.
                svg.split_once("?>")
                    .map_or(svg.clone(), |(_, rest)| rest.to_owned())
            }
            Err(_) => String::new(),
        }
    }

    /// The secret sealed for storage (or a hidden form field) for person `user_id`.
    pub fn seal(&self, config_secret: &[u8], user_id: i64) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = aad(user_id);
        let sealed = cipher(config_secret)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &self.0,
                    aad: &aad,
                },
            )
            .expect("AES-GCM seals any message of this size");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        out
    }

    /// Opens what `seal` made for the same person under the same configuration secret.
    pub fn open(config_secret: &[u8], user_id: i64, sealed: &[u8]) -> Option<Self> {
        if sealed.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        let aad = aad(user_id);
        cipher(config_secret)
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: &aad })
            .ok()
            .map(Self)
    }
}

fn aad(user_id: i64) -> Vec<u8> {
    format!("coachline second factor of user {user_id}").into_bytes()
}

fn cipher(config_secret: &[u8]) -> Aes256Gcm {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(None, config_secret)
        .expand(b"coachline second factor sealing key v1", &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    Aes256Gcm::new_from_slice(&key).expect("the key is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"coachline-test-secret-0123456789abcdef";

    #[test]
    fn a_code_matches_within_one_step_either_side_and_never_twice() {
        let secret = Secret::generate();
        let now = Utc::now();
        let step = step_of(now);
        let code = secret.code_at_step(step - 1);
        assert_eq!(secret.matching_step(&code, now, None), Some(step - 1));
        assert_eq!(secret.matching_step(&code, now, Some(step - 1)), None);
        let old = secret.code_at_step(step - 2);
        assert_ne!(old, secret.code_at_step(step - 1));
        assert_eq!(
            secret.matching_step(&old, now, None).filter(|s| *s == step - 2),
            None
        );
        assert_eq!(secret.matching_step("12345", now, None), None);
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_person_and_key() {
        let secret = Secret::generate();
        let sealed = secret.seal(KEY, 7);
        assert_eq!(Secret::open(KEY, 7, &sealed), Some(secret.clone()));
        assert_eq!(Secret::open(KEY, 8, &sealed), None);
        assert_eq!(
            Secret::open(b"another key that is long enough!!", 7, &sealed),
            None
        );
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(Secret::from_base32(&secret.base32_grouped()), Some(secret));
    }

    #[test]
    fn the_qr_code_is_an_svg_with_the_otpauth_address() {
        let svg = Secret::generate().qr_svg("nina@example.test");
        assert!(svg.starts_with("<svg"), "{svg}");
    }
}
