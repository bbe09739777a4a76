//! From a list to patients: `plan` checks a list against the database and writes nothing;
//! `commit` imports it in one transaction. Both stream the file through `stage` into a
//! temporary table (parsing, validation and `COPY` in one pass, memory flat whatever the
//! list's length); the commit then makes the patients with one `insert ... select` and
//! randomises them from the staged rows. The pages, the command line and the benchmark all go
//! through these functions.

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::parse::Refusal;
use super::randomise::{allocate_batch, Randomisation};
use super::report::{Report, SHOWN};
use super::stage::{stage, Staged};

/// Why nothing was (or would be) imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a list.
    #[error("{0}")]
    Refused(Refusal),
    /// Rows have no call centre code and no centre was chosen.
    #[error("the list has no Center column: choose the call centre for its rows")]
    NeedsCentre,
    /// Exactly this file was imported before.
    #[error("this file was already imported (batch {batch_id}); nothing new was imported")]
    AlreadyImported { batch_id: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl ImportError {
    /// The catalogue key of the message for the pages.
    pub fn key(&self) -> &'static str {
        match self {
            ImportError::Refused(refusal) => refusal.key(),
            ImportError::NeedsCentre => "import.needs_centre",
            ImportError::AlreadyImported { .. } => "import.already_imported",
            ImportError::Database(_) => "error.500.text",
        }
    }
}

/// Where an import came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Web,
    Cli,
}

/// A list to import: the file, its fingerprint and the centre chosen for rows without one,
/// and (after `plan`) the report of what importing it would do now.
pub struct Plan {
    pub report: Report,
    pub sha256: Vec<u8>,
    pub default_centre_id: Option<i64>,
    bytes: Bytes,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// A list to commit without a preview first (the preview was shown earlier, or is not
/// wanted): `commit` checks everything again in its transaction.
pub fn prepare(file_name: &str, bytes: Bytes, default_centre_id: Option<i64>) -> Plan {
    Plan {
        report: Report {
            file: file_name.to_owned(),
            ..Report::default()
        },
        sha256: Sha256::digest(&bytes).to_vec(),
        default_centre_id,
        bytes,
    }
}

/// Parses a file and checks it against the database, writing nothing (its staging is rolled
/// back). The report counts what a commit would do now and keeps the first rejected rows and
/// warnings, as many as a page shows.
pub async fn plan(
    db: &PgPool,
    file_name: &str,
    bytes: Bytes,
    default_centre_id: Option<i64>,
) -> Result<Plan, ImportError> {
    let mut plan = prepare(file_name, bytes, default_centre_id);
    let mut tx = db.begin().await?;
    let Staged { mut report, rows } =
        stage(&mut tx, file_name, plan.bytes.clone(), default_centre_id, SHOWN).await?;
    // `import_rows` lives only in this transaction, so these statements cannot be checked at
    // compile time like the rest.
    let known: i64 = sqlx::query_scalar(
        "select count(*) from import_rows r where exists (select 1 from patients p where p.cpr = r.cpr)",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.rollback().await?;
    report.already_known = usize::try_from(known).unwrap_or(0);
    report.imported = rows - report.already_known;
    plan.report = report;
    Ok(plan)
}

/// Imports a plan in one transaction: the whole batch is there, or nothing is. The same file
/// (by content) is imported once, also when two people confirm it at the same moment.
pub async fn commit(
    db: &PgPool,
    plan: Plan,
    imported_by: Option<i64>,
    source: Source,
) -> Result<(i64, Report), ImportError> {
    commit_randomised(db, plan, imported_by, source, None).await
}

/// `commit`, allocating the new people at random to intervention or control when asked.
pub async fn commit_randomised(
    db: &PgPool,
    plan: Plan,
    imported_by: Option<i64>,
    source: Source,
    randomisation: Option<Randomisation>,
) -> Result<(i64, Report), ImportError> {
    let mut tx = db.begin().await?;
    // Serialise imports of the same file; the unique index is the last word.
    let lock_key = i64::from_be_bytes(plan.sha256[..8].try_into().expect("a SHA-256 has 32 bytes"));
    sqlx::query!("select pg_advisory_xact_lock($1)", lock_key)
        .execute(&mut *tx)
        .await?;
    if let Some(batch_id) = sqlx::query_scalar!(
        "select id from import_batches where file_sha256 = $1",
        plan.sha256
    )
    .fetch_optional(&mut *tx)
    .await?
    {
        return Err(ImportError::AlreadyImported { batch_id });
    }
    // Every rejected row and warning is kept: the batch's page and its CSV list them all.
    let Staged { mut report, rows } = stage(
        &mut tx,
        &plan.report.file,
        plan.bytes,
        plan.default_centre_id,
        usize::MAX,
    )
    .await?;
    let source_code = match source {
        Source::Web => "web",
        Source::Cli => "cli",
    };
    let batch_id = sqlx::query_scalar!(
        "insert into import_batches (file_name, file_sha256, imported_by, default_centre_id, source,
                                     random_seed, random_ratio)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        report.file,
        plan.sha256,
        imported_by,
        plan.default_centre_id,
        source_code,
        randomisation.map(|r| r.seed),
        randomisation.map(|r| r.ratio.as_str())
    )
    .fetch_one(&mut *tx)
    .await?;
    // In the file's order; a CPR number already known makes no second patient. (Not checked
    // at compile time: `import_rows` exists only in this transaction.)
    let inserted = sqlx::query(
        "insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, address,
                               postal_code, city, phone, mobile, municipality, gp, diagnoses,
                               risk_score, batch_id)
         select centre_id, cpr, first_name, last_name, birth_date, sex, address, postal_code, city,
                phone, mobile, municipality, gp,
                case when diagnoses = '' then '{}'::text[] else string_to_array(diagnoses, ' ') end,
                risk_score, $1
           from import_rows order by line
         on conflict (cpr) do nothing",
    )
    .bind(batch_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let Some(r) = randomisation {
        allocate_batch(&mut tx, batch_id, r).await?;
    }
    report.imported = usize::try_from(inserted).unwrap_or(0);
    report.already_known = rows - report.imported;
    sqlx::query!(
        "update import_batches set rows_imported = $2, rows_known = $3, rows_rejected = $4,
                warnings = $5, report = $6 where id = $1",
        batch_id,
        i32::try_from(report.imported).unwrap_or(i32::MAX),
        i32::try_from(report.already_known).unwrap_or(i32::MAX),
        i32::try_from(report.rejected).unwrap_or(i32::MAX),
        i32::try_from(report.warnings).unwrap_or(i32::MAX),
        serde_json::to_value(&report).map_err(|e| sqlx::Error::Encode(e.into()))?
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        batch_id,
        imported = report.imported,
        known = report.already_known,
        rejected = report.rejected,
        "imported an invitation list"
    );
    crate::web::observe::record_import(
        source_code,
        report.imported,
        report.already_known,
        report.rejected,
    );
    Ok((batch_id, report))
}
