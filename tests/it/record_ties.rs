//! The record ties the product together: links to the invitation, questionnaires and access
//! log where the role may follow them; letters, moves and questionnaire answers on the
//! timeline; and the questionnaires due on Today.

use coachline::web::Role;

use crate::course_fixtures::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_record_links_invitation_questionnaires_and_access_only_for_roles_that_may_follow() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let invited = patient(&app, w.ouh, "0303481111", "Ulla", "Undervejs").await;
    let record = w.nurse.get(&format!("/patients/{invited}")).await;
    assert_eq!(record.texts("#invitation-link"), vec!["Invitation og møde"]);
    for link in ["#invitation-link", "#questionnaires-link", "#access-link"] {
        let href = record
            .html()
            .select(&scraper::Selector::parse(link).unwrap())
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_owned))
            .unwrap();
        assert_eq!(w.nurse.get(&href).await.status, 200, "{link} leads nowhere");
    }
    // Once the course runs, the same link is where the invitation's history lives.
    let active = w.nurse.get(&format!("/patients/{}", w.patient)).await;
    assert_eq!(active.texts("#invitation-link"), vec!["Invitationshistorik"]);
    // An admin may open the record but not the invitation page: no link to it.
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    admin.state_reason(invited).await;
    let seen = admin.get(&format!("/patients/{invited}")).await;
    assert!(seen.texts("#invitation-link").is_empty());
    assert_eq!(seen.texts("#questionnaires-link").len(), 1);
    assert_eq!(seen.texts("#access-link").len(), 1);
    assert_eq!(
        admin.get(&format!("/patients/{invited}/invitation")).await.status,
        403
    );
}

#[tokio::test]
async fn the_timeline_shows_letters_caseload_moves_and_questionnaire_answers() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let other = app.user("olga@example.test", Role::Nurse, Some(w.ouh)).await;
    sqlx::query("update users set name = 'Olga Opdigt' where id = $1")
        .bind(other)
        .execute(&app.db)
        .await
        .unwrap();
    let run: i64 = sqlx::query_scalar("insert into letter_runs (centre_id) values ($1) returning id")
        .bind(w.ouh)
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into letters (run_id, patient_id, proposed_at, place, produced_at)
         values ($1, $2, now() - interval '100 days', 'Lokale 1', now() - interval '120 days')",
    )
    .bind(run)
    .bind(w.patient)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into caseload_moves (patient_id, from_nurse_id, to_nurse_id, until, moved_at)
         values ($1, $2, $3, current_date + 7, now() - interval '2 days')",
    )
    .bind(w.patient)
    .bind(w.nurse_id)
    .bind(other)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on,
                                              raw_score, score, recorded_by)
         select $1, (select id from courses where patient_id = $1), id, 'start', current_date - 80, 15, 60, $2
           from instruments where code = 'who5'",
    )
    .bind(w.patient)
    .bind(w.nurse_id)
    .execute(&app.db)
    .await
    .unwrap();
    let record = w.nurse.get(&format!("/patients/{}", w.patient)).await;
    let heads = record.texts("#timeline li.entry .entry-head strong");
    let letter = heads.iter().find(|h| h.starts_with("Invitationsbrev dannet"));
    assert!(letter.is_some_and(|h| h.contains("foreslår")), "{heads:?}");
    let moved = heads.iter().find(|h| h.starts_with("Flyttet"));
    assert!(moved.is_some_and(|h| h.contains("→ Olga Opdigt")), "{heads:?}");
    let answered = heads.iter().find(|h| h.contains("score 60"));
    assert!(answered.is_some_and(|h| h.contains("WHO-5")), "{heads:?}");
    assert_eq!(record.texts("#timeline li.entry.questionnaire").len(), 1);
    // Newest first: the move (two days ago) above the letter (four months ago).
    let at = |p: &dyn Fn(&String) -> bool| heads.iter().position(p).unwrap();
    assert!(at(&|h| h.starts_with("Flyttet")) < at(&|h| h.starts_with("Invitationsbrev")));
}

#[tokio::test]
async fn today_lists_the_questionnaires_due_with_a_count_and_a_link_to_the_form() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    // Fifteen weeks in: the three-month questionnaire is due; the world's KOL patient is not hers.
    let due = active(&app, w.ouh, w.nurse_id, "0404481111", "Dorte", "Dueholm", 15).await;
    let today = w.nurse.get("/today").await;
    let count = today.texts("#count-questionnaires strong");
    let rows = today.texts("#questionnaires tbody tr");
    assert_eq!(count, vec![rows.len().to_string()]);
    assert!(rows.iter().any(|r| r.contains("Dorte Dueholm")), "{rows:?}");
    assert!(!rows.iter().any(|r| r.contains("Koldingsen")), "{rows:?}");
    let link = format!("/patients/{due}/questionnaires?timepoint=month3");
    assert!(today.body.contains(&link.replace('&', "&amp;")) || today.body.contains(&link));
    assert_eq!(w.nurse.get(&link).await.status, 200);
    // Answered: nothing more is due for her.
    sqlx::query(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select $1, (select id from courses where patient_id = $1), id, 'month3', current_date, 2, 2 from instruments",
    )
    .bind(due)
    .execute(&app.db)
    .await
    .unwrap();
    let rows = w.nurse.get("/today").await.texts("#questionnaires tbody tr");
    assert!(!rows.iter().any(|r| r.contains("Dueholm")), "{rows:?}");
}
