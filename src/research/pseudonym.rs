//! Pseudonyms for the research export: a keyed hash (HMAC-SHA256) of the CPR number, with a key
//! kept outside the database. The same key gives the same pseudonym in every export, so the data
//! unit (which holds the key) can link to registry data; without the key nobody can.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Makes pseudonyms with one key.
#[derive(Clone)]
pub struct Pseudonymiser {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(..)")
    }
}

impl Pseudonymiser {
    /// `None` when no key is configured: pseudonyms from a random key would not be stable.
    pub fn new(key: &[u8]) -> Option<Self> {
        (key.len() >= 32).then(|| Self { key: key.to_vec() })
    }

    fn hash(&self, domain: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(domain.as_bytes());
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The patient's pseudonym: HMAC-SHA256 of the ten digits of the CPR number, in hex.
    pub fn patient(&self, cpr: &str) -> String {
        self.hash("", cpr)
    }

    /// A nurse's pseudonym, so courses can be grouped by nurse without naming her.
    pub fn nurse(&self, user_id: i64) -> String {
        self.hash("nurse:", &user_id.to_string())[..16].to_owned()
    }
}

/// Remembers the last patient's pseudonym: the export's rows come ordered by patient, so one
/// entry saves nearly every hash without memory that grows with the rows.
pub struct LastPseudonym<'a> {
    maker: &'a Pseudonymiser,
    last: Option<(i64, String)>,
}

impl<'a> LastPseudonym<'a> {
    pub fn new(maker: &'a Pseudonymiser) -> Self {
        Self { maker, last: None }
    }

    /// The pseudonym of patient `id` with CPR number `cpr`.
    pub fn of(&mut self, id: i64, cpr: &str) -> &str {
        if self.last.as_ref().is_none_or(|(last, _)| *last != id) {
            self.last = Some((id, self.maker.patient(cpr)));
        }
        &self.last.as_ref().expect("set above").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a test key that is long enough 0123456789";

    #[test]
    fn the_pseudonym_is_stable_and_depends_on_the_key() {
        let a = Pseudonymiser::new(KEY).unwrap();
        let b = Pseudonymiser::new(b"another key that is long enough 987654321").unwrap();
        assert_eq!(a.patient("0101501234"), a.patient("0101501234"));
        assert_ne!(a.patient("0101501234"), a.patient("0101501235"));
        assert_ne!(a.patient("0101501234"), b.patient("0101501234"));
        assert_eq!(a.patient("0101501234").len(), 64);
        assert!(!a.patient("0101501234").contains("0101501234"));
    }

    #[test]
    fn no_key_or_a_short_key_gives_no_pseudonymiser() {
        assert!(Pseudonymiser::new(b"").is_none());
        assert!(Pseudonymiser::new(b"short").is_none());
    }

    #[test]
    fn the_pseudonym_is_the_published_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
