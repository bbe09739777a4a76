//! A call-centre database at national scale for the page benchmarks: 2 centres, 100 nurses,
//! a coordinator per centre, an admin and a researcher, 15,000 invented patients (10,000 in an
//! active course), a year of history of about 300,000 calls, and every active patient's next
//! call booked; `--scale 10` makes ten times as many of each.

use sqlx::PgPool;

use crate::auth::password::{self, Password};

/// The password of every seeded nurse (`nurse1@load.test` ... `nurse100@load.test`).
pub const PASSWORD: &str = "load-test-password";

/// Fills an empty, migrated database. Takes a minute; prints what it made.
pub async fn seed(db: &PgPool, patients: i64, nurses: i64, calls_per_patient: i64) -> anyhow::Result<()> {
    let hash = password::hash(Password::typed(PASSWORD.to_owned())).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "insert into centres (code, name, address, phone) values
            ('OUH', 'OUH Odense', 'J. B. Winsløws Vej 4, 5000 Odense C', '+45 70 11 22 33'),
            ('KOL', 'Kolding', 'Sygehusvej 24, 6000 Kolding', '+45 70 44 55 66')",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into users (email, name, role, centre_id, capacity, password_hash)
         select 'nurse' || i || '@load.test', 'Sygeplejerske ' || i, 'nurse',
                (select id from centres where code = case when i % 2 = 0 then 'OUH' else 'KOL' end),
                200, $2
           from generate_series(1, $1::bigint) i",
    )
    .bind(nurses)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    // One coordinator per centre, an admin and a researcher, so every role's pages are measured.
    sqlx::query(
        "insert into users (email, name, role, centre_id, password_hash)
         select 'coordinator-' || lower(code) || '@load.test', 'Koordinator ' || code, 'coordinator', id, $1
           from centres
         union all select 'admin@load.test', 'Administrator', 'admin', null, $1
         union all select 'researcher@load.test', 'Forsker', 'researcher', null, $1",
    )
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    // Patient i belongs to nurse (i % nurses); two in three are in an active course.
    sqlx::query(
        "with nurse as (select id, centre_id, row_number() over (order by id) - 1 as k from users where role = 'nurse')
         insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, address, postal_code,
                               city, phone, mobile, municipality, gp, diagnoses, risk_score, status, nurse_id,
                               created_at)
         select n.centre_id,
                to_char(date '1930-01-01' + (i * 7 % 20000)::int, 'DDMMYY') || lpad((1000 + i % 9000)::text, 4, '0'),
                (array['Søren','Åse','Ærling','Birthe','Jørgen','Grethe','Poul','Kirsten'])[1 + i % 8],
                (array['Ødegård','Prøvesen','Testesen','Åkjær','Fiktivsen','Bækgaard'])[1 + i % 6],
                date '1930-01-01' + (i * 7 % 20000)::int,
                case when i % 2 = 0 then 'female' else 'male' end,
                'Opdigtet Vej ' || (i % 200 + 1), '5000', 'Odense C',
                '+452' || lpad((i % 10000000)::text, 7, '0'), '+453' || lpad((i % 10000000)::text, 7, '0'),
                (array['Odense','Kolding','Vejle','Svendborg','Nyborg'])[1 + i % 5], 'Lægehuset',
                case i % 3 when 0 then array['I50.9', 'E11.9'] when 1 then array['J44.1', 'I10']
                           else array['N18.4', 'F32.1'] end,
                (i % 1000) / 1000.0,
                case when i % 3 <> 0 then 'active' when i % 6 = 0 then 'invited' else 'ended' end,
                case when i % 3 = 1 or i % 3 = 2 or i % 6 = 3 then n.id end,
                -- Imported a year ago: before every course below started.
                now() - interval '1 year'
           from generate_series(1, $1::bigint) i
           join nurse n on n.k = i % $2",
    )
    .bind(patients)
    .bind(nurses)
    .execute(&mut *tx)
    .await?;
    analyze(&mut tx, "patients").await?;
    sqlx::query(
        "insert into courses (patient_id, nurse_id, start_date, planned_end)
         select id, nurse_id, current_date - (id % 250)::int, current_date - (id % 250)::int + interval '6 months'
           from patients where status = 'active'",
    )
    .execute(&mut *tx)
    .await?;
    analyze(&mut tx, "courses").await?;
    // Each active patient's next call: the nurse's k-th patient at slot k, from two days ago on
    // (so some are overdue), twelve half-hour slots a day from 08:00 Copenhagen time.
    sqlx::query(
        "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at)
         select patient_id, id, nurse_id, 'call', at, at + interval '30 minutes'
           from (select c.*, ((current_date + (k / 12 - 2)::int + time '08:00')
                              + make_interval(mins => (k % 12 * 30)::int)) at time zone 'Europe/Copenhagen' as at
                   from (select c.*, row_number() over (partition by nurse_id order by patient_id) - 1 as k
                           from courses c) c) s",
    )
    .execute(&mut *tx)
    .await?;
    analyze(&mut tx, "appointments").await?;
    // A year of calls: every active patient's calls, about twelve days apart.
    sqlx::query(
        "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes, topics, note)
         select c.patient_id, c.id, c.nurse_id,
                now() - make_interval(days => (k * 12 + c.patient_id % 7)::int, hours => (c.patient_id % 5)::int),
                case when (c.patient_id + k) % 9 = 0 then 'no_answer' when (c.patient_id + k) % 17 = 0 then 'voicemail' else 'reached' end,
                case when (c.patient_id + k) % 9 = 0 then 0 else 10 + (c.patient_id + k) % 25 end,
                array['own_goals', 'symptoms', 'quality_of_life'],
                'Talte om dagens gåtur og om at tage medicinen om morgenen. Aftalt at ringe igen om to uger.'
           from courses c cross join generate_series(0, $1::bigint - 1) k",
    )
    .bind(calls_per_patient)
    .execute(&mut *tx)
    .await?;
    analyze(&mut tx, "calls").await?;
    tx.commit().await?;
    // As after a real import: the planner's statistics and the visibility map up to date.
    sqlx::query("vacuum (analyze)").execute(db).await?;
    let (p, c, a): (i64, i64, i64) =
        sqlx::query_as("select (select count(*) from patients), (select count(*) from calls), (select count(*) from appointments)")
            .fetch_one(db)
            .await?;
    println!("seeded {p} patients, {nurses} nurses, {c} calls, {a} booked calls");
    Ok(())
}

/// Brings the planner's statistics of `table` up to date inside the seeding transaction (it
/// counts the transaction's own rows), as autovacuum would between real imports: the database's
/// own triggers plan their statements against what the earlier steps wrote, not an empty table.
async fn analyze(tx: &mut sqlx::PgConnection, table: &str) -> anyhow::Result<()> {
    sqlx::query(&format!("analyze {table}")).execute(tx).await?;
    Ok(())
}
