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
