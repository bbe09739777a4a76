//! What every page shares: errors, the signed-in user, CSRF, languages, layout and headers.

pub mod assets;
pub mod auth;
pub mod catalogue;
pub mod client_ip;
pub mod csrf;
pub mod error;
pub mod flash;
pub mod form;
pub mod form_key;
pub mod headers;
pub mod i18n;
pub mod layout;
pub mod limits;
pub mod observe;
pub mod request;
pub mod spreadsheet;

pub use auth::{CurrentUser, Role};
pub use error::{AppError, Result};
pub use form::{FieldError, FormErrors};
pub use form_key::FormKey;
pub use i18n::Lang;
pub use layout::{phone_display, render, Layout, Page};
pub use request::ReqCtx;
