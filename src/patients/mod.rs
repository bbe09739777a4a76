//! Patients: the list, the record page, and their status.

pub mod status;

pub use status::Status;
