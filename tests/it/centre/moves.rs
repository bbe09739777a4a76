//! Moving caseloads between nurses, and deactivating a nurse.

use axum::http::StatusCode;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

async fn nurse_of_appointment(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar("select nurse_id from appointments where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn moving_a_caseload_moves_its_open_appointments_and_nothing_else() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 20).await;
    let moved = patient(&app, ouh, "Flyttet Patient", "active", Some(anna)).await;
    let stays = patient(&app, ouh, "Bliver Patient", "active", Some(anna)).await;
    let course = course(&app, moved, anna, date(-30)).await;
    let past = appointment(&app, moved, anna, "call", days(-3)).await;
    let future = appointment(&app, moved, anna, "call", days(3)).await;
    let later = appointment(&app, moved, anna, "call", days(10)).await;
    let other = appointment(&app, stays, anna, "call", days(4)).await;
    call(&app, moved, anna, days(-3), "reached", 15).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[
                ("pick", &moved.to_string()),
                ("to", &bent.to_string()),
                ("mode", "permanent"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(status_and_nurse(&app, moved).await.1, Some(bent));
    assert_eq!(status_and_nurse(&app, stays).await.1, Some(anna));
    assert_eq!(nurse_of_appointment(&app, future).await, bent);
    assert_eq!(nurse_of_appointment(&app, later).await, bent);
    // A booking from an earlier day still open goes too: nothing is left with the old nurse.
    assert_eq!(
        nurse_of_appointment(&app, past).await,
        bent,
        "an open earlier booking moves"
    );
    assert_eq!(
        nurse_of_appointment(&app, other).await,
        anna,
        "other patients stay"
    );
    let call_nurse: i64 = sqlx::query_scalar("select nurse_id from calls where patient_id = $1")
        .bind(moved)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(call_nurse, anna, "calls made stay with who made them");
    let course_nurse: i64 = sqlx::query_scalar("select nurse_id from courses where id = $1")
        .bind(course)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(course_nurse, bent, "a permanent move hands over the course");
    let history: (i64, i64, Option<chrono::NaiveDate>, i32) = sqlx::query_as(
        "select from_nurse_id, to_nurse_id, until, appointments_moved from caseload_moves where patient_id = $1",
    )
    .bind(moved)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(history, (anna, bent, None, 3), "the timeline can show the move");
    let page = coord.get(&format!("/patients/{moved}/invitation")).await;
    assert_eq!(page.texts("#moves li").len(), 1);
    assert!(page.texts("#moves li")[0].ends_with("Anna Andersen → Bente Berg"));
}

#[tokio::test]
async fn a_temporary_move_returns_the_patients_and_their_appointments_after_its_end_date() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 20).await;
    let a = patient(&app, ouh, "Ada Ahl", "active", Some(anna)).await;
    let b = patient(&app, ouh, "Bo Bak", "active", Some(anna)).await;
    let future = appointment(&app, a, anna, "call", days(5)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let until = date(7).to_string();
    let response = coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[
                ("all", "1"),
                ("to", &bent.to_string()),
                ("mode", "temporary"),
                ("until", &until),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(status_and_nurse(&app, a).await.1, Some(bent));
    assert_eq!(status_and_nurse(&app, b).await.1, Some(bent));
    assert_eq!(nurse_of_appointment(&app, future).await, bent);
    let page = coord.get(&format!("/nurses/{bent}")).await;
    assert_eq!(page.texts("tbody tr").len(), 2);
    assert!(page.body.contains("Vender tilbage til Anna Andersen"));
    // Bente is told on Today who is new on her list, from whom and until when.
    let mut bente = app.client();
    bente
        .sign_in("bente@example.test", crate::helpers::PASSWORD)
        .await;
    let today = bente.get("/today").await;
    let arrivals = today.texts("#arrivals li");
    assert_eq!(arrivals.len(), 2, "{}", today.body);
    assert!(
        arrivals
            .iter()
            .all(|a| a.contains("fra Anna Andersen") && a.contains("dækker til og med")),
        "{arrivals:?}"
    );
    // Bo has nothing booked: the safety net moves with him to Bente's Today.
    assert_eq!(
        today.texts("#no-call a.patient"),
        vec!["Bo Bak"],
        "{}",
        today.body
    );
    let mut anna_client = app.client();
    anna_client
        .sign_in("anna@example.test", crate::helpers::PASSWORD)
        .await;
    let anna_today = anna_client.get("/today").await;
    assert!(
        anna_today.texts("#arrivals li").is_empty(),
        "nothing came to Anna"
    );
    assert!(
        anna_today.texts("#no-call a.patient").is_empty(),
        "{}",
        anna_today.body
    );
    // The end date passes.
    sqlx::query("update caseload_moves set until = current_date - 2")
        .execute(&app.db)
        .await
        .unwrap();
    coord.get("/centre").await;
    assert_eq!(status_and_nurse(&app, a).await.1, Some(anna));
    assert_eq!(status_and_nurse(&app, b).await.1, Some(anna));
    assert_eq!(nurse_of_appointment(&app, future).await, anna);
    let returned: i64 =
        sqlx::query_scalar("select count(*) from caseload_moves where returned_at is not null")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(returned, 2);
}

#[tokio::test]
async fn a_move_that_would_double_book_the_colleague_is_refused_and_moves_nothing() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 20).await;
    let a = patient(&app, ouh, "Ada Ahl", "active", Some(anna)).await;
    let busy = patient(&app, ouh, "Bente Patient", "active", Some(bent)).await;
    let at = days(2);
    let mine = appointment(&app, a, anna, "call", at).await;
    appointment(&app, busy, bent, "call", at).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[
                ("pick", &a.to_string()),
                ("to", &bent.to_string()),
                ("mode", "permanent"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.texts("p.alert")[0].starts_with("Bente Berg har allerede en aftale"),
        "{:?}",
        response.texts("p.alert")
    );
    assert_eq!(status_and_nurse(&app, a).await.1, Some(anna));
    assert_eq!(nurse_of_appointment(&app, mine).await, anna);
}

#[tokio::test]
async fn a_move_form_without_a_colleague_or_end_date_says_so_and_keeps_the_choice() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 20).await;
    let a = patient(&app, ouh, "Ada Ahl", "active", Some(anna)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[("pick", &a.to_string()), ("mode", "temporary")],
        )
        .await;
    assert_eq!(
        response.texts("#to-error"),
        vec!["Vælg hvem patienterne skal flyttes til."]
    );
    assert_eq!(
        response
            .html()
            .select(&scraper::Selector::parse("input[name='pick'][checked]").unwrap())
            .count(),
        1
    );
    let response = coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[
                ("pick", &a.to_string()),
                ("to", &bent.to_string()),
                ("mode", "temporary"),
            ],
        )
        .await;
    assert_eq!(
        response.texts("#until-error"),
        vec!["Skriv en dato fra i dag og frem."]
    );
    assert_eq!(status_and_nurse(&app, a).await.1, Some(anna));
}

#[tokio::test]
async fn a_coordinator_cannot_read_or_move_another_centres_caseload() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let olga = nurse(&app, "olga@example.test", "Olga Odense", ouh, 20).await;
    let oda = nurse(&app, "oda@example.test", "Oda Odense", ouh, 20).await;
    let karen = nurse(&app, "karen@example.test", "Karen Kolding", kol, 20).await;
    let ouh_patient = patient(&app, ouh, "Otto Odense", "active", Some(olga)).await;
    let kol_patient = patient(&app, kol, "Kaj Kolding", "active", Some(karen)).await;
    let mut kol_coord = app
        .signed_in("kc@example.test", Role::Coordinator, Some(kol))
        .await;
    assert_eq!(
        kol_coord.get(&format!("/nurses/{olga}")).await.status,
        StatusCode::FORBIDDEN
    );
    let response = kol_coord
        .post(
            &format!("/nurses/{olga}/move"),
            &[("all", "1"), ("to", &oda.to_string()), ("mode", "permanent")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    // Her own nurse's patients to another centre's nurse, or another centre's patient via her own nurse.
    let response = kol_coord
        .post(
            &format!("/nurses/{karen}/move"),
            &[("all", "1"), ("to", &olga.to_string()), ("mode", "permanent")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let kol2 = nurse(&app, "kim@example.test", "Kim Kolding", kol, 20).await;
    let response = kol_coord
        .post(
            &format!("/nurses/{karen}/move"),
            &[
                ("pick", &ouh_patient.to_string()),
                ("to", &kol2.to_string()),
                ("mode", "permanent"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(status_and_nurse(&app, ouh_patient).await.1, Some(olga));
    assert_eq!(status_and_nurse(&app, kol_patient).await.1, Some(karen));
    let moves: i64 = sqlx::query_scalar("select count(*) from caseload_moves")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(moves, 0);
}

#[tokio::test]
async fn a_nurse_with_patients_cannot_be_deactivated_until_they_are_moved() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 20).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 20).await;
    let a = patient(&app, ouh, "Ada Ahl", "active", Some(anna)).await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let response = admin
        .post(&format!("/admin/users/{anna}/active"), &[("active", "false")])
        .await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert!(response.texts("#active-error")[0].starts_with("Sygeplejersken har stadig patienter"));
    let active: bool = sqlx::query_scalar("select active from users where id = $1")
        .bind(anna)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(active);
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    coord
        .post(
            &format!("/nurses/{anna}/move"),
            &[
                ("pick", &a.to_string()),
                ("to", &bent.to_string()),
                ("mode", "permanent"),
            ],
        )
        .await;
    let response = admin
        .post(&format!("/admin/users/{anna}/active"), &[("active", "false")])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let active: bool = sqlx::query_scalar("select active from users where id = $1")
        .bind(anna)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!active);
}
