//! Records that cannot say the impossible: each rule is tried through the form and directly
//! against the database, and fails both ways. And the reachability protocol's letter and GP
//! message, produced and kept.

mod dates;
mod form_keys;
mod histories;
mod meeting_nurse;
mod reachability;
