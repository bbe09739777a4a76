//! Every write to `users`: a person's account (created and edited by an admin), whether it is
//! active, its password and its language. Admin pages, the command line and sign-in call these.

use sqlx::{PgConnection, PgExecutor, PgPool};

use super::password::{self, Password};
use crate::web::Role;

/// A checked user, ready to store.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub centre_id: Option<i64>,
    pub capacity: Option<i32>,
}

/// Stores a new user; `None` when the e-mail is taken.
pub async fn insert(db: &PgPool, user: &NewUser, password: Password) -> anyhow::Result<Option<i64>> {
    let hash = password::hash(password).await?;
    let id = sqlx::query_scalar!(
        "insert into users (email, name, role, centre_id, capacity, password_hash)
         values ($1, $2, $3, $4, $5, $6) on conflict (email) do nothing returning id",
        user.email,
        user.name,
        user.role.as_str(),
        user.centre_id,
        user.capacity,
        hash
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Changes a person's details; `Ok(None)` when the e-mail is taken by someone else, `Ok(Some(false))`
/// when there is no such user.
pub async fn update(db: &PgPool, id: i64, user: &NewUser) -> Result<Option<bool>, sqlx::Error> {
    let result = sqlx::query!(
        "update users set email = $1, name = $2, role = $3, centre_id = $4, capacity = $5 where id = $6",
        user.email,
        user.name,
        user.role.as_str(),
        user.centre_id,
        user.capacity,
        id
    )
    .execute(db)
    .await;
    match result {
        Ok(done) => Ok(Some(done.rows_affected() == 1)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Activates or deactivates an account; `false` when there is no such user. The database refuses
/// to deactivate a nurse who still holds patients (`nurse_holds_patients`).
pub async fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("update users set active = $1 where id = $2", active, id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new password (hashed); `false` when there is no such user. The caller ends the
/// person's sessions in the same transaction.
pub async fn set_password(conn: &mut PgConnection, id: i64, password: Password) -> anyhow::Result<bool> {
    let hash = password::hash(password).await?;
    let done = sqlx::query!("update users set password_hash = $1 where id = $2", hash, id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Remembers the language a person chose.
pub async fn set_language(
    db: impl PgExecutor<'_>,
    id: i64,
    lang: crate::web::Lang,
) -> Result<(), sqlx::Error> {
    sqlx::query!("update users set language = $1 where id = $2", lang.code(), id)
        .execute(db)
        .await?;
    Ok(())
}
