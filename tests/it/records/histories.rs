//! A referral's results and a goal's changes keep their history, append-only like the notes.

use axum::http::StatusCode;

use crate::course_fixtures::{today, world};
use crate::helpers::TestApp;

async fn refused(app: &TestApp, sql: &str) -> bool {
    sqlx::query(sql).execute(&app.db).await.is_err()
}

#[tokio::test]
async fn a_referrals_results_are_added_beneath_it_and_never_written_over() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(
            &format!("/patients/{id}/referrals"),
            &[
                ("kind", "municipality"),
                ("on_date", &today().to_string()),
                ("purpose", "Hjemmehjælp til indkøb"),
                ("result", "Visitation bestilt"),
            ],
        )
        .await;
    let referral: i64 = sqlx::query_scalar("select id from referrals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let path = format!("/referrals/{referral}/result");
    let added = w.nurse.post(&path, &[("result", "Bevilget fra januar")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let empty = w.nurse.post(&path, &[("result", "  ")]).await;
    assert!(empty.location().contains("problem=referral_result"));
    let results: Vec<(String, Option<i64>)> =
        sqlx::query_as("select result, recorded_by from referral_results where referral_id = $1 order by id")
            .bind(referral)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        results,
        vec![
            ("Visitation bestilt".into(), Some(w.nurse_id)),
            ("Bevilget fra januar".into(), Some(w.nurse_id))
        ]
    );
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    let shown = record.texts("li.referral .referral-result p");
    assert_eq!(
        shown,
        vec!["Visitation bestilt", "Bevilget fra januar"],
        "oldest first"
    );
    assert!(refused(&app, "update referral_results set result = 'Afslag'").await);
    assert!(refused(&app, "delete from referral_results").await);
    assert!(refused(&app, "update referrals set purpose = 'Noget andet'").await);
    assert!(refused(&app, "delete from referrals").await);
}

#[tokio::test]
async fn every_version_of_a_goal_is_kept_and_no_version_or_progress_can_be_changed_or_deleted() {
    let app = TestApp::new().await;
    let mut w = world(&app).await;
    let id = w.patient;
    w.nurse
        .post(&format!("/patients/{id}/goals"), &[("text", "Gå til bageren")])
        .await;
    let goal: i64 = sqlx::query_scalar("select id from goals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    w.nurse
        .post(&format!("/goals/{goal}/progress"), &[("rating", "4")])
        .await;
    w.nurse
        .post(&format!("/goals/{goal}/close"), &[("status", "achieved")])
        .await;
    // Even a change made outside the application is kept as a new version.
    sqlx::query("update goals set text = 'Gå til bageren og tilbage'")
        .execute(&app.db)
        .await
        .unwrap();
    let versions: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "select text, status, changed_by from goal_changes where goal_id = $1 order by at, id",
    )
    .bind(goal)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        versions,
        vec![
            ("Gå til bageren".into(), "open".into(), Some(w.nurse_id)),
            ("Gå til bageren".into(), "achieved".into(), Some(w.nurse_id)),
            ("Gå til bageren og tilbage".into(), "achieved".into(), None),
        ]
    );
    let record = w.nurse.get(&format!("/patients/{id}")).await;
    let heads = record.texts("ol.timeline .entry-head strong");
    for head in ["Mål sat", "Mål nået", "Mål ændret", "Fremskridt · 4/10"] {
        assert!(heads.contains(&head.to_owned()), "{head}: {heads:?}");
    }
    assert_eq!(
        record.texts("li.goal_changed p.muted"),
        vec!["Før: “Gå til bageren”"]
    );
    assert!(refused(&app, "update goal_changes set text = 'x'").await);
    assert!(refused(&app, "delete from goal_changes").await);
    assert!(refused(&app, "delete from goals").await);
    assert!(refused(&app, "update goal_progress set rating = 9").await);
    assert!(refused(&app, "delete from goal_progress").await);
}
