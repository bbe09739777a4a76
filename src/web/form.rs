//! The errors of a form, field by field: what every form handler fills and every form template reads.

/// A form field's error: which field, and the catalogue key of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

/// The errors of one form, looked up by field in the templates.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push(FieldError { field, key });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the too-long message for `field` if `value` exceeds `limit`; true if it did.
    pub fn limit(&mut self, field: &'static str, value: &str, limit: crate::web::limits::Limit) -> bool {
        match limit.exceeded_by(value) {
            Some(key) => {
                self.add(field, key);
                true
            }
            None => false,
        }
    }

    /// The errors in English, one line, for the command line.
    pub fn describe(&self) -> String {
        let text: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, crate::web::Lang::En.t(e.key)))
            .collect();
        text.join("; ")
    }

    /// The message key for `field`, if it has an error.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.key)
    }
}
