//! From parsed rows to patients: `plan` checks the rows against the database without writing;
//! `commit` writes a plan in one transaction. The pages, the command line and the benchmark all
//! go through these two functions.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::parse::{self, ListRow, Refusal};
use super::randomise::{allocate_batch, Randomisation};
use super::report::{Report, RowError};

/// Rows inserted per statement: large enough to be fast, small enough for any list size.
const CHUNK: usize = 5_000;

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

/// A checked list, ready to commit: the valid rows with their centres, and the report so far.
pub struct Plan {
    pub report: Report,
    pub rows: Vec<(ListRow, i64)>,
    pub sha256: Vec<u8>,
    pub default_centre_id: Option<i64>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

/// Parses a file and checks it against the database, writing nothing. The report counts what
/// a commit would do now.
pub async fn plan(
    db: &PgPool,
    file_name: &str,
    bytes: &[u8],
    default_centre_id: Option<i64>,
) -> Result<Plan, ImportError> {
    let parsed = parse::parse_list(file_name, bytes).map_err(ImportError::Refused)?;
    let mut report = Report::from_parsed(file_name, &parsed);
    let has_centre_column = parsed.recognised.contains(&parse::Column::Centre);
    if default_centre_id.is_none() && !has_centre_column {
        return Err(ImportError::NeedsCentre);
    }
    let centres: HashMap<String, i64> = sqlx::query!("select code, id from centres")
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.id))
        .collect();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for row in parsed.rows {
        let centre = match &row.centre_code {
            Some(code) => centres
                .get(code)
                .copied()
                .ok_or_else(|| (code.clone(), "import.reject.unknown_centre")),
            None => default_centre_id.ok_or_else(|| (String::new(), "import.reject.no_centre")),
        };
        match centre {
            Ok(id) => rows.push((row, id)),
            Err((code, key)) => report.reject(RowError {
                line: row.line,
                reason: if code.is_empty() {
                    "no call centre given".to_owned()
                } else {
                    format!("unknown call centre code {code}")
                },
                key: key.to_owned(),
                arg: code,
            }),
        }
    }
    // Warnings of rows rejected above no longer matter.
    let kept: std::collections::HashSet<usize> = rows.iter().map(|(r, _)| r.line).collect();
    report.warning_list.retain(|w| kept.contains(&w.line));
    report.warnings = report.warning_list.len();
    report.rejected = report.errors.len();
    let cprs: Vec<String> = rows.iter().map(|(r, _)| r.cpr.as_str().to_owned()).collect();
    let known = sqlx::query_scalar!(
        r#"select count(*) as "n!" from patients where cpr = any($1)"#,
        &cprs
    )
    .fetch_one(db)
    .await?;
    report.already_known = usize::try_from(known).unwrap_or(0);
    report.imported = rows.len() - report.already_known;
    Ok(Plan {
        report,
        rows,
        sha256: Sha256::digest(bytes).to_vec(),
        default_centre_id,
    })
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
    mut plan: Plan,
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
    let batch_id = sqlx::query_scalar!(
        "insert into import_batches (file_name, file_sha256, imported_by, default_centre_id, source,
                                     random_seed, random_ratio)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        plan.report.file,
        plan.sha256,
        imported_by,
        plan.default_centre_id,
        match source {
            Source::Web => "web",
            Source::Cli => "cli",
        },
        randomisation.map(|r| r.seed),
        randomisation.map(|r| r.ratio.as_str())
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut inserted = 0;
    for chunk in plan.rows.chunks(CHUNK) {
        inserted += insert_patients(&mut tx, batch_id, chunk).await?;
    }
    if let Some(r) = randomisation {
        allocate_batch(&mut tx, batch_id, r).await?;
    }
    let report = &mut plan.report;
    report.imported = inserted;
    report.already_known = plan.rows.len() - inserted;
    sqlx::query!(
        "update import_batches set rows_imported = $2, rows_known = $3, rows_rejected = $4,
                warnings = $5, report = $6 where id = $1",
        batch_id,
        i32::try_from(report.imported).unwrap_or(i32::MAX),
        i32::try_from(report.already_known).unwrap_or(i32::MAX),
        i32::try_from(report.rejected).unwrap_or(i32::MAX),
        i32::try_from(report.warnings).unwrap_or(i32::MAX),
        serde_json::to_value(&*report).map_err(|e| sqlx::Error::Encode(e.into()))?
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
        match source {
            Source::Web => "web",
            Source::Cli => "cli",
        },
        report.imported,
        report.already_known,
        report.rejected,
    );
    Ok((batch_id, plan.report))
}

/// Inserts new patients with one statement per chunk; known CPR numbers are skipped.
async fn insert_patients(
    tx: &mut PgConnection,
    batch_id: i64,
    rows: &[(ListRow, i64)],
) -> Result<usize, sqlx::Error> {
    let mut cols = Columns::with_capacity(rows.len());
    for (row, centre) in rows {
        cols.push(row, *centre);
    }
    let done = sqlx::query!(
        r#"insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, address,
                                 postal_code, city, phone, mobile, municipality, gp, diagnoses,
                                 risk_score, batch_id)
           select centre_id, cpr, first_name, last_name, birth_date, sex, address, postal_code, city,
                  phone, mobile, municipality, gp,
                  case when diagnoses = '' then '{}'::text[] else string_to_array(diagnoses, ' ') end,
                  risk_score, $16
             from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                         $13::text[], $14::text[], $15::float8[])
                  as t(centre_id, cpr, first_name, last_name, birth_date, sex, address, postal_code,
                       city, phone, mobile, municipality, gp, diagnoses, risk_score)
           on conflict (cpr) do nothing"#,
        &cols.centre,
        &cols.cpr,
        &cols.first,
        &cols.last,
        &cols.birth,
        &cols.sex,
        &cols.address as &[Option<String>],
        &cols.postal as &[Option<String>],
        &cols.city as &[Option<String>],
        &cols.phone as &[Option<String>],
        &cols.mobile as &[Option<String>],
        &cols.municipality as &[Option<String>],
        &cols.gp as &[Option<String>],
        &cols.diagnoses,
        &cols.risk as &[Option<f64>],
        batch_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(usize::try_from(done.rows_affected()).unwrap_or(0))
}

/// The rows turned into one array per column, for `unnest`.
#[derive(Default)]
struct Columns {
    centre: Vec<i64>,
    cpr: Vec<String>,
    first: Vec<String>,
    last: Vec<String>,
    birth: Vec<chrono::NaiveDate>,
    sex: Vec<String>,
    address: Vec<Option<String>>,
    postal: Vec<Option<String>>,
    city: Vec<Option<String>>,
    phone: Vec<Option<String>>,
    mobile: Vec<Option<String>>,
    municipality: Vec<Option<String>>,
    gp: Vec<Option<String>>,
    diagnoses: Vec<String>,
    risk: Vec<Option<f64>>,
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        let mut c = Self::default();
        c.cpr.reserve(n);
        c
    }

    fn push(&mut self, row: &ListRow, centre: i64) {
        self.centre.push(centre);
        self.cpr.push(row.cpr.as_str().to_owned());
        self.first.push(row.first_name.clone());
        self.last.push(row.last_name.clone());
        self.birth.push(row.cpr.birth_date());
        self.sex.push(
            match row.cpr.sex() {
                parse::Sex::Female => "female",
                parse::Sex::Male => "male",
            }
            .to_owned(),
        );
        self.address.push(row.address.clone());
        self.postal.push(row.postal_code.clone());
        self.city.push(row.city.clone());
        self.phone.push(row.phone.clone());
        self.mobile.push(row.mobile.clone());
        self.municipality.push(row.municipality.clone());
        self.gp.push(row.gp.clone());
        self.diagnoses.push(row.diagnoses.join(" "));
        self.risk.push(row.risk_score);
    }
}
