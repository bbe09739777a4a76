//! Who signs in with a second factor, what is stored for it, and the one-time recovery codes.

use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};

use super::totp::Secret;
use crate::web::Role;

/// How many recovery codes a person gets at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Letters and digits that cannot be mistaken for one another when read aloud or typed.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// What the sign-in asks for after the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Nothing: the password is enough for this person.
    None,
    /// The code from the authenticator app (or a recovery code).
    Code,
    /// Setting up an authenticator app first: the role or the centre requires it.
    Enrol,
}

/// What the sign-in asks for after the password for person `user_id`.
pub async fn next_step(db: impl PgExecutor<'_>, user_id: i64) -> Result<NextStep, sqlx::Error> {
    let row = sqlx::query!(
        r#"select u.role, coalesce(c.nurses_use_second_factor, false) as "nurses_use!",
                  exists(select 1 from second_factors f where f.user_id = u.id) as "enrolled!"
             from users u left join centres c on c.id = u.centre_id
            where u.id = $1"#,
        user_id
    )
    .fetch_one(db)
    .await?;
    let required = Role::parse(&row.role).is_none_or(|r| r.needs_second_factor(row.nurses_use));
    Ok(if row.enrolled {
        NextStep::Code
    } else if required {
        NextStep::Enrol
    } else {
        NextStep::None
    })
}

/// Whether person `user_id` has a second factor set up.
pub async fn is_enrolled(db: impl PgExecutor<'_>, user_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from second_factors where user_id = $1) as "e!""#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// Stores a confirmed secret (accepted at step `step`) and returns fresh recovery codes to show
/// once. Any earlier secret and codes of the person are replaced.
pub async fn enrol(
    conn: &mut PgConnection,
    user_id: i64,
    sealed: &[u8],
    step: i64,
) -> Result<Vec<String>, sqlx::Error> {
    remove(&mut *conn, user_id).await?;
    sqlx::query!(
        "insert into second_factors (user_id, secret_sealed, last_step) values ($1, $2, $3)",
        user_id,
        sealed,
        step
    )
    .execute(&mut *conn)
    .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for code in &codes {
        sqlx::query!(
            "insert into recovery_codes (user_id, code_hash) values ($1, $2)",
            user_id,
            hash_recovery_code(code)
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(codes)
}

/// Takes away a person's second factor and recovery codes (the admin's reset).
pub async fn remove(conn: &mut PgConnection, user_id: i64) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!("delete from second_factors where user_id = $1", user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query!("delete from recovery_codes where user_id = $1", user_id)
        .execute(&mut *conn)
        .await?;
    Ok(removed > 0)
}

/// Checks a code typed at sign-in: a current authenticator code not used before, or an unused
/// recovery code (which is then used up). `config_secret` opens the stored secret.
pub async fn verify(
    db: &sqlx::PgPool,
    config_secret: &[u8],
    user_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Verified, sqlx::Error> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let Some(stored) = sqlx::query!(
            "select secret_sealed, last_step from second_factors where user_id = $1",
            user_id
        )
        .fetch_optional(db)
        .await?
        else {
            return Ok(Verified::No);
        };
        let Some(secret) = Secret::open(config_secret, user_id, &stored.secret_sealed) else {
            tracing::error!(
                user_id,
                "a stored second factor does not open: was COACHLINE_SECRET changed?"
            );
            return Ok(Verified::No);
        };
        let Some(step) = secret.matching_step(&digits, now, Some(stored.last_step)) else {
            return Ok(Verified::No);
        };
        // Only one request can move the step forward past this code: a replay loses the race.
        let taken = sqlx::query!(
            "update second_factors set last_step = $2 where user_id = $1 and last_step < $2",
            user_id,
            step
        )
        .execute(db)
        .await?
        .rows_affected();
        return Ok(if taken == 1 { Verified::Code } else { Verified::No });
    }
    let used = sqlx::query!(
        "update recovery_codes set used_at = $3
          where user_id = $1 and code_hash = $2 and used_at is null",
        user_id,
        hash_recovery_code(typed),
        now
    )
    .execute(db)
    .await?
    .rows_affected();
    Ok(if used == 1 {
        Verified::RecoveryCode
    } else {
        Verified::No
    })
}

/// The outcome of checking a typed code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Code,
    RecoveryCode,
}

/// Checks the first code of a new secret; the step it was accepted at.
pub fn confirm_first_code(secret: &Secret, typed: &str, now: DateTime<Utc>) -> Option<i64> {
    secret.matching_step(typed, now, None).or_else(|| {
        // Tolerate a code pasted with a separator.
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 6)
            .then(|| secret.matching_step(&digits, now, None))
            .flatten()
    })
}

/// A new recovery code: ten characters, shown as `abcde-fghjk`. About 49 bits of chance, so a
/// fast hash is enough to store it (as for session ids).
fn new_recovery_code() -> String {
    let mut rng = rand::thread_rng();
    let chars: String = (0..10)
        .map(|_| char::from(RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// What is stored for a recovery code: the SHA-256 of it without case, spaces or dashes.
fn hash_recovery_code(code: &str) -> Vec<u8> {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(normal.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_read_without_case_spaces_or_dashes() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(hash_recovery_code(&code), hash_recovery_code(&typed));
    }
}
