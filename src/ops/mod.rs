//! Running an installation: backups and restores (`pg_dump`/`pg_restore` in PostgreSQL's custom
//! format), `coachline check`, which reports what is wrong before a person meets it, and the
//! container's health probe.

pub mod backup;
pub mod check;
pub mod probe;
