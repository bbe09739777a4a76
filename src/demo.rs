//! Demo data to click through: two call centres, their staff and invented patients.
//! Loading it twice changes nothing.

use chrono::{Datelike, NaiveDate};
use sqlx::PgPool;

use crate::admin::centres::{self, CentreForm};
use crate::auth::accounts::NewUser;
use crate::auth::password::Password;
use crate::web::Role;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "coachline-demo";

/// A demo login, printed at start.
pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
    pub centre: Option<&'static str>,
}

/// Every demo account.
pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        email: "admin@coachline.test",
        role: Role::Admin,
        centre: None,
    },
    DemoLogin {
        email: "koordinator.ouh@coachline.test",
        role: Role::Coordinator,
        centre: Some("OUH"),
    },
    DemoLogin {
        email: "anne.sygeplejerske@coachline.test",
        role: Role::Nurse,
        centre: Some("OUH"),
    },
    DemoLogin {
        email: "bo.sygeplejerske@coachline.test",
        role: Role::Nurse,
        centre: Some("OUH"),
    },
    DemoLogin {
        email: "koordinator.kol@coachline.test",
        role: Role::Coordinator,
        centre: Some("KOL"),
    },
    DemoLogin {
        email: "carla.sygeplejerske@coachline.test",
        role: Role::Nurse,
        centre: Some("KOL"),
    },
    DemoLogin {
        email: "dennis.sygeplejerske@coachline.test",
        role: Role::Nurse,
        centre: Some("KOL"),
    },
];

const NAMES: &[(&str, &str)] = &[
    ("Admin", "Demo"),
    ("Karen", "Koordinator"),
    ("Anne", "Andersen"),
    ("Bo", "Bertelsen"),
    ("Kurt", "Koordinator"),
    ("Carla", "Christoffersen"),
    ("Dennis", "Damgaard"),
];

const FIRST: &[&str] = &[
    "Ingrid", "Poul", "Birthe", "Henning", "Ølga", "Åge", "Grethe", "Jørgen", "Lise", "Ærling", "Kirsten",
    "Svend", "Hanne", "Niels", "Else", "Finn",
];
const LAST: &[&str] = &[
    "Testesen",
    "Prøvesen",
    "Eksempelsen",
    "Fiktivsen",
    "Demomand",
    "Opdigtsen",
    "Øvelund",
    "Skovprøve",
];
const DIAGNOSES: &[&[&str]] = &[
    &["I50.9", "E11.9"],
    &["J44.1"],
    &["N18.4", "I10"],
    &["F32.1", "E11.9"],
    &["I50.0", "J44.9", "N18.3"],
];
const MUNICIPALITIES: &[(&str, &str, &str)] = &[
    ("OUH", "5000", "Odense"),
    ("OUH", "5700", "Svendborg"),
    ("KOL", "6000", "Kolding"),
    ("KOL", "7100", "Vejle"),
];

/// Why the demo will not load into this database, if it holds anything the demo did not
/// create: a real installation must not get an admin with the published demo password.
pub async fn foreign_data(db: &PgPool) -> anyhow::Result<Option<&'static str>> {
    let emails: Vec<String> = LOGINS.iter().map(|l| l.email.to_owned()).collect();
    let foreign = sqlx::query_scalar!(
        r#"select exists (select 1 from users where email <> all($1))
               or exists (select 1 from centres where code not in ('OUH', 'KOL'))
               or exists (select 1 from import_batches)
               or exists (select 1 from patients where first_name <> all($2) or last_name <> all($3)
                                                   or coalesce(address, '') not like 'Opdigtet Vej %')
             as "foreign!""#,
        &emails,
        &FIRST.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        &LAST.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    )
    .fetch_one(db)
    .await?;
    Ok(foreign.then_some(
        "This database holds users, call centres or patients the demo did not create, so the demo \
         refuses to add its published password and invented patients to it; use an empty database \
         or pass --force.",
    ))
}

/// Loads the demo data; returns how many patients were added this time.
pub async fn load(db: &PgPool) -> anyhow::Result<u64> {
    for (code, name, address) in [
        ("OUH", "OUH Odense", "J. B. Winsløws Vej 4, 5000 Odense C"),
        ("KOL", "Kolding", "Sygehusvej 24, 6000 Kolding"),
    ] {
        let form = CentreForm {
            code: code.into(),
            name: name.into(),
            address: address.into(),
            phone: "70 11 22 33".into(),
            nurses_second_factor: None,
        };
        centres::insert(db, &form).await?;
        // A room for the initial meetings, so letters and meetings can be tried at once.
        sqlx::query!(
            "insert into centre_rooms (centre_id, name, address)
             select id, 'Mødelokale 1', address from centres where code = $1
             on conflict do nothing",
            code
        )
        .execute(db)
        .await?;
    }
    for (login, (first, last)) in LOGINS.iter().zip(NAMES) {
        let exists = sqlx::query_scalar!(
            "select exists(select 1 from users where email = $1) as \"e!\"",
            login.email
        )
        .fetch_one(db)
        .await?;
        if exists {
            continue;
        }
        let centre_id = match login.centre {
            Some(code) => {
                sqlx::query_scalar!("select id from centres where code = $1", code)
                    .fetch_optional(db)
                    .await?
            }
            None => None,
        };
        let user = NewUser {
            email: login.email.to_owned(),
            name: format!("{first} {last}"),
            role: login.role,
            centre_id,
            capacity: (login.role == Role::Nurse).then_some(60),
        };
        crate::auth::accounts::insert(db, &user, Password::typed(DEMO_PASSWORD.to_owned())).await?;
    }
    let mut added = 0;
    for i in 0..48u32 {
        let (centre, postal_code, city) = MUNICIPALITIES[(i % 4) as usize];
        let birth = NaiveDate::from_ymd_opt(1936 + (i * 7 % 50) as i32, 1 + i % 12, 1 + (i * 5) % 28)
            .expect("valid date");
        // Serial 1000-1999 (7th digit 1: born in the 1900s); the last digit's parity gives the sex.
        let cpr = format!(
            "{:02}{:02}{:02}{:04}",
            birth.day(),
            birth.month(),
            birth.year() % 100,
            1000 + i * 7
        );
        let sex = if (1000 + i * 7) % 2 == 1 { "male" } else { "female" };
        let status = match i % 6 {
            0..=2 => "active",
            3 => "invited",
            4 => "meeting_booked",
            _ => "ended",
        };
        let nurse_email = match (centre, i % 2) {
            ("OUH", 0) => LOGINS[2].email,
            ("OUH", _) => LOGINS[3].email,
            (_, 0) => LOGINS[5].email,
            _ => LOGINS[6].email,
        };
        let done = sqlx::query!(
            r#"insert into patients (centre_id, cpr, first_name, last_name, birth_date, sex, address,
                                     postal_code, city, phone, municipality, gp, diagnoses, risk_score,
                                     status, nurse_id, created_at)
               select c.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14,
                      case when $14 in ('active', 'ended') then (select id from users where email = $15) end,
                      -- Patients in a course came on a list imported before it started.
                      case when $14 in ('active', 'ended') then now() - interval '300 days' else now() end
                 from centres c where c.code = $1
               on conflict (cpr) do nothing"#,
            centre,
            cpr,
            FIRST[(i as usize) % FIRST.len()],
            LAST[(i as usize * 3) % LAST.len()],
            birth,
            sex,
            format!("Opdigtet Vej {}", i + 1),
            postal_code,
            city,
            format!("+452{:07}", 1_000_000 + i * 13),
            format!("Lægehuset {city}"),
            &DIAGNOSES[(i as usize) % DIAGNOSES.len()]
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            f64::from(40 + (i * 11) % 60) / 100.0,
            status,
            nurse_email,
        )
        .execute(db)
        .await?;
        added += done.rows_affected();
    }
    courses_for_active_patients(db).await?;
    Ok(added)
}

const NOTES: &[&str] = &[
    "Har gået tur tre gange i ugen. Åndenød lidt bedre. Vil gerne tale om medicinen næste gang.",
    "Ked af det efter svigerindens død. Sover dårligt. Vi aftalte at hun ringer til egen læge om søvnen.",
    "Har været til kontrol på hjerteambulatoriet; vægten stabil. Glad for at datteren kommer på søndag.",
    "Usikker på insulindosis ved sygdom. Gennemgik sygedagsreglerne; skriver dem på køleskabet.",
    "Har meldt sig til KOL-holdet i kommunen. Nervøs for første gang; vi taler om det næste gang.",
];
const GOALS: &[&str] = &[
    "Gå til bageren og hjem igen hver dag",
    "Kunne passe barnebarnet om onsdagen",
    "Forstå min medicin, så jeg ikke er i tvivl",
    "Komme til KOL-træning i kommunen",
];

/// Gives every active demo patient without a course one, with calls and notes in the past, a
/// goal, and (depending on the patient) a call booked today, an overdue call, a booked retry
/// after no answer, or nothing booked — so Today is worth clicking through. Only patients with
/// no course get anything, so loading twice changes nothing.
async fn courses_for_active_patients(db: &PgPool) -> anyhow::Result<()> {
    let tz = chrono_tz::Europe::Copenhagen;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let patients = sqlx::query!(
        r#"select p.id, p.nurse_id as "nurse_id!", p.cpr,
                  (select u.id from users u where u.role = 'coordinator' and u.centre_id = p.centre_id limit 1) as coordinator
             from patients p
            where p.status = 'active' and p.nurse_id is not null
              and not exists (select 1 from courses c where c.patient_id = p.id)
            order by p.id"#
    )
    .fetch_all(db)
    .await?;
    // One slot per patient of a nurse, half an hour apart from 09:00.
    let mut slots: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    for (n, p) in patients.iter().enumerate() {
        let slot = slots.entry(p.nurse_id).or_insert(0);
        let minutes = 9 * 60 + *slot * 30;
        *slot += 1;
        let time = chrono::NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).expect("valid time");
        let at = |days: i64| {
            crate::appointments::local_instant(tz, today + chrono::Duration::days(days), time)
                .expect("a demo time exists")
        };
        let started = if n % 11 == 10 {
            285
        } else {
            35 + (n as i64 * 13) % 120
        };
        let by = p.coordinator.unwrap_or(p.nurse_id);
        let mut conn = db.acquire().await?;
        let course = crate::courses::start_course(
            &mut conn,
            p.id,
            p.nurse_id,
            today - chrono::Duration::days(started),
            by,
        )
        .await?;
        // Consent as given at the initial meeting on the course's first day: most to the
        // interview, some to research use.
        crate::courses::consent::record_at_meeting(
            &mut conn,
            course,
            n % 3 != 0,
            n % 4 != 0,
            today - chrono::Duration::days(started),
            by,
            at(-started),
        )
        .await?;
        // The demo patients were made active on insert; date that to the course's start.
        sqlx::query!(
            "update status_changes set at = $2::date + time '10:00', changed_by = $3, reason = $4
              where patient_id = $1 and to_status = 'active'",
            p.id,
            today - chrono::Duration::days(started),
            by,
            crate::courses::REASON_COURSE_STARTED
        )
        .execute(&mut *conn)
        .await?;
        // Two held calls, a fortnight apart, each with its appointment.
        for (k, days) in [-28i64, -14].into_iter().enumerate() {
            let appointment = sqlx::query_scalar!(
                "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at, status, created_by)
                 values ($1, $2, $3, 'call', $4::timestamptz, $4::timestamptz + interval '30 minutes', 'done', $3) returning id",
                p.id,
                course,
                p.nurse_id,
                at(days)
            )
            .fetch_one(&mut *conn)
            .await?;
            let failed = n % 4 == 2 && k == 1;
            sqlx::query!(
                "insert into calls (patient_id, course_id, appointment_id, nurse_id, called_at, outcome,
                                    duration_minutes, topics, note)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                p.id,
                course,
                appointment,
                p.nurse_id,
                at(days) + chrono::Duration::minutes(2),
                if failed { "no_answer" } else { "reached" },
                if failed { 0 } else { 15 + (n as i32 * 7) % 20 },
                &(if failed {
                    vec![]
                } else {
                    vec!["own_goals".to_owned(), "symptoms".to_owned()]
                }),
                if failed { "" } else { NOTES[(n + k) % NOTES.len()] },
            )
            .execute(&mut *conn)
            .await?;
        }
        // The course past nine months waits for its nurse to state why it continues.
        let next = match if started > 270 { 3 } else { n % 4 } {
            0 => Some(0),  // due today
            1 => Some(-2), // overdue
            2 => Some(1),  // a retry booked after no answer
            _ => None,     // nothing booked: a safety net
        };
        if let Some(days) = next {
            sqlx::query!(
                "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at, created_by)
                 values ($1, $2, $3, 'call', $4::timestamptz, $4::timestamptz + interval '30 minutes', $3)",
                p.id,
                course,
                p.nurse_id,
                at(days)
            )
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query!(
            "insert into goals (patient_id, course_id, text, created_by, created_at) values ($1, $2, $3, $4, $5)",
            p.id,
            course,
            GOALS[n % GOALS.len()],
            p.nurse_id,
            at(-28)
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A new API client of OUH with every scope for 90 days, so the FHIR API can be tried at once;
/// returns its token (shown once, like the admin's page does).
pub async fn api_client(db: &PgPool) -> anyhow::Result<String> {
    let centre_id = sqlx::query_scalar!("select id from centres where code = 'OUH'")
        .fetch_one(db)
        .await?;
    let admin = sqlx::query_scalar!("select id from users where email = $1", LOGINS[0].email)
        .fetch_one(db)
        .await?;
    let client = crate::fhir::clients::NewClient {
        name: "Demo platform".to_owned(),
        centre_id,
        scopes: crate::domain::ApiScope::ALL.to_vec(),
        expires_at: crate::clock::Clock::system().now() + chrono::Duration::days(90),
    };
    let (_, token) = crate::fhir::clients::create(db, &client, admin)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo centre OUH is missing"))?;
    Ok(token)
}
