//! One key per shown form, so a double click or a resent form stores its record once. The page
//! puts a fresh key in a hidden field; the record's table keeps it under a unique index; a
//! resend finds the record the first send made and answers as that send did.

use std::fmt;

use uuid::Uuid;

/// The hidden field that carries the key.
pub const FIELD: &str = "form_key";

/// A form's key, as made when the form was shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormKey(Uuid);

impl FormKey {
    /// A new key for a form about to be shown.
    pub fn fresh() -> Self {
        FormKey(Uuid::new_v4())
    }

    /// The key a form sent back; `None` when missing or not one of ours.
    pub fn parse(sent: &str) -> Option<Self> {
        Uuid::parse_str(sent.trim()).ok().map(FormKey)
    }

    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for FormKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_as_itself_and_nothing_else_is_a_key() {
        let key = FormKey::fresh();
        assert_eq!(FormKey::parse(&key.to_string()), Some(key));
        assert_ne!(FormKey::fresh(), key);
        assert_eq!(FormKey::parse(""), None);
        assert_eq!(FormKey::parse("1"), None);
    }
}
