//! Running an installation: backups and restores (`pg_dump`/`pg_restore` in PostgreSQL's custom
//! format) and `coachline check`, which reports what is wrong before a person meets it.

pub mod backup;
pub mod check;
