//! The export's work on a thread of its own: reading and decoding the rows, the pseudonyms
//! (HMAC-SHA256), the CSV and the deflate take seconds of CPU for a year of calls, and on the
//! server's async workers they would hold up every page while an export runs. The thread has
//! its own small runtime and its own database connection; the ZIP still leaves through the
//! bounded channel, so memory stays flat. The thread runs at a lower priority than the
//! server's own (nice 10), so that when the cores are busy the pages are served first and the
//! export takes the time that is left.

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
            lower_priority();
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

/// Gives the calling thread a lower scheduling priority (nice 10). On Linux the nice value is
/// the thread's own; elsewhere, or if refused, the export runs at the usual priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` and `setpriority` take plain integers and touch no memory of ours.
        let refused = unsafe {
            let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, thread, 10) != 0
        };
        if refused {
            tracing::debug!("the research export runs at the usual priority");
        }
    }
}
