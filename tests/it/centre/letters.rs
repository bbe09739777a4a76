//! Invitation letters: the right person's details and no other's, a valid PDF with one page per
//! letter, and a record of when each was produced.

use axum::http::StatusCode;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

async fn centre_with_address(app: &TestApp) -> i64 {
    let ouh = app.centre("OUH").await;
    sqlx::query("update centres set name = 'Sundhedscoaching Odense', address = 'Sdr. Boulevard 29\n5000 Odense C', phone = '65 41 00 00' where id = $1")
        .bind(ouh)
        .execute(&app.db)
        .await
        .unwrap();
    ouh
}

#[tokio::test]
async fn letters_contain_the_right_persons_details_and_no_others() {
    let app = TestApp::new().await;
    let ouh = centre_with_address(&app).await;
    let room = room(&app, ouh, "Mødelokale Ø").await;
    let a = patient(&app, ouh, "Åse Ærø", "invited", None).await;
    let b = patient(&app, ouh, "Bjørn Østergård", "invited", None).await;
    let c = patient(&app, ouh, "Carl Ikkevalgt", "invited", None).await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let page = admin.get(&format!("/letters?centre={ouh}")).await;
    assert_eq!(page.texts("tbody tr").len(), 3);
    let day = date(10).format("%Y-%m-%d").to_string();
    let response = admin
        .post(
            "/letters",
            &[
                ("centre", &ouh.to_string()),
                ("batch", ""),
                ("date", &day),
                ("time", "09:00"),
                ("minutes", "30"),
                ("room_id", &room.to_string()),
                ("pick", &a.to_string()),
                ("pick", &b.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let print = admin.get(response.location()).await;
    let letters = print.html();
    let selector = scraper::Selector::parse("article.letter").unwrap();
    let letters: Vec<String> = letters
        .select(&selector)
        .map(|e| e.text().collect::<String>())
        .collect();
    assert_eq!(letters.len(), 2, "one letter per person");
    // Letters go out by name: Bjørn, then Åse (Danish Å sorts last; PostgreSQL's collation may differ,
    // so find each letter by its recipient).
    let bjørn = letters.iter().find(|l| l.contains("Bjørn Østergård")).unwrap();
    let åse = letters.iter().find(|l| l.contains("Åse Ærø")).unwrap();
    assert!(!bjørn.contains("Åse") && !bjørn.contains("Ærø") && !bjørn.contains("Carl"));
    assert!(!åse.contains("Bjørn") && !åse.contains("Østergård") && !åse.contains("Carl"));
    for (letter, last) in [(bjørn, "Østergård"), (åse, "Ærø")] {
        assert!(letter.contains(&format!("{last}vej")), "the person's own address");
        assert!(letter.contains("Sundhedscoaching Odense") && letter.contains("Sdr. Boulevard 29"));
        assert!(
            letter.contains("65 41 00 00"),
            "the phone number to change or decline"
        );
        assert!(letter.contains("Mødelokale Ø"));
        assert!(letter.contains(&date(10).format("%d.%m.%Y").to_string()));
    }
    assert!(
        letters.iter().any(|l| l.contains("kl. 09:00")) && letters.iter().any(|l| l.contains("kl. 09:30"))
    );
    // When each letter was produced is recorded.
    let produced: Vec<(i64, bool)> = sqlx::query_as(
        "select patient_id, produced_at > now() - interval '1 minute' from letters order by patient_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(produced, vec![(a, true), (b, true)]);
    admin.state_reason(a).await;
    let page = admin.get(&format!("/patients/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let logged: i64 = sqlx::query_scalar(
        "select count(*) from access_log where action = 'patient.letter' and patient_id = $1",
    )
    .bind(c)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(logged, 0, "only the people written to are logged");
}

#[tokio::test]
async fn the_pdf_is_a_valid_pdf_with_one_page_per_letter_and_the_right_names() {
    let app = TestApp::new().await;
    let ouh = centre_with_address(&app).await;
    let room = room(&app, ouh, "Mødelokale 1").await;
    for name in ["Åse Ærø", "Bjørn Østergård", "Cecilie Ågård"] {
        patient(&app, ouh, name, "invited", None).await;
    }
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let day = date(10).format("%Y-%m-%d").to_string();
    let response = admin
        .post(
            "/letters",
            &[
                ("centre", &ouh.to_string()),
                ("date", &day),
                ("time", "10:00"),
                ("minutes", "45"),
                ("room_id", &room.to_string()),
                ("all", "1"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let run: i64 = response.location().rsplit('/').next().unwrap().parse().unwrap();
    let (status, headers, bytes) = get_bytes(&app, &admin, &format!("/letters/{run}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    // Kept beside the screenshots to look at.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("letters.pdf"), &bytes).unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a valid PDF");
    let pages = document.get_pages();
    assert_eq!(pages.len(), 3, "one page per letter");
    let mut seen = Vec::new();
    for page in pages.keys() {
        let text = document.extract_text(&[*page]).unwrap();
        let names: Vec<&str> = ["Åse Ærø", "Bjørn Østergård", "Cecilie Ågård"]
            .into_iter()
            .filter(|n| text.contains(n))
            .collect();
        assert_eq!(names.len(), 1, "page {page} names exactly one person: {text}");
        assert!(text.contains("65 41 00 00"));
        seen.push(names[0]);
    }
    seen.sort();
    assert_eq!(seen, vec!["Bjørn Østergård", "Cecilie Ågård", "Åse Ærø"]);
}

#[tokio::test]
async fn letters_need_a_room_and_a_future_date_and_only_admins_produce_them() {
    let app = TestApp::new().await;
    let ouh = centre_with_address(&app).await;
    let p = patient(&app, ouh, "Åse Ærø", "invited", None).await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let response = admin
        .post(
            "/letters",
            &[
                ("centre", &ouh.to_string()),
                ("date", "2020-01-01"),
                ("time", "10:00"),
                ("minutes", "30"),
                ("pick", &p.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.texts("#date-error"), vec!["Skriv en dato efter i dag."]);
    assert_eq!(response.texts("#room_id-error"), vec!["Vælg et lokale."]);
    assert!(response.body.contains("value=\"2020-01-01\""));
    let letters: i64 = sqlx::query_scalar("select count(*) from letters")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(letters, 0);
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    assert_eq!(coord.get("/letters").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_letter_runs_never_offer_one_slot_and_a_declined_patients_slot_is_offered_again() {
    use chrono::{Datelike, Duration};
    let app = TestApp::new().await;
    let ouh = centre_with_address(&app).await;
    app.office_hours(ouh).await;
    let room = room(&app, ouh, "Mødelokale 2").await;
    let nurses = [
        app.user("nina@example.test", Role::Nurse, Some(ouh)).await,
        app.user("vera@example.test", Role::Nurse, Some(ouh)).await,
    ];
    let a = patient(&app, ouh, "Åse Ærø", "invited", None).await;
    let b = patient(&app, ouh, "Bjørn Østergård", "invited", None).await;
    let c = patient(&app, ouh, "Cecilie Ågård", "invited", None).await;
    let d = patient(&app, ouh, "Dorte Dalgård", "invited", None).await;
    // From Maundy Thursday next year: the holidays and the weekend are skipped.
    let easter = coachline::domain::calendar::easter_sunday(chrono::Utc::now().year() + 1);
    app.clock.set(crate::course_fixtures::local(
        easter - Duration::days(20),
        "09:00",
    ));
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let run = |picks: Vec<i64>| {
        let mut fields = vec![
            ("centre".to_owned(), ouh.to_string()),
            ("date".to_owned(), (easter - Duration::days(3)).to_string()),
            ("time".to_owned(), "14:00".to_owned()),
            ("minutes".to_owned(), "60".to_owned()),
            ("room_id".to_owned(), room.to_string()),
        ];
        fields.extend(picks.into_iter().map(|p| ("pick".to_owned(), p.to_string())));
        fields
    };
    let proposed = |patient: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
                "select proposed_at from letters where patient_id = $1 order by id desc limit 1",
            )
            .bind(patient)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let at = |days: i64, time: &str| crate::course_fixtures::local(easter + Duration::days(days), time);
    for picks in [vec![a, b], vec![c]] {
        let fields = run(picks);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let made = admin.post("/letters", &fields).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    }
    // Tuesday after Easter at two and three (the day ends at four), then Wednesday for the
    // second run: never the same slot twice.
    let mut times = vec![proposed(a).await, proposed(b).await];
    times.sort();
    assert_eq!(times, vec![at(2, "14:00"), at(2, "15:00")]);
    assert_eq!(proposed(c).await, at(3, "14:00"));
    // Each holds the room and a nurse, the nurses taking turns.
    let held: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "select room_id, nurse_id from letter_holds where released_at is null order by starts_at",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(held.len(), 3);
    assert!(held
        .iter()
        .all(|(r, n)| *r == room && n.is_some_and(|n| nurses.contains(&n))));
    assert_ne!(held[0].1, held[1].1, "two nurses share the day");
    // The database refuses a second hold of the same room at once, whatever the application does.
    let extra: i64 = sqlx::query_scalar(
        "insert into letters (run_id, patient_id, proposed_at, place)
         select run_id, $2, $3, place from letters where patient_id = $1 returning id",
    )
    .bind(c)
    .bind(d)
    .bind(at(3, "14:30"))
    .fetch_one(&app.db)
    .await
    .unwrap();
    let twice = sqlx::query(
        "insert into letter_holds (letter_id, patient_id, room_id, starts_at, ends_at)
         values ($1, $2, $3, $4, $4 + interval '1 hour')",
    )
    .bind(extra)
    .bind(d)
    .bind(room)
    .bind(at(3, "14:30"))
    .execute(&app.db)
    .await;
    assert!(twice.is_err(), "the room is held then");
    // The slot is shown on the invitation page, and Åse declines: her slot is free again.
    let mut coordinator = app
        .signed_in("kim@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coordinator.get(&format!("/patients/{a}/invitation")).await;
    assert_eq!(page.texts("#held").len(), 1, "{}", page.body);
    let declined = coordinator
        .post(
            &format!("/patients/{a}/invitation/response"),
            &[("response", "declined")],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);
    let fields = run(vec![d]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let made = admin.post("/letters", &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    assert_eq!(
        proposed(d).await,
        proposed(a).await,
        "Åse's slot is offered to Dorte"
    );
    // A coordinator frees Bjørn's slot by hand.
    let freed = coordinator
        .post(&format!("/patients/{b}/invitation/free"), &[])
        .await;
    assert_eq!(freed.status, StatusCode::SEE_OTHER);
    let open: i64 =
        sqlx::query_scalar("select count(*) from letter_holds where patient_id = $1 and released_at is null")
            .bind(b)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(open, 0);
}

#[tokio::test]
async fn an_unanswered_invitation_gets_one_reminder_with_a_held_time() {
    let app = TestApp::new().await;
    let ouh = centre_with_address(&app).await;
    room(&app, ouh, "Mødelokale 3").await;
    let p = patient(&app, ouh, "Rasmus Påmind", "invited", None).await;
    let fresh = patient(&app, ouh, "Frida Nybrev", "invited", None).await;
    let run: i64 = sqlx::query_scalar("insert into letter_runs (centre_id) values ($1) returning id")
        .bind(ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    for (patient, days) in [(p, 15), (fresh, 3)] {
        sqlx::query(
            "insert into letters (run_id, patient_id, proposed_at, place, produced_at)
             values ($1, $2, now() - interval '1 day', 'Lokale 1', now() - make_interval(days => $3))",
        )
        .bind(run)
        .bind(patient)
        .bind(days)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let page = admin.get(&format!("/letters?centre={ouh}")).await;
    let due = page.texts("#reminders tbody tr");
    assert_eq!(due.len(), 1, "only the one past the deadline");
    assert!(due[0].contains("Rasmus Påmind"));
    let made = admin
        .post(
            "/letters/reminders",
            &[("centre", &ouh.to_string()), ("pick", &p.to_string())],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let print = admin.get(made.location()).await;
    assert!(print.body.contains("Påmindelse"));
    assert!(print.body.contains("Vi skrev til dig den"));
    // The reminder holds a new time (the first letter's has passed), and is recorded once.
    let held: i64 =
        sqlx::query_scalar("select count(*) from letter_holds where patient_id = $1 and released_at is null")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(held, 1);
    let again = admin.get(&format!("/letters?centre={ouh}")).await;
    assert!(again.texts("#reminders tbody tr").is_empty(), "one reminder only");
    let forged = admin
        .post(
            "/letters/reminders",
            &[("centre", &ouh.to_string()), ("pick", &fresh.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "not due: refused");
    // "No response" waits for the reminder's deadline.
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            &format!("/patients/{p}/invitation/response"),
            &[("response", "no_response")],
        )
        .await;
    assert!(response.texts("#response-error")[0].starts_with("Fristen er ikke udløbet"));
}
