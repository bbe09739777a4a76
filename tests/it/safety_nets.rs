//! The safety nets as a coordinator trusts them: a centre where each way of losing a patient
//! happens once, built around an instant the application clock is set to, and for each page
//! exactly which patients must appear in which net and which must not. Run on a Saturday, a
//! Sunday, both daylight-saving days of 2027 and the last day of the year.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Copenhagen;
use coachline::web::Role;

use crate::fixtures::NewPatient;
use crate::helpers::{Client, TestApp, PASSWORD};

/// A local Copenhagen date at `HH:MM` as an instant.
fn local(date: NaiveDate, time: &str) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
    coachline::appointments::local_instant(Copenhagen, date, time).unwrap()
}

/// The instant of a local date and time, written as `YYYY-MM-DD HH:MM`.
fn at(text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    Copenhagen
        .from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// One centre seeded around `now`, with the patient ids by the way each can be lost.
struct Centre {
    centre: i64,
    nina: i64,
    olga: i64,
    patients: BTreeMap<&'static str, i64>,
}

struct Seed<'a> {
    app: &'a TestApp,
    centre: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
    n: usize,
    /// Bookings made so far per day, so no two share a slot.
    per_day: BTreeMap<i64, i64>,
}

impl Seed<'_> {
    /// An active patient of `nurse` whose course started `start`.
    async fn patient(&mut self, nurse: i64, start: NaiveDate) -> i64 {
        self.n += 1;
        let id = NewPatient::new(
            self.centre,
            format!("0505{:06}", 500_000 + self.n),
            "Opdigtet",
            &format!("Patient{:02}", self.n),
        )
        .born("1950-05-05")
        .status("active")
        .nurse(Some(nurse))
        .invited_at(local(start, "09:00") - Duration::days(30))
        .insert(&self.app.db)
        .await;
        sqlx::query(
            "insert into courses (patient_id, nurse_id, start_date, planned_end)
             values ($1, $2, $3, $3 + interval '6 months')",
        )
        .bind(id)
        .bind(nurse)
        .bind(start)
        .execute(&self.app.db)
        .await
        .unwrap();
        id
    }

    /// A patient whose course started eight weeks ago.
    async fn usual(&mut self, nurse: i64) -> i64 {
        let start = self.today - Duration::weeks(8);
        self.patient(nurse, start).await
    }

    /// A call booked `days` from today in the next free slot from `time` (40 minutes on for each
    /// earlier booking that day, so no two share a slot), booked before it was due and before now.
    async fn booked(&mut self, patient: i64, nurse: i64, days: i64, time: &str) -> i64 {
        let earlier = self.per_day.entry(days).or_default();
        let starts = local(self.today + Duration::days(days), time) + Duration::minutes(40 * *earlier);
        *earlier += 1;
        sqlx::query_scalar(
            "insert into appointments (patient_id, course_id, nurse_id, kind, starts_at, ends_at, created_at)
             values ($1, (select id from courses where patient_id = $1 and end_date is null), $2, 'call', $3,
                     $3 + interval '30 minutes', least($3, $4) - interval '1 day') returning id",
        )
        .bind(patient)
        .bind(nurse)
        .bind(starts)
        .bind(self.now)
        .fetch_one(&self.app.db)
        .await
        .unwrap()
    }

    /// A call logged `days` from today (negative: in the past) at `time`.
    async fn called(&self, patient: i64, nurse: i64, days: i64, time: &str, outcome: &str) {
        sqlx::query(
            "insert into calls (patient_id, course_id, nurse_id, called_at, outcome, note)
             values ($1, (select id from courses where patient_id = $1 and end_date is null), $2, $3, $4, '')",
        )
        .bind(patient)
        .bind(nurse)
        .bind(local(self.today + Duration::days(days), time))
        .bind(outcome)
        .execute(&self.app.db)
        .await
        .unwrap();
    }

    async fn sql(&self, statement: &str, id: i64) {
        sqlx::query(statement)
            .bind(id)
            .execute(&self.app.db)
            .await
            .unwrap();
    }
}

/// Builds the centre: each way of losing a patient once, and the calm cases around them.
async fn seed(app: &TestApp, now: DateTime<Utc>) -> Centre {
    app.clock.set(now);
    let centre = app.centre("OUH").await;
    let nina = crate::centre::fixtures::nurse(app, "nina@example.test", "Nina Nielsen", centre, 60).await;
    let olga = crate::centre::fixtures::nurse(app, "olga@example.test", "Olga Olsen", centre, 60).await;
    let today = now.with_timezone(&Copenhagen).date_naive();
    let mut s = Seed {
        app,
        centre,
        today,
        now,
        n: 0,
        per_day: BTreeMap::new(),
    };
    let mut p = BTreeMap::new();

    // Calm: reached a week ago, next call in a week.
    let id = s.usual(nina).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.booked(id, nina, 7, "10:00").await;
    p.insert("calm", id);

    // No next call.
    let id = s.usual(nina).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    p.insert("no_call", id);

    // A call earlier today: due, not missing, not overdue.
    let id = s.usual(nina).await;
    s.called(id, nina, -14, "10:00", "reached").await;
    s.booked(id, nina, 0, "08:00").await;
    p.insert("due_earlier_today", id);

    // Calls overdue by 1, 3 and 10 days.
    for (name, days) in [("overdue_1", 1), ("overdue_3", 3), ("overdue_10", 10)] {
        let id = s.usual(nina).await;
        s.called(id, nina, -20, "10:00", "reached").await;
        s.booked(id, nina, -days, "10:00").await;
        p.insert(name, id);
    }

    // Three failed attempts in one day; three on three days (a wrong number among them).
    let id = s.usual(nina).await;
    s.called(id, nina, -10, "10:00", "reached").await;
    for time in ["09:00", "11:00", "14:00"] {
        s.called(id, nina, -1, time, "no_answer").await;
    }
    s.booked(id, nina, 1, "10:00").await;
    p.insert("three_failed_one_day", id);
    let id = s.usual(nina).await;
    s.called(id, nina, -10, "10:00", "reached").await;
    s.called(id, nina, -3, "10:00", "wrong_number").await;
    s.called(id, nina, -2, "10:00", "voicemail").await;
    s.called(id, nina, -1, "10:00", "no_answer").await;
    s.booked(id, nina, 1, "10:00").await;
    p.insert("three_failed_three_days", id);

    // Two failed, then reached.
    let id = s.usual(nina).await;
    s.called(id, nina, -3, "10:00", "no_answer").await;
    s.called(id, nina, -2, "10:00", "no_answer").await;
    s.called(id, nina, -1, "10:00", "reached").await;
    s.booked(id, nina, 7, "10:00").await;
    p.insert("two_failed_then_reached", id);

    // Past six months, with and without an ending planned.
    let six = today - chrono::Months::new(6) - Duration::days(3);
    let id = s.patient(nina, six).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.booked(id, nina, 7, "10:00").await;
    p.insert("six_months", id);
    let id = s.patient(nina, six).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.booked(id, nina, 7, "10:00").await;
    s.sql(
        "update courses set ending_planned = true, ending_planned_reason = 'goals_reached' where patient_id = $1",
        id,
    )
    .await;
    p.insert("six_months_ending_planned", id);

    // Past nine months, with and without a reason to continue. Without one, no call can be
    // booked (the database refuses), so nothing is booked either.
    let nine = today - chrono::Months::new(9) - Duration::days(3);
    let id = s.patient(nina, nine).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    p.insert("nine_months", id);
    let id = s.patient(nina, nine).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.sql(
        "update courses set extension_reason = 'Afventer operation; aftalt med egen læge' where patient_id = $1",
        id,
    )
    .await;
    s.booked(id, nina, 7, "10:00").await;
    p.insert("nine_months_continued", id);

    // Decided "no new call, the course is to end" but never ended it.
    let id = s.usual(nina).await;
    s.called(id, nina, -2, "10:00", "reached").await;
    s.sql(
        "update courses set ending_planned = true, ending_planned_reason = 'patient_wishes' where patient_id = $1",
        id,
    )
    .await;
    p.insert("ending_not_done", id);

    // The next call four months away.
    let id = s.usual(nina).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.booked(id, nina, 120, "10:00").await;
    p.insert("four_months_away", id);

    // A call across a daylight-saving change: booked a week on, in local time.
    let id = s.usual(nina).await;
    s.called(id, nina, -7, "09:30", "reached").await;
    s.booked(id, nina, 7, "10:00").await;
    p.insert("across_daylight_saving", id);

    // Covered by Olga until yesterday: comes back to Nina with her calls.
    let id = s.usual(olga).await;
    s.called(id, nina, -7, "10:00", "reached").await;
    s.booked(id, olga, 3, "10:00").await;
    sqlx::query(
        "insert into caseload_moves (patient_id, from_nurse_id, to_nurse_id, until, moved_at)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(nina)
    .bind(olga)
    .bind(today - Duration::days(1))
    .bind(now - Duration::days(10))
    .execute(&app.db)
    .await
    .unwrap();
    p.insert("cover_ended", id);

    // Olga's own patient: holds her to her post.
    let id = s.usual(olga).await;
    s.called(id, olga, -7, "10:00", "reached").await;
    s.booked(id, olga, 7, "10:00").await;
    p.insert("olgas", id);

    // A person in the control group, active by mistake, nothing booked: never caught.
    let id = s.usual(nina).await;
    s.sql("update patients set arm = 'control' where id = $1", id)
        .await;
    p.insert("control", id);

    // A course with a call left unlogged three days ago, ended yesterday through the form.
    let id = s.usual(nina).await;
    s.called(id, nina, -10, "10:00", "reached").await;
    s.booked(id, nina, -3, "10:00").await;
    p.insert("ended_yesterday", id);

    Centre {
        centre,
        nina,
        olga,
        patients: p,
    }
}

/// What each net must hold: the scenario names, exactly.
fn expected() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let nets: [(&str, &[&str]); 8] = [
        ("nurse_cannot_work", &[]),
        ("call_overdue", &["overdue_1", "overdue_3", "overdue_10"]),
        ("no_call_booked", &["no_call", "nine_months"]),
        ("ending_planned", &["ending_not_done"]),
        (
            "failed_attempts",
            &["three_failed_one_day", "three_failed_three_days"],
        ),
        ("call_too_far", &["four_months_away"]),
        ("past_six_months", &["six_months", "nine_months"]),
        ("past_nine_months", &["nine_months"]),
    ];
    nets.into_iter()
        .map(|(net, names)| (net, names.iter().copied().collect()))
        .collect()
}

/// Patient ids linked from the rows of `selector`.
fn linked(body: &str, selector: &str) -> BTreeSet<i64> {
    let html = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse(selector).unwrap();
    html.select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| href.strip_prefix("/patients/")?.parse().ok())
        .collect()
}

fn names_of(c: &Centre, ids: &BTreeSet<i64>) -> BTreeSet<&'static str> {
    c.patients
        .iter()
        .filter(|(_, id)| ids.contains(id))
        .map(|(name, _)| *name)
        .collect()
}

fn ids_of(c: &Centre, names: &BTreeSet<&'static str>) -> BTreeSet<i64> {
    names.iter().map(|n| c.patients[n]).collect()
}

/// The number in a cell or count, as text.
fn number(text: &str) -> i64 {
    text.split_whitespace().next().unwrap_or("").parse().unwrap_or(-1)
}

/// Signs in a new coordinator of the centre.
async fn coordinator<'a>(app: &'a TestApp, centre: i64) -> Client<'a> {
    app.signed_in("coord@example.test", Role::Coordinator, Some(centre))
        .await
}

async fn nurse_client<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let mut client = app.client();
    client.sign_in(email, PASSWORD).await;
    client
}

/// Builds the centre at `now`, ends the one course through the form, and checks every page.
async fn every_page_agrees_at(now: DateTime<Utc>) {
    let app = TestApp::new().await;
    let c = seed(&app, now).await;
    let mut nina = nurse_client(&app, "nina@example.test").await;
    let yesterday = (now.with_timezone(&Copenhagen).date_naive() - Duration::days(1)).to_string();
    let ended = nina
        .post(
            &format!("/patients/{}/end", c.patients["ended_yesterday"]),
            &[
                ("end_date", &yesterday),
                ("reason", "completed"),
                ("reason_text", ""),
            ],
        )
        .await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    let mut coord = coordinator(&app, c.centre).await;
    // The centre page returns the covered patient first, as it does when a coordinator looks.
    let centre = coord.get("/centre").await;
    assert_eq!(centre.status, 200);

    // The safety-net page: each net holds exactly its patients.
    let page = coord.get("/safety-nets").await;
    assert_eq!(page.status, 200);
    let mut caught = BTreeSet::new();
    for (net, names) in expected() {
        let found = linked(&page.body, &format!("section#{net} tbody a"));
        assert_eq!(names_of(&c, &found), names, "net {net} at {now}");
        assert_eq!(
            found,
            ids_of(&c, &names),
            "net {net} at {now}: only scenario patients"
        );
        caught.extend(found);
    }
    let everyone: BTreeSet<i64> = c.patients.values().copied().collect();
    assert!(caught.is_subset(&everyone));

    // The badge and the page's own line count the same patients.
    let badge = page.texts("nav a[href='/safety-nets'] .nav-count");
    assert_eq!(badge, vec![caught.len().to_string()], "badge at {now}");
    assert!(
        page.texts("#caught")[0].starts_with(&caught.len().to_string()),
        "{:?}",
        page.texts("#caught")
    );

    // Nina's Today: overdue and nothing booked are the nets' lists for her.
    let today = nina.get("/today").await;
    assert_eq!(today.status, 200);
    let overdue = linked(&today.body, "section#overdue a.patient");
    let no_call = linked(&today.body, "section#no-call a.patient");
    let due = linked(&today.body, "section#due a.patient");
    let want = expected();
    assert_eq!(
        names_of(&c, &overdue),
        want["call_overdue"],
        "Today overdue at {now}"
    );
    let mut nothing_booked = want["no_call_booked"].clone();
    nothing_booked.extend(&want["ending_planned"]);
    assert_eq!(
        names_of(&c, &no_call),
        nothing_booked,
        "Today nothing booked at {now}"
    );
    assert!(
        due.contains(&c.patients["due_earlier_today"]),
        "a call earlier today is due"
    );
    for gone in ["control", "ended_yesterday", "olgas"] {
        let id = c.patients[gone];
        assert!(
            !linked(&today.body, "a.patient").contains(&id),
            "{gone} is not on Nina's Today"
        );
    }
    assert_eq!(number(&today.texts("#count-overdue")[0]), overdue.len() as i64);
    // Six- and nine-month signals and the unreachable flag on Today's rows.
    let flags = |id: i64| -> String {
        let html = scraper::Html::parse_document(&today.body);
        let rows = scraper::Selector::parse("tr").unwrap();
        let flag = scraper::Selector::parse(".flag").unwrap();
        html.select(&rows)
            .filter(|tr| tr.html().contains(&format!("href=\"/patients/{id}\"")))
            .flat_map(|tr| {
                tr.select(&flag)
                    .map(|f| f.text().collect::<String>())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(flags(c.patients["nine_months"]).contains("Over 9 måneder"));
    assert!(flags(c.patients["six_months"]).contains("Over 6 måneder"));
    let continued = flags(c.patients["nine_months_continued"]);
    assert!(!continued.contains("måneder"), "{continued}");
    assert!(flags(c.patients["three_failed_one_day"]).contains("træffe"));

    // The centre page says the same numbers for Nina.
    let centre = coord.get("/centre").await;
    let html = centre.html();
    let row = scraper::Selector::parse("table.nurses tbody tr").unwrap();
    let cell = |sel: &str| scraper::Selector::parse(sel).unwrap();
    let nina_row = html
        .select(&row)
        .find(|tr| tr.html().contains(&format!("/nurses/{}", c.nina)))
        .unwrap();
    let text = |sel: &str| {
        nina_row
            .select(&cell(sel))
            .next()
            .unwrap()
            .text()
            .collect::<String>()
    };
    assert_eq!(
        number(&text("td.overdue")),
        overdue.len() as i64,
        "centre overdue at {now}"
    );
    assert_eq!(number(&text("td.no-call")), want["no_call_booked"].len() as i64);

    // The record's banner names the nets, the same ones.
    for (net, names) in &want {
        for name in names {
            let record = nina.get(&format!("/patients/{}", c.patients[name])).await;
            let nets = scraper::Html::parse_document(&record.body);
            let sel = scraper::Selector::parse(&format!("#nets li[data-net='{net}']")).unwrap();
            assert_eq!(
                nets.select(&sel).count(),
                1,
                "{name} shows {net} on the record at {now}"
            );
        }
    }
    let calm = nina.get(&format!("/patients/{}", c.patients["calm"])).await;
    assert!(calm.texts("#nets").is_empty(), "no banner without a net");

    // The covered patient is back with Nina, her call too; the ended course left nothing open.
    let (_, nurse) = crate::centre::fixtures::status_and_nurse(&app, c.patients["cover_ended"]).await;
    assert_eq!(nurse, Some(c.nina));
    let open: i64 = sqlx::query_scalar(
        "select count(*) from appointments where patient_id = $1 and status = 'scheduled'",
    )
    .bind(c.patients["ended_yesterday"])
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(open, 0);
    let _ = c.olga;
}

#[tokio::test]
async fn on_a_saturday_every_lost_patient_is_in_the_right_net_and_every_page_agrees() {
    every_page_agrees_at(at("2027-01-16 10:00")).await;
}

#[tokio::test]
async fn on_a_sunday_every_lost_patient_is_in_the_right_net_and_every_page_agrees() {
    every_page_agrees_at(at("2027-01-17 10:00")).await;
}

#[tokio::test]
async fn on_the_day_summer_time_starts_every_page_agrees() {
    every_page_agrees_at(at("2027-03-28 10:00")).await;
}

#[tokio::test]
async fn on_the_day_summer_time_ends_every_page_agrees() {
    every_page_agrees_at(at("2027-10-31 10:00")).await;
}

#[tokio::test]
async fn on_new_years_eve_every_page_agrees() {
    every_page_agrees_at(at("2027-12-31 16:00")).await;
}

/// A centre with Nina and Olga, Olga holding one patient with a call booked.
async fn olga_holds_a_patient(app: &TestApp) -> (Centre, i64) {
    let c = seed(app, at("2027-01-13 10:00")).await;
    let kol = app.centre("KOL").await;
    (c, kol)
}

#[tokio::test]
async fn a_nurse_who_holds_patients_cannot_be_deactivated_demoted_or_moved_by_form_or_by_sql() {
    let app = TestApp::new().await;
    let (c, kol) = olga_holds_a_patient(&app).await;
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let olga = c.olga.to_string();

    let off = admin
        .post(&format!("/admin/users/{olga}/active"), &[("active", "false")])
        .await;
    assert_eq!(off.status, 409);
    let demoted = admin
        .post(
            &format!("/admin/users/{olga}"),
            &[
                ("email", "olga@example.test"),
                ("name", "Olga Olsen"),
                ("role", "coordinator"),
                ("centre_id", &c.centre.to_string()),
                ("capacity", ""),
            ],
        )
        .await;
    assert_eq!(demoted.status, 409, "{}", demoted.body);
    assert!(demoted.body.contains("stadig patienter"), "the form says why");
    assert!(demoted.body.contains("Olga Olsen"), "and keeps what was typed");
    let moved = admin
        .post(
            &format!("/admin/users/{olga}"),
            &[
                ("email", "olga@example.test"),
                ("name", "Olga Olsen"),
                ("role", "nurse"),
                ("centre_id", &kol.to_string()),
                ("capacity", "60"),
            ],
        )
        .await;
    assert_eq!(moved.status, 409);

    // Straight at the database, as any future code path would.
    for statement in [
        "update users set active = false where id = $1",
        "update users set role = 'coordinator', capacity = null where id = $1",
    ] {
        let refused = sqlx::query(statement).bind(c.olga).execute(&app.db).await;
        let error = refused.expect_err(statement);
        assert!(coachline::db::violates(&error, "nurse_holds_patients"), "{error}");
    }
    let refused = sqlx::query("update users set centre_id = $2 where id = $1")
        .bind(c.olga)
        .bind(kol)
        .execute(&app.db)
        .await;
    assert!(refused.is_err());
    let (active, centre): (bool, i64) = sqlx::query_as("select active, centre_id from users where id = $1")
        .bind(c.olga)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(active);
    assert_eq!(centre, c.centre);

    // A nurse of another centre cannot be given the patient, nor a booking.
    let karin = crate::centre::fixtures::nurse(&app, "karin@example.test", "Karin Koch", kol, 40).await;
    let given = sqlx::query("update patients set nurse_id = $2 where id = $1")
        .bind(c.patients["olgas"])
        .bind(karin)
        .execute(&app.db)
        .await;
    assert!(coachline::db::violates(&given.unwrap_err(), "nurse_not_working"));
    let booked = sqlx::query(
        "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at)
         values ($1, $2, 'call', now() + interval '1 day', now() + interval '1 day 30 minutes')",
    )
    .bind(c.patients["olgas"])
    .bind(karin)
    .execute(&app.db)
    .await;
    assert!(coachline::db::violates(&booked.unwrap_err(), "nurse_not_working"));

    // Once the coordinator has moved her patients and calls, she can go.
    for id in [c.patients["olgas"], c.patients["cover_ended"]] {
        sqlx::query("update appointments set nurse_id = $2 where patient_id = $1 and status = 'scheduled'")
            .bind(id)
            .bind(c.nina)
            .execute(&app.db)
            .await
            .unwrap();
        sqlx::query("update patients set nurse_id = $2 where id = $1")
            .bind(id)
            .bind(c.nina)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let off = admin
        .post(&format!("/admin/users/{olga}/active"), &[("active", "false")])
        .await;
    assert_eq!(off.status, 303, "{}", off.body);
}

#[tokio::test]
async fn assigning_a_patient_while_the_nurse_is_deactivated_never_leaves_him_with_nobody() {
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let nina = crate::centre::fixtures::nurse(&app, "nina@example.test", "Nina Nielsen", centre, 60).await;
    for assign_first in [false, true] {
        let olga = crate::centre::fixtures::nurse(
            &app,
            &format!("olga{assign_first}@example.test"),
            "Olga Olsen",
            centre,
            60,
        )
        .await;
        let patient =
            crate::centre::fixtures::patient(&app, centre, "Bent Opdigtet", "invited", Some(nina)).await;
        let mut first = app.db.begin().await.unwrap();
        let assign = "update patients set nurse_id = $2 where id = $1";
        let deactivate = "update users set active = false where id = $1";
        if assign_first {
            sqlx::query(assign)
                .bind(patient)
                .bind(olga)
                .execute(&mut *first)
                .await
                .unwrap();
        } else {
            sqlx::query(deactivate)
                .bind(olga)
                .execute(&mut *first)
                .await
                .unwrap();
        }
        // The second waits for the first, then sees what it did.
        let db = app.db.clone();
        let second = tokio::spawn(async move {
            if assign_first {
                sqlx::query(deactivate).bind(olga).execute(&db).await
            } else {
                sqlx::query(assign).bind(patient).bind(olga).execute(&db).await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second waits for the first");
        first.commit().await.unwrap();
        let second = second.await.unwrap();
        assert!(
            second.is_err(),
            "the second is refused (assign first: {assign_first})"
        );
        let stranded: i64 = sqlx::query_scalar(
            "select count(*) from patients p join users u on u.id = p.nurse_id
              where on_caseload(p.status, p.arm) and not u.active",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(stranded, 0);
    }
}

#[tokio::test]
async fn a_booking_is_cancelled_only_with_a_reason_and_the_patient_then_shows_as_having_no_call() {
    let app = TestApp::new().await;
    let now = at("2027-01-13 10:00");
    let c = seed(&app, now).await;
    let mut nina = nurse_client(&app, "nina@example.test").await;
    let patient = c.patients["overdue_3"];
    let stray: i64 =
        sqlx::query_scalar("select id from appointments where patient_id = $1 and status = 'scheduled'")
            .bind(patient)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let record = nina.get(&format!("/patients/{patient}")).await;
    assert!(
        record.body.contains(&format!("/appointments/{stray}/cancel")),
        "a stray booking from an earlier day can be closed from the record"
    );
    let form = nina.get(&format!("/appointments/{stray}/cancel")).await;
    assert_eq!(form.status, 200);

    let bare = nina.post(&format!("/appointments/{stray}/cancel"), &[]).await;
    assert_eq!(bare.status, 200);
    assert!(bare.body.contains("Vælg hvorfor"), "asks why");
    let other = nina
        .post(
            &format!("/appointments/{stray}/cancel"),
            &[("reason", "other"), ("note", "  ")],
        )
        .await;
    assert!(other.body.contains("Skriv hvorfor"));
    let status: String = sqlx::query_scalar("select status from appointments where id = $1")
        .bind(stray)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "scheduled", "nothing cancelled without a reason");

    let done = nina
        .post(
            &format!("/appointments/{stray}/cancel"),
            &[
                ("reason", "handled_otherwise"),
                ("note", "Talt med patienten i går"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("select status, cancel_reason from appointments where id = $1")
            .bind(stray)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), reason.as_deref()),
        ("cancelled", Some("handled_otherwise"))
    );
    let back = nina.get(done.location()).await;
    assert!(back.body.contains("Aftalen er aflyst"), "the record confirms it");
    assert!(
        back.body.contains("data-net=\"no_call_booked\""),
        "and shows no call booked"
    );
    let today = nina.get("/today").await;
    assert!(linked(&today.body, "section#no-call a.patient").contains(&patient));
    assert!(!linked(&today.body, "section#overdue a.patient").contains(&patient));
}

#[tokio::test]
async fn no_new_call_needs_a_reason_and_leaves_the_patient_visibly_ending_until_the_course_ends() {
    let app = TestApp::new().await;
    let now = at("2027-01-13 10:00");
    let c = seed(&app, now).await;
    let mut nina = nurse_client(&app, "nina@example.test").await;
    let patient = c.patients["calm"];
    let path = format!("/patients/{patient}/calls/new");
    let without = nina
        .post(
            &path,
            &[
                ("form_key", &crate::helpers::form_key()),
                ("outcome", "no_answer"),
                ("duration", "0"),
                ("note", ""),
                ("next", "ending"),
            ],
        )
        .await;
    assert_eq!(without.status, 200);
    assert!(without.body.contains("Vælg hvorfor forløbet skal slutte"));
    let calls: i64 = sqlx::query_scalar("select count(*) from calls where patient_id = $1")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(calls, 1, "nothing saved");

    let with = nina
        .post(
            &path,
            &[
                ("form_key", &crate::helpers::form_key()),
                ("outcome", "reached"),
                ("duration", "15"),
                ("note", "Vil gerne stoppe."),
                ("next", "ending"),
                ("ending_reason", "patient_wishes"),
                ("ending_note", ""),
            ],
        )
        .await;
    assert_eq!(with.status, 303, "{}", with.body);
    // The booked call next week is still there, so the patient is not yet in the nets; once
    // it is cancelled the patient shows as "ending decided" until the course is ended.
    let booked: i64 =
        sqlx::query_scalar("select id from appointments where patient_id = $1 and status = 'scheduled'")
            .bind(patient)
            .fetch_one(&app.db)
            .await
            .unwrap();
    nina.post(
        &format!("/appointments/{booked}/cancel"),
        &[("reason", "patient_asked"), ("note", "")],
    )
    .await;
    let mut coord = coordinator(&app, c.centre).await;
    let page = coord.get("/safety-nets").await;
    assert!(linked(&page.body, "section#ending_planned tbody a").contains(&patient));
    assert!(!linked(&page.body, "section#no_call_booked tbody a").contains(&patient));
    let reason: Option<String> =
        sqlx::query_scalar("select ending_planned_reason from courses where patient_id = $1")
            .bind(patient)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reason.as_deref(), Some("patient_wishes"));
}

#[tokio::test]
async fn the_coordinator_sets_the_thresholds_and_the_nets_follow_them() {
    let app = TestApp::new().await;
    let now = at("2027-01-13 10:00");
    let c = seed(&app, now).await;
    let mut coord = coordinator(&app, c.centre).await;
    let page = coord.get("/safety-nets").await;
    assert!(page
        .body
        .contains("name=\"failed_attempts_limit\" inputmode=\"numeric\" value=\"3\""));

    let bad = coord
        .post(
            "/safety-nets/settings",
            &[
                ("overdue_after_days", "2"),
                ("failed_attempts_limit", "1"),
                ("longest_gap_days", "tre"),
            ],
        )
        .await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("fra 2 til 10"));
    assert!(bad.body.contains("value=\"tre\""), "keeps what was typed");
    assert!(bad.body.contains("aria-invalid=\"true\""));

    let saved = coord
        .post(
            "/safety-nets/settings",
            &[
                ("overdue_after_days", "2"),
                ("failed_attempts_limit", "2"),
                ("longest_gap_days", "150"),
            ],
        )
        .await;
    assert!(saved.body.contains("fra 7 til 120"));
    let saved = coord
        .post(
            "/safety-nets/settings",
            &[
                ("overdue_after_days", "2"),
                ("failed_attempts_limit", "2"),
                ("longest_gap_days", "130"),
            ],
        )
        .await;
    assert!(
        !saved.body.contains("Grænserne er gemt"),
        "130 is out of bounds too"
    );
    let saved = coord
        .post(
            "/safety-nets/settings",
            &[
                ("overdue_after_days", "2"),
                ("failed_attempts_limit", "2"),
                ("longest_gap_days", "7"),
            ],
        )
        .await;
    assert!(saved.body.contains("Grænserne er gemt"));
    let overdue = linked(&saved.body, "section#call_overdue tbody a");
    // (In this centre the course with a call left three days ago has not been ended.)
    assert_eq!(
        names_of(&c, &overdue),
        ["overdue_10", "overdue_3", "ended_yesterday"]
            .into_iter()
            .collect()
    );
    let failed = linked(&saved.body, "section#failed_attempts tbody a");
    assert!(failed.contains(&c.patients["three_failed_one_day"]));
    let too_far = linked(&saved.body, "section#call_too_far tbody a");
    assert!(
        too_far.contains(&c.patients["calm"]),
        "a call eight days after it was booked is too far with a longest gap of 7 days"
    );

    // The nurse's Today follows the same thresholds.
    let mut nina = nurse_client(&app, "nina@example.test").await;
    let today = nina.get("/today").await;
    assert_eq!(linked(&today.body, "section#overdue a.patient"), overdue);
    assert!(
        linked(&today.body, "section#due a.patient").contains(&c.patients["overdue_1"]),
        "a call a day late is still on Today, among the calls due"
    );
}

#[tokio::test]
async fn a_nurse_or_coordinator_of_another_centre_sees_none_of_the_nets() {
    let app = TestApp::new().await;
    let c = seed(&app, at("2027-01-13 10:00")).await;
    let kol = app.centre("KOL").await;
    let mut other = app
        .signed_in("kcoord@example.test", Role::Coordinator, Some(kol))
        .await;
    let page = other.get("/safety-nets").await;
    assert_eq!(page.status, 200);
    for id in c.patients.values() {
        assert!(!page.body.contains(&format!("/patients/{id}\"")));
    }
    assert!(page.texts("nav a[href='/safety-nets'] .nav-count").is_empty());
}

#[tokio::test]
async fn the_coordinator_and_the_nurse_see_the_nets_in_the_browser() {
    let app = TestApp::new().await;
    let c = seed(&app, at("2027-01-13 10:00")).await;
    app.user("coord@example.test", Role::Coordinator, Some(c.centre))
        .await;
    let browser = crate::browser::Browser::start(&app).await;
    browser.sign_in("coord@example.test", PASSWORD).await;
    browser.goto("/safety-nets").await;
    assert!(browser.text("#call_overdue").await.contains("Patient04"));
    browser.screenshot("safety-nets-scenario").await;
    browser.sign_out().await;
    browser.sign_in("nina@example.test", PASSWORD).await;
    browser.goto("/today").await;
    assert!(browser.text("#attention").await.contains("Over 6 måneder"));
    browser.screenshot("today-scenario").await;
    browser
        .goto(&format!("/patients/{}", c.patients["nine_months"]))
        .await;
    assert!(browser
        .text("#nets")
        .await
        .contains("Over 9 måneder uden begrundelse"));
    browser.screenshot("record-nets-scenario").await;
    browser.close().await;
}

#[tokio::test]
async fn moving_every_patient_takes_their_earlier_unlogged_calls_too_so_the_nurse_can_then_go() {
    let app = TestApp::new().await;
    let c = seed(&app, at("2027-01-13 10:00")).await;
    let mut coord = coordinator(&app, c.centre).await;
    let moved = coord
        .post(
            &format!("/nurses/{}/move", c.olga),
            &[("all", "1"), ("to", &c.nina.to_string()), ("mode", "permanent")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    // Nina moves all hers to Olga, the overdue calls from earlier days included.
    let moved = coord
        .post(
            &format!("/nurses/{}/move", c.nina),
            &[("all", "1"), ("to", &c.olga.to_string()), ("mode", "permanent")],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let left: i64 =
        sqlx::query_scalar("select count(*) from appointments where nurse_id = $1 and status = 'scheduled'")
            .bind(c.nina)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        left, 0,
        "no booking stays with the nurse who gave her patients away"
    );
    let page = coord.get("/safety-nets").await;
    let overdue = linked(&page.body, "section#call_overdue tbody a");
    assert!(
        overdue.contains(&c.patients["overdue_3"]),
        "still caught, now as Olga's"
    );
    let mut admin = app.signed_in("admin@example.test", Role::Admin, None).await;
    let off = admin
        .post(&format!("/admin/users/{}/active", c.nina), &[("active", "false")])
        .await;
    assert_eq!(off.status, 303, "{}", off.body);
}

/// The database refuses every way for a nurse who cannot work to hold a patient or a booking;
/// the net is there for what gets round it. With the refusals switched off for one connection,
/// each way is made once and the net finds each patient once.
#[tokio::test]
async fn the_nurse_who_cannot_work_is_found_by_her_patients_and_by_her_bookings() {
    let app = TestApp::new().await;
    let now = at("2027-01-13 10:00");
    let c = seed(&app, now).await;
    let kol = app.centre("KOL").await;
    let kirsten = crate::centre::fixtures::nurse(&app, "kirsten@example.test", "Kirsten Kock", kol, 60).await;
    let [calm, no_call, overdue] = ["calm", "no_call", "overdue_3"].map(|name| c.patients[name]);
    let mut conn = app.db.acquire().await.unwrap();
    sqlx::query("set session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    // Olga stops while Nina's patient "calm" has a booking with her; Kirsten of another
    // centre holds a booking of "no_call"; "overdue_3" is given to Olga and has her booking too.
    sqlx::query("update users set active = false where id = $1")
        .bind(c.olga)
        .execute(&mut *conn)
        .await
        .unwrap();
    for (i, (patient, nurse)) in [(calm, c.olga), (no_call, kirsten), (overdue, c.olga)]
        .into_iter()
        .enumerate()
    {
        sqlx::query(
            "insert into appointments (patient_id, nurse_id, kind, starts_at, ends_at, status)
             values ($1, $2, 'call', $3, $3 + interval '30 minutes', 'scheduled')",
        )
        .bind(patient)
        .bind(nurse)
        .bind(now + Duration::days(20) + Duration::hours(i as i64))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    sqlx::query("update patients set nurse_id = $2 where id = $1")
        .bind(overdue)
        .bind(c.olga)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    // Switching the triggers off also stopped the database keeping these patients' nets: bring
    // them up to date as the triggers would have.
    sqlx::query("select refresh_safety_net_days($1)")
        .bind(vec![calm, no_call, overdue])
        .execute(&app.db)
        .await
        .unwrap();
    let caught: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "select patient_id, nurse_id from safety_nets($1)
          where net = 'nurse_cannot_work' and patient_id = any($2) order by patient_id",
    )
    .bind(now)
    .bind(vec![calm, no_call, overdue])
    .fetch_all(&app.db)
    .await
    .unwrap();
    let mut expected = vec![
        (calm, Some(c.nina)),
        (no_call, Some(c.nina)),
        (overdue, Some(c.olga)),
    ];
    expected.sort();
    assert_eq!(caught, expected, "each patient once, with the responsible nurse");
    // One patient's nets (the record) say the same.
    let one: Vec<String> = sqlx::query_scalar("select net from safety_nets($1) where patient_id = $2")
        .bind(now)
        .bind(no_call)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(one.contains(&"nurse_cannot_work".to_owned()), "{one:?}");
    let twice: i64 = sqlx::query_scalar(
        "select count(*) from (select patient_id from safety_nets($1) where net = 'nurse_cannot_work'
                                group by patient_id having count(*) > 1) d",
    )
    .bind(now)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(twice, 0, "nobody is caught twice");
}
