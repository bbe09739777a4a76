//! The export answers the trial's questions: the trial's files, every column in the dictionary
//! with its type, nothing that identifies a person, and the CONSORT flow that the research page
//! shows equal to what a statistician computes from the export alone.

use std::collections::{HashMap, HashSet};

use coachline::research::Filter;
use coachline::web::Role;

use crate::centre::fixtures::{course, date, nurse, patient};
use crate::follow_up::arm;
use crate::helpers::TestApp;
use crate::research::{rows, run, seed, KEY, SECRETS};

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db).await.unwrap();
}

fn all_time(centres: Vec<i64>) -> Filter {
    Filter {
        from: "2000-01-01".parse().unwrap(),
        to: date(0),
        centres,
    }
}

#[tokio::test]
async fn every_file_and_column_of_the_export_is_in_the_dictionary_with_its_type_and_nothing_identifies_a_person(
) {
    let app = TestApp::new().await;
    let s = seed(&app).await;
    let other = app.user("other@example.test", Role::Nurse, Some(s.ouh)).await;
    // Goals with words and progress with a comment, a meeting with a place, a letter, a cover
    // and consent: none of their words may reach the export.
    exec(&app, &format!(
        "with g as (insert into goals (patient_id, course_id, text, status, created_at) values
                      ({anna}, 102, 'Gå til datterens bryllup', 'open', '2026-02-10 10:00+01') returning id)
         insert into goal_progress (goal_id, rating, comment, at) select id, 6, 'Hemmelig note om fremskridt', '2026-03-01 10:00+01' from g",
        anna = s.anna
    )).await;
    exec(&app, &format!(
        "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at, place, status, outcome_recorded_at) values
           ({anna}, {nurse}, 'meeting', '2026-01-20 10:00+01', '2026-01-20 10:45+01', 'Strandvej 12', 'done', '2026-01-20 11:00+01')",
        anna = s.anna, nurse = s.nurse
    )).await;
    exec(
        &app,
        &format!(
            "with r as (insert into letter_runs (centre_id) values ({ouh}) returning id)
         insert into letters (run_id, patient_id, proposed_at, place, produced_at)
         select id, {bent}, '2026-02-03 10:00+01', 'Strandvej 12', '2026-01-12 09:00+01' from r",
            ouh = s.ouh,
            bent = s.bent
        ),
    )
    .await;
    exec(
        &app,
        &format!(
            "insert into caseload_moves (patient_id, from_nurse_id, to_nurse_id, until, moved_at) values
           ({anna}, {nurse}, {other}, '2026-04-01', '2026-03-15 09:00+01')",
            anna = s.anna,
            nurse = s.nurse
        ),
    )
    .await;
    // Consent given at the meeting; research use withdrawn later, which keeps the first.
    exec(
        &app,
        &format!(
            "insert into consent_events (course_id, kind, given, consent_on, recorded_by, recorded_at) values
           (102, 'course', true, '2026-02-01', {nurse}, '2026-02-01 10:00+01'),
           (102, 'interview', true, '2026-02-01', {nurse}, '2026-02-01 10:00+01'),
           (102, 'research', true, '2026-02-01', {nurse}, '2026-02-01 10:00+01'),
           (102, 'research', false, '2026-03-10', {nurse}, '2026-03-12 09:00+01')",
            nurse = s.nurse
        ),
    )
    .await;
    exec(&app, &format!(
        "insert into questionnaire_answers (response_id, item_id, value)
         select r.id, it.id, it.position from questionnaire_responses r join instrument_items it on it.instrument_id = r.instrument_id
          where r.patient_id = {anna}",
        anna = s.anna
    )).await;
    let files = run(&app, all_time(vec![s.ouh, s.kol]), KEY).await;

    let dictionary = rows(&files["data_dictionary.csv"]);
    assert_eq!(
        files["data_dictionary.csv"].lines().next().unwrap(),
        "file,column,type,meaning"
    );
    let documented: HashSet<&str> = dictionary.iter().map(|r| r[0].as_str()).collect();
    for (name, text) in &files {
        if name == "data_dictionary.csv" {
            continue;
        }
        assert!(
            documented.contains(name.as_str()),
            "{name} is not in the dictionary"
        );
        let header = text.lines().next().unwrap_or_default();
        let columns: Vec<&str> = dictionary
            .iter()
            .filter(|r| r[0] == *name)
            .map(|r| r[1].as_str())
            .collect();
        assert_eq!(
            header,
            columns.join(","),
            "{name}'s header is its dictionary's columns"
        );
        for secret in SECRETS.iter().chain(&["datterens bryllup", "fremskridt"]) {
            assert!(!text.contains(secret), "{name} contains {secret}");
        }
    }
    for row in &dictionary {
        assert!(!row[2].is_empty() && !row[3].is_empty(), "{row:?}");
    }
    // The domain's codes come from its vocabularies.
    let meaning = |file: &str, column: &str| {
        dictionary
            .iter()
            .find(|r| r[0] == file && r[1] == column)
            .map(|r| r[3].clone())
            .unwrap()
    };
    assert!(meaning("timepoints.csv", "state").contains("not_reached"));
    assert!(meaning("questionnaires.csv", "timepoint").contains("follow_up"));
    assert!(meaning("goals.csv", "status").contains("achieved"));

    let goals = rows(&files["goals.csv"]);
    assert_eq!(
        goals[0][1..],
        ["102", goals[0][2].as_str(), "2026-02-10", "open", ""].map(String::from)
    );
    assert_eq!(
        rows(&files["goal_progress.csv"])[0][2..],
        ["2026-03-01", "6"].map(String::from)
    );
    let meetings = rows(&files["meetings.csv"]);
    assert_eq!(meetings[0][2..5], ["2026-01-20", "done", "45"].map(String::from));
    assert_eq!(
        rows(&files["letters.csv"])[0][1..],
        ["2026-01-12", "2026-02-03"].map(String::from)
    );
    let moves = rows(&files["caseload_moves.csv"]);
    assert_eq!(moves[0][1], "2026-03-15");
    assert_eq!(moves[0][4], "2026-04-01");
    let consent: Vec<Vec<String>> = rows(&files["consent.csv"])
        .into_iter()
        .filter(|r| r[1] == "102")
        .collect();
    assert_eq!(
        consent[0][2..],
        ["yes", "2026-02-01", "yes", "2026-02-01", "no", "2026-03-10"].map(String::from)
    );
    let events: Vec<Vec<String>> = rows(&files["consent_events.csv"])
        .into_iter()
        .filter(|r| r[1] == "102")
        .map(|r| r[2..].to_vec())
        .collect();
    assert_eq!(
        events,
        [
            ["course", "yes", "2026-02-01", "2026-02-01"],
            ["interview", "yes", "2026-02-01", "2026-02-01"],
            ["research", "yes", "2026-02-01", "2026-02-01"],
            ["research", "no", "2026-03-10", "2026-03-12"],
        ]
        .map(|r| r.map(String::from).to_vec())
    );
    let items = rows(&files["questionnaire_items.csv"]);
    assert_eq!(items.len(), 5);
    assert_eq!(
        items.iter().map(|r| r[4].as_str()).collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5"]
    );
    // Status history: the course's start as the clinical date next to the date of entry.
    let statuses = rows(&files["status_history.csv"]);
    assert_eq!(
        dictionary.iter().filter(|r| r[0] == "status_history.csv").count(),
        statuses.first().map_or(5, Vec::len)
    );
}

/// A centre with 7 intervention people (5 in a course who answered at the course's start, 2
/// who declined) and 6 control people (5 answered at baseline, 1 not reached), and 2 people
/// on a list that was not randomised.
async fn trial(app: &TestApp) -> i64 {
    let ouh = app.centre("OUH").await;
    let anna = nurse(app, "anna@example.test", "Anna Andersen", ouh, 60).await;
    for i in 0..7 {
        let status = if i < 5 { "active" } else { "declined" };
        let p = patient(
            app,
            ouh,
            &format!("Ida Indsats{i}"),
            status,
            (i < 5).then_some(anna),
        )
        .await;
        if i < 5 {
            let k = course(app, p, anna, date(0)).await;
            exec(app, &format!(
                "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
                 select {p}, {k}, id, 'start', current_date, 13, 52 from instruments where code = 'who5'"
            )).await;
        }
        arm(app, p, "intervention").await;
    }
    for i in 0..6 {
        let p = patient(app, ouh, &format!("Kaj Kontrol{i}"), "invited", None).await;
        arm(app, p, "control").await;
        let result = if i < 5 {
            "'answered', 'phone'"
        } else {
            "'not_reached', null"
        };
        exec(app, &format!(
            "insert into follow_ups (patient_id, timepoint, result, mode, on_date) values ({p}, 'baseline', {result}, current_date)"
        )).await;
    }
    for i in 0..2 {
        patient(app, ouh, &format!("Ulla Ulodtrukket{i}"), "invited", None).await;
    }
    ouh
}

#[tokio::test]
async fn the_consort_flow_on_the_research_page_equals_what_is_computed_from_the_export() {
    let app = TestApp::new().await;
    let ouh = trial(&app).await;
    let files = run(&app, all_time(vec![ouh]), KEY).await;

    // What a statistician computes from the export alone.
    let patients = rows(&files["patients.csv"]);
    let arm_of: HashMap<String, String> = patients.iter().map(|r| (r[0].clone(), r[9].clone())).collect();
    let randomised = |arm: &str| patients.iter().filter(|r| r[9] == arm).count() as i64;
    let started: HashSet<String> = rows(&files["courses.csv"])
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let received = |arm: &str| started.iter().filter(|p| arm_of[*p] == arm).count() as i64;
    let timepoints = rows(&files["timepoints.csv"]);
    let at = |timepoint: &str, state: &str, arm: &str| {
        timepoints
            .iter()
            .filter(|r| r[2] == timepoint && r[6] == state && r[1] == arm)
            .count() as i64
    };
    let computed = [
        ("assessed", "", "", "", patients.len() as i64),
        ("randomised", "", "intervention", "", randomised("intervention")),
        ("randomised", "", "control", "", randomised("control")),
        ("received", "", "intervention", "", received("intervention")),
        (
            "follow_up",
            "baseline",
            "intervention",
            "answered",
            at("baseline", "answered", "intervention"),
        ),
        (
            "follow_up",
            "baseline",
            "control",
            "answered",
            at("baseline", "answered", "control"),
        ),
        (
            "follow_up",
            "baseline",
            "control",
            "not_reached",
            at("baseline", "not_reached", "control"),
        ),
        (
            "follow_up",
            "month3",
            "control",
            "not_yet_due",
            at("month3", "not_yet_due", "control"),
        ),
    ];
    assert_eq!(
        computed.iter().map(|c| c.4).collect::<Vec<_>>(),
        [15, 7, 6, 5, 5, 5, 1, 6],
        "the export holds the seeded trial"
    );
    assert_eq!(received("control"), 0, "the control arm is never coached");

    // The export's own flow says the same, in total and for the centre.
    let consort = rows(&files["consort.csv"]);
    let n = |centre: &str, step: &str, timepoint: &str, arm: &str, reason: &str| {
        consort
            .iter()
            .filter(|r| r[0] == centre && r[1] == step && r[2] == arm && r[3] == timepoint && r[4] == reason)
            .map(|r| r[5].parse::<i64>().unwrap())
            .sum::<i64>()
    };
    for (step, timepoint, arm, reason, expected) in computed {
        assert_eq!(
            n("", step, timepoint, arm, reason),
            expected,
            "{step} {timepoint} {arm} {reason}"
        );
        assert_eq!(n("OUH", step, timepoint, arm, reason), expected, "{step} at OUH");
    }
    assert_eq!(n("", "not_received", "", "intervention", "declined"), 2);

    // And so does the research page, with counts under five suppressed.
    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    let page = researcher.get("/research").await;
    let cell = |step: &str, timepoint: &str, reason: &str, arm: &str| {
        let selector = format!(
            "table.flow[data-centre=''] tr[data-step='{step}'][data-timepoint='{timepoint}'][data-reason='{reason}'] td[data-arm='{arm}']"
        );
        page.texts(&selector)
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("{selector}"))
    };
    for (step, timepoint, arm, reason, expected) in computed {
        let shown = cell(step, timepoint, reason, arm);
        if (1..5).contains(&expected) {
            assert_eq!(shown, "<5", "{step} {arm}");
        } else {
            assert_eq!(shown, expected.to_string(), "{step} {timepoint} {arm} {reason}");
        }
    }
    assert_eq!(cell("not_received", "", "declined", "intervention"), "<5");
    assert!(
        !page.body.contains("Indsats0")
            && !page.body.contains("Kontrol0")
            && !page.body.contains("Ulodtrukket"),
        "no names on the page"
    );
}
