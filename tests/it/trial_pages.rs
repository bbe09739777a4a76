//! The trial's pages for researchers answer its questions with the figures a statistician
//! computes from the export alone: outcomes by arm over time, resource use, and the CONSORT
//! diagram. Each test computes its figures here, independently of the product's code, from the
//! export's CSV files, and compares them with what the page shows.

use std::collections::HashMap;

use axum::http::StatusCode;
use coachline::research::Filter;
use coachline::web::Role;

use crate::centre::fixtures::{course, date, nurse, patient};
use crate::follow_up::arm;
use crate::helpers::TestApp;
use crate::research::{rows, run, KEY};

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&app.db).await.unwrap();
}

async fn id(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

fn all_time(centres: Vec<i64>) -> Filter {
    Filter {
        from: "2000-01-01".parse().unwrap(),
        to: date(0),
        centres,
    }
}

/// A score recorded at a study follow-up point (and the follow-up's id).
async fn at_follow_up(app: &TestApp, p: i64, timepoint: &str, on: i64, scores: &[(&str, f64)]) -> i64 {
    let f = id(app, &format!(
        "insert into follow_ups (patient_id, timepoint, result, mode, on_date) values ({p}, '{timepoint}', 'answered', 'phone', current_date + {on}) returning id"
    )).await;
    for (instrument, score) in scores {
        exec(app, &format!(
            "insert into questionnaire_responses (patient_id, follow_up_id, instrument_id, timepoint, answered_on, raw_score, score)
             select {p}, {f}, id, 'follow_up', current_date + {on}, {score}, {score} from instruments where code = '{instrument}'"
        )).await;
    }
    f
}

/// A score a nurse recorded in a course; returns the response's id.
async fn in_course(
    app: &TestApp,
    p: i64,
    k: i64,
    timepoint: &str,
    on: i64,
    instrument: &str,
    score: f64,
) -> i64 {
    id(app, &format!(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select {p}, {k}, id, '{timepoint}', current_date + {on}, {score}, {score} from instruments where code = '{instrument}' returning id"
    )).await
}

/// 12 intervention and 12 control people randomised 150 days ago: baseline and 3 months are
/// due, 6 and 12 months not yet. Half the intervention arm answered in their course, the rest
/// at follow-up points; one course answer and one follow-up were corrected; one control
/// person was not reached at baseline; self-rated health only from four people.
async fn trial(app: &TestApp) -> i64 {
    let ouh = app.centre("OUH").await;
    let anna = nurse(app, "anna@example.test", "Anna Andersen", ouh, 60).await;
    for i in 0..12_i64 {
        let p = patient(app, ouh, &format!("Ida Indsats{i}"), "active", Some(anna)).await;
        arm(app, p, "intervention").await;
        exec(app, &format!("update patients set created_at = (current_date - 150)::timestamp at time zone 'Europe/Copenhagen' where id = {p}")).await;
        let base = 40.0 + (i * 7 % 23) as f64 * 2.0;
        let later = base + (i * 5 % 17) as f64 - 2.0;
        if i < 6 {
            let k = course(app, p, anna, date(-148)).await;
            let wrong = if i == 1 { base - 20.0 } else { base };
            let first = in_course(app, p, k, "start", -145, "who5", wrong).await;
            if i == 1 {
                // The first answer was mistyped and corrected: the correction counts.
                exec(app, &format!(
                    "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score, amends, amend_reason)
                     select {p}, {k}, instrument_id, 'start', current_date - 145, {base}, {base}, id, 'mistyped' from questionnaire_responses where id = {first}"
                )).await;
            }
            in_course(app, p, k, "month3", -56, "who5", later).await;
            if i < 4 {
                in_course(app, p, k, "start", -145, "self_rated_health", 3.0).await;
            }
        } else {
            at_follow_up(app, p, "baseline", -140, &[("who5", base)]).await;
            at_follow_up(app, p, "month3", -50, &[("who5", later)]).await;
        }
    }
    for i in 0..12_i64 {
        let p = patient(app, ouh, &format!("Kaj Kontrol{i}"), "invited", None).await;
        arm(app, p, "control").await;
        exec(app, &format!("update patients set created_at = (current_date - 150)::timestamp at time zone 'Europe/Copenhagen' where id = {p}")).await;
        let base = 44.0 + (i * 5 % 19) as f64 * 2.0;
        let later = base + (i * 3 % 11) as f64 - 5.0;
        if i == 11 {
            exec(app, &format!(
                "insert into follow_ups (patient_id, timepoint, result, on_date) values ({p}, 'baseline', 'not_reached', current_date - 140)"
            )).await;
            continue;
        }
        at_follow_up(
            app,
            p,
            "baseline",
            -140,
            &[("who5", base), ("self_rated_health", 2.0 + (i % 3) as f64)],
        )
        .await;
        let wrong = if i == 0 { later + 30.0 } else { later };
        let f = at_follow_up(app, p, "month3", -50, &[("who5", wrong)]).await;
        if i == 0 {
            // The 3-month answer was recorded from the wrong form: corrected.
            let g = id(app, &format!(
                "insert into follow_ups (patient_id, timepoint, result, mode, on_date, amends, reason) values ({p}, 'month3', 'answered', 'phone', current_date - 50, {f}, 'wrong form') returning id"
            )).await;
            exec(app, &format!(
                "insert into questionnaire_responses (patient_id, follow_up_id, instrument_id, timepoint, answered_on, raw_score, score)
                 select {p}, {g}, id, 'follow_up', current_date - 50, {later}, {later} from instruments where code = 'who5'"
            )).await;
        }
    }
    ouh
}

/// Student's t quantile by a route of its own: P(|T| <= t) = ∫₀^atan(t/√ν) cos^(ν-1) / ∫₀^(π/2)
/// cos^(ν-1), both by Simpson's rule, then bisection.
fn t975(df: f64) -> f64 {
    let integral = |to: f64| {
        let n = 4000;
        let h = to / n as f64;
        let f = |x: f64| x.cos().powf(df - 1.0);
        let inner: f64 = (1..n)
            .map(|k| f(k as f64 * h) * if k % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        (f(0.0) + inner + f(to)) * h / 3.0
    };
    let whole = integral(std::f64::consts::FRAC_PI_2);
    let (mut lo, mut hi) = (0.0, 100.0);
    for _ in 0..80 {
        let mid: f64 = (lo + hi) / 2.0;
        if integral((mid / df.sqrt()).atan()) / whole < 0.95 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (
        m,
        (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

/// A number as the page shows it, back to f64 (Danish comma, true minus sign).
fn number(text: &str) -> f64 {
    text.trim()
        .replace(',', ".")
        .replace('−', "-")
        .replace('+', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text:?}"))
}

fn close(shown: &str, computed: f64, decimals: i32, what: &str) {
    let tolerance = 0.5 * 10f64.powi(-decimals) + 1e-9;
    assert!(
        (number(shown) - computed).abs() <= tolerance,
        "{what}: page {shown}, computed {computed}"
    );
}

#[tokio::test]
async fn the_outcomes_by_arm_on_the_page_equal_what_is_computed_from_the_export() {
    let app = TestApp::new().await;
    let ouh = trial(&app).await;
    let files = run(&app, all_time(vec![ouh]), KEY).await;

    // Each person's score per point and instrument, from the export alone.
    let timepoints = rows(&files["timepoints.csv"]);
    let answers = rows(&files["questionnaires.csv"]);
    let score = |person: &str, tp: &[String], instrument: &str| -> Option<f64> {
        let mut found: Vec<&Vec<String>> = answers
            .iter()
            .filter(|a| a[0] == person && a[2] == instrument && a[10] == "yes")
            .filter(|a| match tp[9].as_str() {
                "follow_up" => a[8] == tp[2],
                "course" => !a[1].is_empty() && a[4] >= tp[4] && a[4] <= tp[5],
                _ => false,
            })
            .collect();
        found.sort_by_key(|a| (a[4].clone(), a[7].parse::<i64>().unwrap()));
        found.first().map(|a| a[6].parse().unwrap())
    };
    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    let page = researcher.get("/research/outcomes").await;
    assert_eq!(page.status, StatusCode::OK);
    let cell = |table: &str, instrument: &str, tp: &str, arm: &str, figure: &str| {
        let arm = if arm.is_empty() {
            String::new()
        } else {
            format!("[data-arm='{arm}']")
        };
        let selector = format!("table.{table}[data-instrument='{instrument}'] tr[data-timepoint='{tp}'] td{arm}[data-figure='{figure}']");
        page.texts(&selector)
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("{selector}"))
    };
    let inner = |table: &str, instrument: &str, tp: &str, arm: &str, figure: &str, part: &str| {
        let arm = if arm.is_empty() {
            String::new()
        } else {
            format!("[data-arm='{arm}']")
        };
        let selector = format!("table.{table}[data-instrument='{instrument}'] tr[data-timepoint='{tp}'] td{arm}[data-figure='{figure}'] .{part}");
        page.texts(&selector)
            .first()
            .cloned()
            .unwrap_or_else(|| panic!("{selector}"))
    };

    let mut checked = 0;
    for (instrument, decimals) in [("who5", 1), ("self_rated_health", 2)] {
        let mut by: HashMap<(String, String), HashMap<String, f64>> = HashMap::new();
        for tp_code in ["baseline", "month3", "month6", "month12"] {
            for arm in ["intervention", "control"] {
                let here: Vec<&Vec<String>> = timepoints
                    .iter()
                    .filter(|t| t[1] == arm && t[2] == tp_code)
                    .collect();
                let due = here.iter().filter(|t| t[6] != "not_yet_due").count() as i64;
                let scores: HashMap<String, f64> = here
                    .iter()
                    .filter_map(|t| score(&t[0], t, instrument).map(|s| (t[0].clone(), s)))
                    .collect();
                let n = scores.len() as i64;
                let shown = |n: i64| {
                    if (1..5).contains(&n) {
                        "<5".to_owned()
                    } else {
                        n.to_string()
                    }
                };
                assert_eq!(
                    cell("outcome-table", instrument, tp_code, arm, "due"),
                    shown(due),
                    "{instrument} {tp_code} {arm} due"
                );
                assert_eq!(
                    cell("outcome-table", instrument, tp_code, arm, "answered"),
                    shown(n),
                    "{instrument} {tp_code} {arm} answered"
                );
                if n >= 5 {
                    let values: Vec<f64> = scores.values().copied().collect();
                    let (m, sd) = mean_sd(&values);
                    let half = t975(n as f64 - 1.0) * sd / (n as f64).sqrt();
                    close(
                        &cell("outcome-table", instrument, tp_code, arm, "mean"),
                        m,
                        decimals,
                        "mean",
                    );
                    close(
                        &inner("outcome-table", instrument, tp_code, arm, "ci", "low"),
                        m - half,
                        decimals,
                        "low",
                    );
                    close(
                        &inner("outcome-table", instrument, tp_code, arm, "ci", "high"),
                        m + half,
                        decimals,
                        "high",
                    );
                    assert_eq!(
                        cell("outcome-table", instrument, tp_code, arm, "complete"),
                        format!("{} %", (100.0 * n as f64 / due as f64).round())
                    );
                    checked += 1;
                } else {
                    assert_eq!(cell("outcome-table", instrument, tp_code, arm, "mean"), "–");
                }
                by.insert((tp_code.to_owned(), arm.to_owned()), scores);
            }
        }
        // The change from baseline per arm, and Welch's difference between the arms.
        for tp_code in ["month3", "month6", "month12"] {
            let changes = |arm: &str| -> Vec<f64> {
                let base = &by[&("baseline".to_owned(), arm.to_owned())];
                by[&(tp_code.to_owned(), arm.to_owned())]
                    .iter()
                    .filter_map(|(p, s)| base.get(p).map(|b| s - b))
                    .collect()
            };
            let (a, b) = (changes("intervention"), changes("control"));
            if a.len() >= 5 && b.len() >= 5 {
                let ((ma, sa), (mb, sb)) = (mean_sd(&a), mean_sd(&b));
                let (va, vb) = (sa * sa / a.len() as f64, sb * sb / b.len() as f64);
                let df =
                    (va + vb).powi(2) / (va * va / (a.len() as f64 - 1.0) + vb * vb / (b.len() as f64 - 1.0));
                let half = t975(df) * (va + vb).sqrt();
                close(
                    &cell("change-table", instrument, tp_code, "", "difference"),
                    ma - mb,
                    decimals,
                    "difference",
                );
                close(
                    &inner("change-table", instrument, tp_code, "", "difference-ci", "low"),
                    ma - mb - half,
                    decimals,
                    "difference low",
                );
                close(
                    &inner("change-table", instrument, tp_code, "", "difference-ci", "high"),
                    ma - mb + half,
                    decimals,
                    "difference high",
                );
                checked += 1;
            } else {
                assert_eq!(cell("change-table", instrument, tp_code, "", "difference"), "–");
            }
        }
    }
    assert_eq!(checked, 6, "WHO-5 at two points in both arms, self-rated health of the control arm at baseline, and the WHO-5 difference at 3 months are shown");
    // Self-rated health: four intervention people only, suppressed; control shown.
    assert_eq!(
        cell(
            "outcome-table",
            "self_rated_health",
            "baseline",
            "intervention",
            "answered"
        ),
        "<5"
    );
    assert_eq!(
        cell(
            "outcome-table",
            "self_rated_health",
            "baseline",
            "control",
            "answered"
        ),
        "11"
    );
    assert!(page.body.contains("<svg") && page.body.contains("data-timepoint=\"month3\""));
    if let Ok(dir) = std::env::var("DUMP_PAGES") {
        std::fs::write(format!("{dir}/outcomes.html"), &page.body).unwrap();
    }
    assert!(
        !page.body.contains("Indsats0") && !page.body.contains("Kontrol0"),
        "no names"
    );
}

/// Two centres: at OUH, Anna follows six patients (one course ended, one started before the
/// period, calls of all outcomes, a call by Berit while covering) and Berit two; at KOL, Carl
/// five. Held and cancelled meetings, referrals in and out of a course.
async fn centres_at_work(app: &TestApp) -> (i64, i64) {
    let ouh = app.centre("OUH").await;
    let kol = app.centre("KOL").await;
    let anna = nurse(app, "anna@example.test", "Anna Andersen", ouh, 60).await;
    let berit = nurse(app, "berit@example.test", "Berit Berg", ouh, 60).await;
    let carl = nurse(app, "carl@example.test", "Carl Carlsen", kol, 60).await;
    let outcomes = ["reached", "no_answer", "reached", "voicemail"];
    for (centre, who, n, cover) in [
        (ouh, anna, 6, Some(berit)),
        (ouh, berit, 2, None),
        (kol, carl, 5, None),
    ] {
        for i in 0..n {
            let p = patient(
                app,
                centre,
                &format!("Ole Ressource{who}x{i}"),
                "active",
                Some(who),
            )
            .await;
            let start = date(-150 + 20 * i);
            let k = course(app, p, who, start).await;
            for c in 0..(i + 2) {
                let caller = if c == 1 { cover.unwrap_or(who) } else { who };
                exec(app, &format!(
                    "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, duration_minutes)
                     values ({p}, {k}, {caller}, (current_date - {d})::timestamp at time zone 'Europe/Copenhagen' + interval '10 hours', '{o}', {m})",
                    d = 5 + 11 * c, o = outcomes[(c % 4) as usize], m = if c % 4 == 0 || c % 4 == 2 { 10 + 3 * c + i } else { 0 }
                )).await;
            }
            exec(app, &format!(
                "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at, place, status, outcome_recorded_at)
                 values ({p}, {who}, 'meeting', ('{start}'::date - 7)::timestamp at time zone 'Europe/Copenhagen' + interval '10 hours',
                         ('{start}'::date - 7)::timestamp at time zone 'Europe/Copenhagen' + interval '11 hours', 'Lokale 1', '{s}',
                         ('{start}'::date - 7)::timestamp at time zone 'Europe/Copenhagen' + interval '12 hours')",
                s = if i == 2 { "cancelled" } else { "done" }
            )).await;
            if i % 2 == 0 {
                exec(app, &format!(
                    "insert into referrals (patient_id, course_id, kind, on_date, purpose) values ({p}, {k}, 'municipality', current_date - {d}, 'Træning')",
                    d = 3 + i
                )).await;
            }
            if i == 1 {
                exec(app, &format!("update courses set end_date = current_date - 2, end_reason = 'completed' where id = {k}")).await;
                exec(app, &format!(
                    "insert into referrals (patient_id, kind, on_date, purpose) values ({p}, 'gp', current_date - 10, 'Efter forløbet')"
                )).await;
            }
        }
    }
    (ouh, kol)
}

#[tokio::test]
async fn resource_use_on_the_page_equals_what_is_computed_from_the_export() {
    let app = TestApp::new().await;
    let (ouh, kol) = centres_at_work(&app).await;
    let (from, to) = (date(-90), date(0));
    let files = run(
        &app,
        Filter {
            from,
            to,
            centres: vec![ouh, kol],
        },
        KEY,
    )
    .await;

    // From the export alone: the centre of each patient, then each file's rows.
    let centre_of: HashMap<String, String> = rows(&files["patients.csv"])
        .into_iter()
        .map(|r| (r[0].clone(), r[7].clone()))
        .collect();
    let courses = rows(&files["courses.csv"]);
    let nurse_of_course: HashMap<String, String> =
        courses.iter().map(|r| (r[1].clone(), r[6].clone())).collect();
    #[derive(Default, Debug)]
    struct Sum {
        patients: std::collections::HashSet<String>,
        days: i64,
        calls: i64,
        minutes: i64,
        meetings: i64,
        referrals: i64,
    }
    let mut sums: HashMap<String, Sum> = HashMap::new();
    let day = |t: &str| t.parse::<chrono::NaiveDate>().unwrap();
    for k in &courses {
        let end = if k[4].is_empty() { to } else { day(&k[4]).min(to) };
        let days = (end - day(&k[2]).max(from)).num_days() + 1;
        if days > 0 {
            for group in ["", centre_of[&k[0]].as_str(), k[6].as_str()] {
                let s = sums.entry(group.to_owned()).or_default();
                s.patients.insert(k[0].clone());
                s.days += days;
            }
        }
    }
    for c in rows(&files["calls.csv"]) {
        for group in ["", centre_of[&c[0]].as_str(), c[6].as_str()] {
            let s = sums.entry(group.to_owned()).or_default();
            s.calls += 1;
            s.minutes += c[4].parse::<i64>().unwrap();
        }
    }
    for m in rows(&files["meetings.csv"])
        .into_iter()
        .filter(|m| m[3] == "done")
    {
        for group in ["", centre_of[&m[0]].as_str(), m[5].as_str()] {
            sums.entry(group.to_owned()).or_default().meetings += 1;
        }
    }
    for r in rows(&files["referrals.csv"]) {
        let nurse = nurse_of_course.get(&r[1]).cloned().unwrap_or_default();
        let groups = if nurse.is_empty() {
            vec!["".to_owned(), centre_of[&r[0]].clone()]
        } else {
            vec!["".to_owned(), centre_of[&r[0]].clone(), nurse]
        };
        for group in groups {
            sums.entry(group).or_default().referrals += 1;
        }
    }

    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    let page = researcher
        .get(&format!("/research/resources?from={from}&to={to}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    if let Ok(dir) = std::env::var("DUMP_PAGES") {
        std::fs::write(format!("{dir}/resources.html"), &page.body).unwrap();
    }
    let mut shown_groups = 0;
    for (group, s) in &sums {
        let by = if group.is_empty() || group == "OUH" || group == "KOL" {
            "centre"
        } else {
            "nurse"
        };
        let cell = |figure: &str| {
            let selector =
                format!("table.usage[data-by='{by}'] tr[data-group='{group}'] td[data-figure='{figure}']");
            let found = page.texts(&selector);
            found.first().cloned().unwrap_or_else(|| panic!("{selector}"))
        };
        let group_cell = |figure: &str| {
            if group.is_empty() {
                let selector = format!("table.usage[data-by='centre'] tr.total td[data-figure='{figure}']");
                page.texts(&selector)
                    .first()
                    .cloned()
                    .unwrap_or_else(|| panic!("{selector}"))
            } else {
                cell(figure)
            }
        };
        let patients = s.patients.len() as i64;
        if patients < 5 {
            assert_eq!(
                group_cell("patients"),
                if patients == 0 {
                    "0".to_owned()
                } else {
                    "<5".to_owned()
                },
                "{group}"
            );
            assert_eq!(group_cell("calls_rate"), "–", "{group} is suppressed");
            continue;
        }
        let months = s.days as f64 / (365.25 / 12.0);
        assert_eq!(group_cell("patients"), patients.to_string(), "{group}");
        close(&group_cell("patient_months"), months, 1, "patient-months");
        for (figure, count) in [
            ("calls", s.calls),
            ("minutes", s.minutes),
            ("meetings", s.meetings),
            ("referrals", s.referrals),
        ] {
            assert_eq!(group_cell(figure), count.to_string(), "{group} {figure}");
            close(
                &group_cell(&format!("{figure}_rate")),
                count as f64 / months,
                2,
                figure,
            );
        }
        shown_groups += 1;
    }
    assert_eq!(
        shown_groups, 5,
        "all, OUH, KOL, Anna and Carl are shown; Berit's two patients are not"
    );
    assert!(
        !page.body.contains("Ole Ressource")
            && !page.body.contains("Berit Berg")
            && !page.body.contains("Anna Andersen"),
        "no names"
    );
}

/// The trial's pages are the researchers' (and admins', who hold the export): nobody who
/// works with identified patients or follows up the control arm opens them.
#[tokio::test]
async fn only_researchers_and_admins_open_the_trials_pages() {
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let pages = [
        "/research/outcomes",
        "/research/resources",
        "/research/consort.svg",
        "/research/consort.pdf",
    ];
    for (email, role) in [
        ("n@example.test", Role::Nurse),
        ("c@example.test", Role::Coordinator),
        ("ra@example.test", Role::ResearchAssistant),
    ] {
        let mut client = app.signed_in(email, role, Some(ouh)).await;
        for path in pages {
            assert_eq!(
                client.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{role:?} {path}"
            );
        }
    }
    for (email, role) in [
        ("r@example.test", Role::Researcher),
        ("a@example.test", Role::Admin),
    ] {
        let mut client = app.signed_in(email, role, None).await;
        for path in &pages[..2] {
            assert_eq!(client.get(path).await.status, StatusCode::OK, "{role:?} {path}");
        }
    }
}

/// Every text of an SVG document, parsed as XML (a broken document fails here).
fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut current = String::new();
    let mut depth = 0_i32;
    loop {
        let event = reader.read_event().expect("the SVG is well-formed XML");
        match &event {
            quick_xml::events::Event::Text(t) => current.push_str(t),
            quick_xml::events::Event::GeneralRef(r) => current.push_str(match r.as_ref() {
                "lt" => "<",
                "gt" => ">",
                "amp" => "&",
                "quot" => "\"",
                _ => "'",
            }),
            _ if !current.is_empty() => texts.push(std::mem::take(&mut current)),
            _ => {}
        }
        match event {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    texts
}

#[tokio::test]
async fn the_consort_diagram_downloads_as_svg_and_pdf_with_the_flows_numbers() {
    let app = TestApp::new().await;
    let ouh = trial(&app).await;
    for i in 0..7 {
        patient(&app, ouh, &format!("Ulla Ulodtrukket{i}"), "invited", None).await;
    }
    let mut researcher = app.signed_in("r@example.test", Role::Researcher, None).await;
    researcher.accept_language = Some("en");

    // The numbers as the flow has them: 31 assessed, 7 not randomised, 24 randomised, 12 per
    // arm, 6 intervention people in a course; at baseline 12 and 11 answered, 1 not reached.
    let svg = researcher.get("/research/consort.svg?centre=OUH").await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.header("content-type").starts_with("image/svg+xml"));
    assert!(svg.header("content-disposition").contains("consort-OUH-"));
    let texts = svg_texts(&svg.body);
    let all = texts.join("\n");
    for expected in [
        "n = 31",
        "n = 7",
        "n = 24",
        "Allocated to: Intervention",
        "Allocated to: Control",
        "Received the intervention (a course): 6",
        "Received the intervention (a course): 0",
        "Baseline: n = 12",
        "Baseline: n = 11",
        "Baseline: <5",
        "Lost to follow-up",
    ] {
        assert!(texts.iter().any(|t| t.trim() == expected), "{expected} in {all}");
    }
    assert!(
        !all.contains("Ulodtrukket") && !all.contains("Indsats0"),
        "no names"
    );
    let total = researcher.get("/research/consort.svg").await;
    assert!(svg_texts(&total.body)
        .iter()
        .any(|t| t.contains("All call centres")));
    assert_eq!(
        researcher.get("/research/consort.svg?centre=XYZ").await.status,
        StatusCode::NOT_FOUND
    );

    let pdf = researcher.get("/research/consort.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    let document = lopdf::Document::load_mem(&pdf.bytes).expect("a valid PDF");
    let pages = document.get_pages();
    assert_eq!(pages.len(), 2, "all centres, then OUH");
    for page in pages.keys() {
        let text = document.extract_text(&[*page]).unwrap();
        for expected in [
            "n = 31",
            "n = 24",
            "Allocated to: Intervention",
            "Received the intervention (a course): 6",
            "Baseline: n = 11",
        ] {
            assert!(text.contains(expected), "{expected} on page {page}: {text}");
        }
    }
    if let Ok(dir) = std::env::var("DUMP_PAGES") {
        std::fs::write(format!("{dir}/consort.svg"), &svg.body).unwrap();
        std::fs::write(format!("{dir}/consort.pdf"), &pdf.bytes).unwrap();
    }
    // The research page draws the flow of all centres.
    let page = researcher.get("/research").await;
    assert!(page.body.contains("class=\"consort-diagram\""));
}

/// The patient-experience questionnaire is offered to the nurse when the course ends, not at
/// its start nor at the study's follow-up points, and its answers reach the export item by item.
#[tokio::test]
async fn the_patient_experience_questionnaire_is_asked_at_the_end_and_exported_item_by_item() {
    let app = TestApp::new().await;
    let s = crate::research::seed(&app).await;
    let due = || async {
        coachline::questionnaires::due_for_nurse(
            &app.db,
            s.nurse,
            app.clock.today(chrono_tz::Europe::Copenhagen),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.patient_id, d.timepoint.as_str().to_owned()))
        .collect::<Vec<_>>()
    };
    exec(
        &app,
        "update courses set start_date = current_date, planned_end = current_date + 200 where id = 102",
    )
    .await;
    exec(&app, &format!(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select {anna}, 102, i.id, 'start', current_date, 2, 2 from instruments i where i.code in ('who5', 'self_rated_health')
            and not exists (select 1 from questionnaire_responses r where r.course_id = 102 and r.instrument_id = i.id and r.timepoint = 'start')",
        anna = s.anna
    )).await;
    assert!(due().await.is_empty(), "not asked at the start");
    exec(&app, "update courses set ending_planned = true where id = 102").await;
    exec(&app, &format!(
        "insert into questionnaire_responses (patient_id, course_id, instrument_id, timepoint, answered_on, raw_score, score)
         select {anna}, 102, id, 'end', current_date, 2, 2 from instruments where code in ('who5', 'self_rated_health')",
        anna = s.anna
    )).await;
    assert_eq!(
        due().await,
        vec![(s.anna, "end".to_owned())],
        "the experience is still to ask at the end"
    );

    // The nurse records it on the patient's page like any questionnaire.
    let mut nurse = app.client();
    nurse
        .sign_in("nurse@example.test", crate::helpers::PASSWORD)
        .await;
    let page = nurse
        .get(&format!(
            "/patients/{}/questionnaires?timepoint=end&instrument=patient_experience",
            s.anna
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("The nurse listened to me")
            || page.body.contains("Sygeplejersken lyttede til mig")
    );
    let items: Vec<i64> = crate::follow_up::items(&app, "patient_experience").await;
    let values = ["5", "4", "5", "3"];
    let mut fields: Vec<(String, String)> = vec![
        ("instrument".into(), "patient_experience".into()),
        ("timepoint".into(), "end".into()),
        ("answered_on".into(), date(0).to_string()),
    ];
    for (item, value) in items.iter().zip(values) {
        fields.push((format!("item_{item}"), value.to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = nurse
        .post(&format!("/patients/{}/questionnaires", s.anna), &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(due().await.is_empty());

    let files = run(&app, all_time(vec![s.ouh]), KEY).await;
    let answers: Vec<Vec<String>> = rows(&files["questionnaire_items.csv"])
        .into_iter()
        .filter(|r| r[2] == "patient_experience")
        .collect();
    assert_eq!(
        answers.iter().map(|r| r[3].as_str()).collect::<Vec<_>>(),
        ["1", "2", "3", "4"]
    );
    assert_eq!(answers.iter().map(|r| r[4].as_str()).collect::<Vec<_>>(), values);
    let scores = rows(&files["questionnaires.csv"]);
    let score = scores
        .iter()
        .find(|r| r[2] == "patient_experience")
        .expect("its score is exported");
    assert_eq!(
        (score[3].as_str(), score[6].parse::<f64>().unwrap()),
        ("end", 4.25)
    );
}
