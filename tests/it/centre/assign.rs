//! The centre page and assigning patients to nurses.

use axum::http::StatusCode;
use coachline::web::Role;

use super::fixtures::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_centre_page_shows_each_nurse_with_caseload_calls_this_week_and_overdue_calls() {
    let app = TestApp::new().await;
    // This week and overdue are counted around a Wednesday noon, whatever hour the test runs.
    let now = midweek();
    app.clock.set(now);
    let ouh = app.centre("OUH").await;
    let nina = nurse(&app, "nina@example.test", "Nina Nielsen", ouh, 10).await;
    let p = patient(&app, ouh, "Inge Ibsen", "active", Some(nina)).await;
    patient(&app, ouh, "Ole Olsen", "active", Some(nina)).await;
    call(&app, p, nina, now - chrono::Duration::minutes(5), "reached", 20).await;
    appointment(&app, p, nina, "call", now - chrono::Duration::days(1)).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get("/centre").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = page.texts("table.nurses tbody tr");
    assert_eq!(row.len(), 1);
    let cells = page.texts("table.nurses tbody td");
    assert_eq!(cells[0], "Nina Nielsen");
    assert!(cells[1].ends_with("2 / 10"), "{cells:?}");
    assert_eq!(cells[3], "8", "free capacity");
    assert_eq!(cells[4], "1", "calls this week");
    assert_eq!(cells[5], "1", "overdue calls");
    assert_eq!(page.texts("table.nurses meter").len(), 1);
}

#[tokio::test]
async fn the_suggestion_is_the_nurse_with_most_free_capacity_and_fills_up_as_it_goes() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 3).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 4).await;
    patient(&app, ouh, "Aktiv Person", "active", Some(bent)).await;
    patient(&app, ouh, "Aktiv Toperson", "active", Some(bent)).await;
    // Anna: 3 free, Bente: 2 free.
    let first = patient(&app, ouh, "Første Ventende", "invited", None).await;
    let second = patient(&app, ouh, "Anden Ventende", "invited", None).await;
    let third = patient(&app, ouh, "Tredje Ventende", "invited", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get("/centre").await;
    let chosen = |id: i64| page.texts(&format!("select[name='nurse_{id}'] option[selected]"));
    assert_eq!(chosen(first)[0], "Anna Andersen (3)");
    // After the first, both have 2 free: the tie goes by name.
    assert!(chosen(second)[0].starts_with("Anna Andersen"));
    assert!(chosen(third)[0].starts_with("Bente Berg"), "{:?}", chosen(third));
    let _ = anna;
}

#[tokio::test]
async fn suggestions_keep_a_municipality_with_the_same_nurse_when_asked() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    nurse(&app, "anna@example.test", "Anna Andersen", ouh, 50).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 10).await;
    let known = patient(&app, ouh, "Kendt Patient", "active", Some(bent)).await;
    municipality(&app, known, "Nyborg").await;
    let new = patient(&app, ouh, "Ny Patient", "invited", None).await;
    municipality(&app, new, "Nyborg").await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let plain = coord.get("/centre").await;
    assert!(plain.texts(&format!("select[name='nurse_{new}'] option[selected]"))[0].starts_with("Anna"));
    let kept = coord.get("/centre?keep=municipality").await;
    assert!(kept.texts(&format!("select[name='nurse_{new}'] option[selected]"))[0].starts_with("Bente"));
}

#[tokio::test]
async fn many_patients_are_assigned_in_one_step_each_to_the_chosen_nurse() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 5).await;
    let bent = nurse(&app, "bente@example.test", "Bente Berg", ouh, 5).await;
    let a = patient(&app, ouh, "Ada Ahl", "invited", None).await;
    let b = patient(&app, ouh, "Bo Bak", "invited", None).await;
    let c = patient(&app, ouh, "Cai Cold", "invited", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let (a_s, b_s, anna_s, bent_s) = (a.to_string(), b.to_string(), anna.to_string(), bent.to_string());
    let response = coord
        .post(
            "/centre/assign",
            &[
                ("pick", &a_s),
                ("pick", &b_s),
                (&format!("nurse_{a}"), &anna_s),
                (&format!("nurse_{b}"), &bent_s),
                (&format!("nurse_{c}"), &anna_s),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert_eq!(status_and_nurse(&app, a).await.1, Some(anna));
    assert_eq!(status_and_nurse(&app, b).await.1, Some(bent));
    assert_eq!(status_and_nurse(&app, c).await.1, None, "not picked");
    let page = coord.get(response.location()).await;
    assert_eq!(page.texts("p.notice"), vec!["2 patienter er tildelt."]);
    // One at a time with the row's own button.
    let response = coord
        .post(
            "/centre/assign",
            &[("only", &c.to_string()), (&format!("nurse_{c}"), &bent_s)],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(status_and_nurse(&app, c).await.1, Some(bent));
    // Bente is told on Today that two patients were assigned to her this week.
    let mut bente = app.client();
    bente
        .sign_in("bente@example.test", crate::helpers::PASSWORD)
        .await;
    let arrivals = bente.get("/today").await.texts("#arrivals li");
    assert_eq!(arrivals.len(), 2, "{arrivals:?}");
    assert!(arrivals.iter().all(|a| a.contains("tildelt dig")), "{arrivals:?}");
}

#[tokio::test]
async fn assigning_beyond_a_nurses_capacity_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 2).await;
    patient(&app, ouh, "Aktiv Person", "active", Some(anna)).await;
    let a = patient(&app, ouh, "Ada Ahl", "invited", None).await;
    let b = patient(&app, ouh, "Bo Bak", "invited", None).await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let anna_s = anna.to_string();
    let response = coord
        .post(
            "/centre/assign",
            &[
                ("pick", &a.to_string()),
                ("pick", &b.to_string()),
                (&format!("nurse_{a}"), &anna_s),
                (&format!("nurse_{b}"), &anna_s),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.texts("p.alert"),
        vec!["Anna Andersen har kun plads til 1 patienter mere. Intet er ændret."]
    );
    assert_eq!(status_and_nurse(&app, a).await.1, None);
    assert_eq!(status_and_nurse(&app, b).await.1, None);
}

#[tokio::test]
async fn a_coordinator_cannot_assign_patients_or_nurses_of_another_centre() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let ouh_nurse = nurse(&app, "olga@example.test", "Olga Odense", ouh, 10).await;
    let kol_nurse = nurse(&app, "karen@example.test", "Karen Kolding", kol, 10).await;
    let ouh_patient = patient(&app, ouh, "Otto Odense", "invited", None).await;
    let kol_patient = patient(&app, kol, "Kaj Kolding", "invited", None).await;
    let mut kol_coord = app
        .signed_in("kc@example.test", Role::Coordinator, Some(kol))
        .await;
    let page = kol_coord.get("/centre").await;
    assert!(
        !page.body.contains("Otto"),
        "another centre's patient is not listed"
    );
    let response = kol_coord
        .post(
            "/centre/assign",
            &[
                ("only", &ouh_patient.to_string()),
                (&format!("nurse_{ouh_patient}"), &kol_nurse.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = kol_coord
        .post(
            "/centre/assign",
            &[
                ("only", &kol_patient.to_string()),
                (&format!("nurse_{kol_patient}"), &ouh_nurse.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(status_and_nurse(&app, ouh_patient).await.1, None);
    assert_eq!(status_and_nurse(&app, kol_patient).await.1, None);
}

#[tokio::test]
async fn nurses_and_admins_do_not_reach_the_coordinators_pages() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let mut nurse = app.signed_in("n@example.test", Role::Nurse, Some(ouh)).await;
    let mut admin = app.signed_in("a@example.test", Role::Admin, None).await;
    for path in ["/centre", "/nurses", "/safety-nets", "/overview", "/centre/rooms"] {
        assert_eq!(nurse.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(admin.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_coordinator_keeps_her_centres_rooms_and_cannot_touch_anothers() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let kol_room = room(&app, kol, "Mødelokale K").await;
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let response = coord
        .post(
            "/centre/rooms",
            &[("name", "Mødelokale 2"), ("address", "Sdr. Boulevard 29")],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let again = coord
        .post("/centre/rooms", &[("name", "mødelokale 2"), ("address", "x")])
        .await;
    assert_eq!(
        again.texts("p.alert"),
        vec!["Centret har allerede et lokale med det navn."]
    );
    assert!(
        again.body.contains("value=\"mødelokale 2\""),
        "what was typed is kept"
    );
    let page = coord.get("/centre/rooms").await;
    assert!(page.body.contains("Mødelokale 2"));
    assert!(!page.body.contains("Mødelokale K"));
    let response = coord
        .post(&format!("/centre/rooms/{kol_room}"), &[("name", "Overtaget")])
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let name: String = sqlx::query_scalar("select name from centre_rooms where id = $1")
        .bind(kol_room)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Mødelokale K");
}

#[tokio::test]
async fn the_centre_page_shows_the_hundred_who_have_waited_longest_and_how_many_wait() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    nurse(&app, "anna@example.test", "Anna Andersen", ouh, 500).await;
    let mut waiting = Vec::new();
    for i in 0..102 {
        waiting.push(patient(&app, ouh, &format!("Ventende Nummer{i:03}"), "invited", None).await);
    }
    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let page = coord.get("/centre").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("table.assign tbody tr").len(), 100);
    let heading = page.texts("#assign h2").join(" ");
    assert!(heading.contains("(102)"), "{heading}");
    assert!(page.texts("#waiting-more").join(" ").contains("100"));
    // The longest waiting are shown; the last two come when these have a nurse.
    assert!(page.body.contains(&format!("pick-{}\"", waiting[0])));
    assert!(!page.body.contains(&format!("pick-{}\"", waiting[101])));
}
