//! The effect study's control group is never coached: a randomised control person appears on no
//! worklist, letter run, assignment list, caseload count or safety net, and the invitation page
//! refuses to act on them; an intervention person in the same place appears everywhere.

use coachline::web::Role;

use crate::centre::fixtures::*;
use crate::helpers::TestApp;

async fn arm(app: &TestApp, patient: i64, arm: &str) {
    sqlx::query("update patients set arm = $2 where id = $1")
        .bind(patient)
        .bind(arm)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_control_person_appears_on_no_worklist_while_an_intervention_person_does() {
    let app = TestApp::new().await;
    // "Earlier today" and "this week" around a Wednesday noon, whatever hour the test runs.
    let now = midweek();
    app.clock.set(now);
    let ouh = app.centre("OUH").await;
    let anna = nurse(&app, "anna@example.test", "Anna Andersen", ouh, 50).await;
    // Each pair is alike but for the arm: an active course past six months with a call due
    // earlier today (Today, My patients, the week, the six-month safety net, caseloads) ...
    let mut active = Vec::new();
    for (name, which, before) in [("Ida Indsats", "intervention", 5), ("Kaj Kontrol", "control", 45)] {
        let p = patient(&app, ouh, name, "active", Some(anna)).await;
        course(&app, p, anna, date(-200)).await;
        appointment(&app, p, anna, "call", now - chrono::Duration::minutes(before)).await;
        // ... and a call left open three days ago (the overdue net, the centre's count).
        appointment(
            &app,
            p,
            anna,
            "call",
            now - chrono::Duration::days(3) - chrono::Duration::minutes(before),
        )
        .await;
        arm(&app, p, which).await;
        active.push(p);
    }
    // ... and an invited person without a nurse (the unassigned list, letters).
    let mut invited = Vec::new();
    for (name, which) in [
        ("Ivan Inviteret", "intervention"),
        ("Klara Kontrolsen", "control"),
    ] {
        let p = patient(&app, ouh, name, "invited", None).await;
        arm(&app, p, which).await;
        invited.push(p);
    }
    let shows = |body: &str, name: &str| body.contains(name);

    let mut nina = app.client();
    nina.sign_in("anna@example.test", crate::helpers::PASSWORD).await;
    for path in ["/today", "/my-patients", "/week"] {
        let body = nina.get(path).await.body;
        assert!(shows(&body, "Indsats"), "{path} lacks the intervention person");
        assert!(!shows(&body, "Kontrol"), "{path} shows the control person");
    }

    let mut coord = app
        .signed_in("coord@example.test", Role::Coordinator, Some(ouh))
        .await;
    let centre = coord.get("/centre").await.body;
    assert!(
        shows(&centre, "Inviteret") && !shows(&centre, "Kontrolsen"),
        "unassigned list"
    );
    let nurses = coord.get("/nurses").await;
    let row = nurses.texts("tbody tr").join(" | ");
    assert!(row.contains("Anna Andersen"), "{row}");
    let caseload = coord.get(&format!("/nurses/{anna}")).await.body;
    assert!(
        shows(&caseload, "Indsats") && !shows(&caseload, "Kaj Kontrol"),
        "caseload to move"
    );
    let nets = coord.get("/safety-nets").await.body;
    assert!(
        shows(&nets, "Indsats") && !shows(&nets, "Kaj Kontrol"),
        "safety nets"
    );
    let overview = coord.get("/overview").await;
    assert!(
        overview.body.contains("Kontrolgruppe"),
        "the overview counts controls apart"
    );
    // The caseload and overdue calls count only the intervention person.
    let counts = nurses.texts("tbody tr td");
    assert!(counts.iter().any(|t| t.ends_with("1 / 50")), "{counts:?}");
    let overdue = nurses.texts("tbody tr td.overdue");
    assert_eq!(overdue, vec!["1"], "{counts:?}");

    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let letters = admin.get(&format!("/letters?centre={ouh}")).await.body;
    assert!(
        shows(&letters, "Inviteret") && !shows(&letters, "Kontrolsen"),
        "letter run"
    );

    // The invitation page shows the control person's history but refuses to act.
    let page = coord.get(&format!("/patients/{}/invitation", invited[1])).await;
    assert_eq!(page.texts("#control-notice").len(), 1);
    let refused = coord
        .post(
            &format!("/patients/{}/invitation/response", invited[1]),
            &[("response", "declined"), ("reason", "")],
        )
        .await;
    assert!(
        refused.body.contains("kontrolgruppe og skal ikke have forløb"),
        "{}",
        refused.body
    );
    assert_eq!(status_and_nurse(&app, invited[1]).await.0, "invited");
    for (action, fields) in [
        (
            "meeting",
            vec![("date", "2030-01-07"), ("time", "10:00"), ("minutes", "45")],
        ),
        (
            "outcome",
            vec![("outcome", "starts"), ("start_date", "2030-01-07")],
        ),
    ] {
        let refused = coord
            .post(&format!("/patients/{}/invitation/{action}", invited[1]), &fields)
            .await;
        assert!(
            refused.body.contains("kontrolgruppe og skal ikke have forløb"),
            "{action}"
        );
    }
    assert_eq!(
        status_and_nurse(&app, invited[1]).await,
        ("invited".to_owned(), None)
    );
    let accepted = coord
        .post(
            &format!("/patients/{}/invitation/response", invited[0]),
            &[("response", "declined"), ("reason", "")],
        )
        .await;
    assert!(!accepted.body.contains("kontrolgruppe"));
    assert_eq!(status_and_nurse(&app, invited[0]).await.0, "declined");
    // A forged assignment of the control person is refused.
    let forged = coord
        .post(
            "/centre/assign",
            &[
                ("pick", &invited[1].to_string()),
                (&format!("nurse_{}", invited[1]), &anna.to_string()),
            ],
        )
        .await;
    assert_eq!(forged.status, axum::http::StatusCode::BAD_REQUEST);
    assert_eq!(status_and_nurse(&app, invited[1]).await.1, None);
    let _ = active;
}
