//! Temporary moves end by themselves: after the end date the patients and their open
//! appointments go back to their own nurse. Run on the coordinator's pages and every ten minutes.

/// Returns patients whose temporary move has passed its end date to their own nurse, with their
/// open appointments (an earlier one left unlogged too). A patient whose appointment would
/// clash stays until it is resolved.
pub async fn return_due(db: &sqlx::PgPool, at: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    let due = sqlx::query!(
        r#"select m.id, m.patient_id, m.from_nurse_id, m.to_nurse_id
             from caseload_moves m
             join patients p on p.id = m.patient_id and p.nurse_id = m.to_nurse_id
             join users u on u.id = m.from_nurse_id and u.active
             join centres c on c.id = p.centre_id
            where m.until is not null and m.returned_at is null
              and m.until < ($1 at time zone c.timezone)::date"#,
        at
    )
    .fetch_all(db)
    .await?;
    for m in due {
        let mut tx = db.begin().await?;
        let result = sqlx::query!(
            "update appointments set nurse_id = $3, updated_at = now()
              where patient_id = $1 and nurse_id = $2 and status = 'scheduled'",
            m.patient_id,
            m.to_nurse_id,
            m.from_nurse_id
        )
        .execute(&mut *tx)
        .await;
        if let Err(e) = result {
            tracing::warn!(move_id = m.id, error = %e, "a returning patient's appointment clashes; left with the cover");
            continue;
        }
        sqlx::query!(
            "update patients set nurse_id = $2, updated_at = now() where id = $1",
            m.patient_id,
            m.from_nurse_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "update caseload_moves set returned_at = now() where id = $1",
            m.id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Returns due patients every ten minutes, so they are back even if no coordinator looks.
pub fn spawn_returns(db: sqlx::PgPool, clock: crate::clock::Clock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = return_due(&db, clock.now()).await {
                tracing::warn!(error = %e, "returning temporarily moved patients failed");
            }
        }
    });
}
