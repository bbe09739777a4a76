//! The export's work on a thread of its own: reading and decoding the rows, the pseudonyms
//! (HMAC-SHA256), the CSV and the deflate take seconds of CPU for a year of calls, and on the
//! server's async workers they would hold up every page while an export runs. The thread has
//! its own small runtime and its own database connection; the ZIP still leaves through the
//! bounded channel, so memory stays flat.

use super::export::{self, Counts, Filter, Sender};
use super::pseudonym::Pseudonymiser;

/// Runs `export::write` on a new thread with a connection to `database_url` (made as the
/// installation's other connections are: TLS, CA file, timeouts), and waits for it.
pub async fn write_apart(
    database_url: String,
    options: crate::db::DbOptions,
    filter: Filter,
    names: Pseudonymiser,
    today: chrono::NaiveDate,
    tx: Sender,
) -> anyhow::Result<Counts> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("research-export".into())
        .spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| {
                    runtime.block_on(async move {
                        let db = crate::db::connect_with(&database_url, &options).await?;
                        let counts = export::write(db.clone(), filter, names, today, tx).await;
                        db.close().await;
                        counts
                    })
                });
            let _ = done.send(outcome);
        })?;
    result
        .await
        .map_err(|_| anyhow::anyhow!("the export's thread stopped"))?
}
