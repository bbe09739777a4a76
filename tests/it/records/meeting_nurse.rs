//! Booking the initial meeting: within the nurse's capacity (the assignment's rule), and the
//! patient's nurse never changed without saying so.

use axum::http::StatusCode;
use coachline::web::Role;

use crate::centre::fixtures::{date, nurse, patient, room, status_and_nurse};
use crate::helpers::TestApp;

fn meeting_with(room: i64, nurse: i64, confirm: bool) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("date", date(5).to_string()),
        ("time", "10:00".to_owned()),
        ("minutes", "60".to_owned()),
        ("room_id", room.to_string()),
        ("nurse_id", nurse.to_string()),
    ];
    if confirm {
        form.push(("move_nurse", "yes".to_owned()));
    }
    form
}

fn fields<'a>(owned: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn meetings(app: &TestApp, patient: i64) -> i64 {
    sqlx::query_scalar("select count(*) from appointments where patient_id = $1 and kind = 'meeting'")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_meeting_is_not_booked_with_a_nurse_who_has_no_room_and_the_page_says_who_the_patient_is_with() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 1).await;
    let olga = nurse(&app, "olga@example.test", "Olga Olsen", ouh, 5).await;
    let room = room(&app, ouh, "Mødelokale 1").await;
    patient(&app, ouh, "Fuld Liste", "active", Some(anna)).await;
    let p = patient(&app, ouh, "Ny Patient", "invited", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let path = format!("/patients/{p}/invitation/meeting");
    let full = coord.post(&path, &fields(&meeting_with(room, anna, false))).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(
        full.texts("#nurse_id-error"),
        vec!["Sygeplejersken har ikke plads til flere patienter. Vælg en anden, eller hæv hendes kapacitet."]
    );
    assert!(
        full.body.contains(&format!("value=\"{}\"", date(5))),
        "what was typed is kept"
    );
    assert_eq!(status_and_nurse(&app, p).await, ("invited".into(), None));
    assert_eq!(meetings(&app, p).await, 0);
    let booked = coord.post(&path, &fields(&meeting_with(room, olga, false))).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    assert_eq!(
        status_and_nurse(&app, p).await,
        ("meeting_booked".into(), Some(olga))
    );
    let page = coord.get(booked.location()).await;
    assert_eq!(
        page.texts("#nurse-notice"),
        vec!["Patienten er nu hos Olga Olsen, fordi det første møde er med hende."]
    );
    // A patient already on Anna's full list still has the meeting with her: nothing is added.
    let hers = patient(&app, ouh, "Annas Patient", "invited", Some(anna)).await;
    sqlx::query("update users set capacity = 2 where id = $1")
        .bind(anna)
        .execute(&app.db)
        .await
        .unwrap();
    let path = format!("/patients/{hers}/invitation/meeting");
    let mut form = meeting_with(room, anna, false);
    form[1].1 = "13:00".into();
    let kept = coord.post(&path, &fields(&form)).await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    assert!(!kept.location().contains("nurse="), "the nurse did not change");
}

#[tokio::test]
async fn a_meeting_with_another_nurse_moves_the_patient_only_when_confirmed_and_the_move_is_kept() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 10).await;
    let olga = nurse(&app, "olga@example.test", "Olga Olsen", ouh, 10).await;
    let room = room(&app, ouh, "Mødelokale 1").await;
    let p = patient(&app, ouh, "Annas Patient", "invited", Some(anna)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let path = format!("/patients/{p}/invitation/meeting");
    let asked = coord.post(&path, &fields(&meeting_with(room, olga, false))).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.texts("#nurse_id-error")[0].starts_with("Patienten har en anden sygeplejerske."));
    assert_eq!(asked.texts("#move_nurse").len(), 1, "the move can be confirmed");
    assert_eq!(status_and_nurse(&app, p).await, ("invited".into(), Some(anna)));
    assert_eq!(meetings(&app, p).await, 0);
    let moved = coord.post(&path, &fields(&meeting_with(room, olga, true))).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(
        status_and_nurse(&app, p).await,
        ("meeting_booked".into(), Some(olga))
    );
    let kept: (i64, i64, Option<String>) =
        sqlx::query_as("select from_nurse_id, to_nurse_id, reason from caseload_moves where patient_id = $1")
            .bind(p)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, (anna, olga, Some("initial_meeting".into())));
    let page = coord.get(moved.location()).await;
    assert_eq!(
        page.texts("#nurse-notice"),
        vec![
            "Patienten er flyttet fra Anna Andersen til Olga Olsen, fordi det første møde er med Olga Olsen."
        ]
    );
    assert!(page.texts("#moves li")[0].contains("første møde booket hos hende"));
    let record = coord.get(&format!("/patients/{p}")).await;
    assert!(record.texts("li.move .entry-head strong")[0].contains("første møde booket hos hende"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_coordinators_booking_a_nurses_last_place_at_the_same_moment_fill_it_once() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 1).await;
    let room = room(&app, ouh, "Mødelokale 1").await;
    let first = patient(&app, ouh, "Første Patient", "invited", None).await;
    let second = patient(&app, ouh, "Anden Patient", "invited", None).await;
    let mut one = app
        .signed_in("one@example.test", Role::Coordinator, Some(ouh))
        .await;
    let mut two = app
        .signed_in("two@example.test", Role::Coordinator, Some(ouh))
        .await;
    let early = meeting_with(room, anna, false);
    let mut late = meeting_with(room, anna, false);
    late[1].1 = "13:00".into();
    let (path_one, path_two) = (
        format!("/patients/{first}/invitation/meeting"),
        format!("/patients/{second}/invitation/meeting"),
    );
    let (fields_one, fields_two) = (fields(&early), fields(&late));
    let (a, b) = tokio::join!(one.post(&path_one, &fields_one), two.post(&path_two, &fields_two));
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::SEE_OTHER]);
    let refused = if a.status == StatusCode::OK { a } else { b };
    assert_eq!(refused.texts("#nurse_id-error").len(), 1);
    let hers: i64 = sqlx::query_scalar("select count(*) from patients where nurse_id = $1")
        .bind(anna)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(hers, 1, "her one place is filled once");
}
