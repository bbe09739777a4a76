//! Passwords: argon2id with OWASP's parameters, always hashed off the async runtime.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Shortest password we accept.
pub const MIN_LENGTH: usize = 12;

/// A password typed by a person. `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Wraps a password as typed, for checking at sign-in.
    pub fn typed(value: String) -> Self {
        Self(value)
    }

    /// A new password: at least `MIN_LENGTH` characters, not only spaces, and not one of the
    /// most common breached passwords. Every place a password is set goes through here.
    pub fn new(value: String) -> Result<Self, &'static str> {
        if value.trim().chars().count() < MIN_LENGTH {
            return Err("password.too_short");
        }
        if super::common::is_common(&value) {
            return Err("password.too_common");
        }
        Ok(Self(value))
    }
}

// argon2id, m = 19 MiB, t = 2, p = 1: OWASP's recommended minimum (and the crate's default).
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

/// A hash of an unknown password, so unknown e-mails cost the same time as known ones.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking(&Password("not a real password, only a timing decoy".into()))
        .expect("hashing a constant works")
});

/// argon2 takes 19 MiB and a core's worth of work per hash: at most one hash per core runs at
/// once, so a burst of sign-ins cannot take the server's memory or starve the pages.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| tokio::sync::Semaphore::new(cores()));

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// A job for the hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// The threads that hash, one per core. Always the same few threads: the allocator keeps a
/// freed 19 MiB block in the arena of the thread that used it, so hashing on whichever thread
/// of the blocking pool is free left hundreds of MB behind after a burst of sign-ins.
static HASHERS: LazyLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    for n in 0..cores() {
        let rx = rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || loop {
                let job = match rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "could not start a hashing thread");
        }
    }
    std::sync::Mutex::new(tx)
});

/// How long a sign-in waits for a free core before it is told to try again.
const WAIT_FOR_A_CORE: Duration = Duration::from_secs(3);

/// Every core is busy checking passwords: the sign-in is refused for now (503 with
/// `Retry-After`), never queued without bound.
#[derive(Debug, thiserror::Error)]
#[error("every core is busy checking passwords")]
pub struct Busy;

/// Runs `work` on a hashing thread once a core is free, waiting at most `wait`.
async fn on_a_core<T: Send + 'static>(
    wait: Duration,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let permit = tokio::time::timeout(wait, HASHING.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|e| anyhow::anyhow!("hashing closed: {e}"))?;
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    HASHERS
        .lock()
        .map_err(|_| anyhow::anyhow!("the hashing threads stopped"))?
        .send(job)
        .map_err(|_| anyhow::anyhow!("the hashing threads stopped"))?;
    let result = result
        .await
        .map_err(|_| anyhow::anyhow!("a hashing thread stopped"))?;
    drop(permit);
    result
}

fn hash_blocking(password: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()
        .hash_password(password.0.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}

/// Hashes a password on the blocking pool (setting a password waits longer than signing in).
pub async fn hash(password: Password) -> anyhow::Result<String> {
    on_a_core(WAIT_FOR_A_CORE * 10, move || hash_blocking(&password)).await
}

/// Checks a password against a stored hash, or against a decoy when there is none. Fails with
/// [`Busy`] when no core frees up in time.
pub async fn verify(password: Password, stored: Option<String>) -> anyhow::Result<bool> {
    on_a_core(WAIT_FOR_A_CORE, move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
        let ok = hasher().verify_password(password.0.as_bytes(), &parsed).is_ok();
        Ok(known && ok)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hash = hash(Password::new("correct horse battery".into()).unwrap())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(
            Password::typed("correct horse battery".into()),
            Some(hash.clone())
        )
        .await
        .unwrap());
        assert!(!verify(Password::typed("wrong".into()), Some(hash)).await.unwrap());
        assert!(!verify(Password::typed("anything".into()), None).await.unwrap());
    }

    #[tokio::test]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let cores = cores();
        let running = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..cores * 3)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(on_a_core(Duration::from_secs(60), move || {
                    use std::sync::atomic::Ordering::SeqCst;
                    let now = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, SeqCst);
                    Ok(())
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= cores);
    }

    #[test]
    fn short_passwords_are_refused_and_debug_hides_them() {
        assert!(Password::new("short".into()).is_err());
        assert_eq!(
            Password::new("password1234".into()).unwrap_err(),
            "password.too_common"
        );
        let p = Password::new("long enough password".into()).unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
