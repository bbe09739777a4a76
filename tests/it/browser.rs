//! Browser journeys in headless Chromium (Debian's `chromium` + `chromium-driver`), against the
//! real server on a loopback port. Screenshots go to `target/screenshots/`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use coachline::{AppState, Config};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::TestApp;

/// The application served on a free loopback port, and a driven Chromium.
pub struct Browser {
    pub base: String,
    pub client: Client,
    db: sqlx::PgPool,
    database_url: String,
    _driver: Driver,
}

/// A running chromedriver and the profile directory of the Chromium it starts.
struct Driver {
    driver: Child,
    profile: std::path::PathBuf,
}

/// The driver and every Chromium it started go, with the profile, also when a test fails
/// (even before the browser answered).
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        // The Chromium processes this driver started are the only ones with this profile.
        let _ = Command::new("pkill")
            .args([
                "-KILL",
                "-f",
                &format!("user-data-dir={}", self.profile.display()),
            ])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    pub async fn start(app: &TestApp) -> Browser {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = coachline::app(AppState::with_clock(
            app.app_db.clone(),
            Config::for_tests(&app.database_url),
            app.clock.clone(),
        ));
        tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service).await.unwrap();
        });
        let port = free_port();
        let profile = std::env::temp_dir().join(format!("coachline-chromium-{}-{port}", std::process::id()));
        let driver = Driver {
            driver: Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("browser tests need chromedriver: apt-get install chromium chromium-driver"),
            profile: profile.clone(),
        };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "prefs": { "intl.accept_languages": "da-DK,da" },
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                    "--window-size=1280,900", format!("--user-data-dir={}", profile.display())
                ]
            }),
        );
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Browser {
                        base,
                        client,
                        db: app.db.clone(),
                        database_url: app.database_url.clone(),
                        _driver: driver,
                    }
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start Chromium through chromedriver: {last_error:?}");
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn fill(&self, selector: &str, value: &str) {
        let field = self.client.find(Locator::Css(selector)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    pub async fn click(&self, selector: &str) {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Types `keys` into whatever has the focus (the page itself when nothing does).
    pub async fn press(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    pub async fn text(&self, selector: &str) -> String {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits (up to 15 s) until the browser is at `path`, as after a form submission.
    pub async fn wait_for(&self, path: &str) {
        for _ in 0..300 {
            if self.path().await == path
                && self
                    .client
                    .execute("return document.readyState", vec![])
                    .await
                    .ok()
                    == Some(serde_json::json!("complete"))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the browser is at {}, not {path}", self.path().await);
    }

    /// Waits (up to 15 s) until the text of `selector` starts with `prefix`.
    pub async fn wait_for_text(&self, selector: &str, prefix: &str) {
        for _ in 0..300 {
            if let Ok(element) = self.client.find(Locator::Css(selector)).await {
                if element.text().await.is_ok_and(|t| t.starts_with(prefix)) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{selector} never showed {prefix:?}");
    }

    /// Saves a screenshot under `target/screenshots/NAME.png` to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("button.primary").await;
        self.wait_for_navigation_from("/login").await;
        // The second step, as a person with the authenticator app would take it.
        match self.path().await.as_str() {
            "/login/code" => {
                self.screenshot("second-factor-code").await;
                let code = crate::helpers::current_code(&self.db, &self.database_url, email).await;
                self.fill("#code", &code).await;
                self.click("button.primary").await;
                self.wait_for_navigation_from("/login/code").await;
            }
            "/login/enrol" => {
                let secret = coachline::auth::totp::Secret::from_base32(&self.text("#secret").await)
                    .expect("the page shows the secret");
                self.screenshot("second-factor-enrol").await;
                let code = crate::helpers::code_after(&secret, None).await;
                self.fill("#code", &code).await;
                self.click("button.primary").await;
                self.wait_for_text(".recovery-codes li", "").await;
                self.screenshot("second-factor-recovery-codes").await;
                self.click("form[action='/login/finish'] button").await;
                self.wait_for_navigation_from("/login/enrol").await;
            }
            _ => {}
        }
    }

    async fn wait_for_navigation_from(&self, path: &str) {
        for _ in 0..300 {
            if self.path().await != path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn sign_out(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for("/login").await;
    }

    /// Ends the session politely; dropping the browser then stops the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_centre_and_a_nurse_who_sees_her_today_in_danish_and_english() {
    let app = TestApp::new().await;
    app.user("admin@example.test", coachline::web::Role::Admin, None)
        .await;
    let browser = Browser::start(&app).await;

    browser.goto("/login").await;
    browser.screenshot("login").await;
    browser
        .sign_in("admin@example.test", crate::helpers::PASSWORD)
        .await;
    browser.goto("/admin/centres").await;
    browser.fill("#code", "KOL").await;
    browser.fill("#name", "Kolding").await;
    browser.click("form.grid button.primary").await;
    // The form posts back to the same page: wait for the new centre in the list.
    browser.wait_for_text("table.list tbody td strong", "KOL").await;
    browser.wait_for("/admin/centres").await;
    browser.screenshot("admin-centres").await;

    browser.goto("/admin/users/new").await;
    browser.fill("#name", "Nina Nurse").await;
    browser.fill("#email", "nina@example.test").await;
    let centre = browser.client.find(Locator::Css("#centre_id")).await.unwrap();
    centre.select_by_label("KOL · Kolding").await.unwrap();
    browser.fill("#password", "nina's long password").await;
    browser.screenshot("admin-new-user").await;
    browser.click("form.grid button.primary").await;
    browser.wait_for("/admin/users").await;
    browser.screenshot("admin-users").await;
    browser.sign_out().await;

    browser.sign_in("nina@example.test", "nina's long password").await;
    browser.wait_for("/today").await;
    assert!(browser.text("main h1").await.starts_with("I dag"));
    assert!(browser.text(".who .role").await.contains("Kolding"));
    browser.screenshot("nurse-today-da").await;
    browser.click("form.lang button[value='en']").await;
    browser.wait_for_text("main h1", "Today").await;
    browser.wait_for("/today").await;
    browser.screenshot("nurse-today-en").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_previews_and_confirms_an_invitation_list_and_finds_the_patients() {
    let app = TestApp::new().await;
    app.centre("OUH").await;
    app.centre("KOL").await;
    app.user("admin@example.test", coachline::web::Role::Admin, None)
        .await;
    let browser = Browser::start(&app).await;
    browser
        .sign_in("admin@example.test", crate::helpers::PASSWORD)
        .await;
    browser.wait_for("/imports").await;
    let sample = crate::imports::sample_path("invitationsliste-eksempel.csv");
    let sample = sample.canonicalize().unwrap();
    browser
        .client
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(sample.to_str().unwrap())
        .await
        .unwrap();
    browser.screenshot("imports-upload").await;
    browser.click("form.grid button.primary").await;
    browser.wait_for("/imports/preview").await;
    assert!(browser.text("ul.counts li").await.starts_with("25"));
    browser.screenshot("imports-preview").await;
    browser.click("form.confirm-form button.primary").await;
    browser
        .wait_for_text("main h1", "invitationsliste-eksempel.csv")
        .await;
    browser.screenshot("imports-batch").await;
    browser.click("a[href^='/patients?batch=']").await;
    browser.wait_for("/patients").await;
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("tbody tr"))
            .await
            .unwrap()
            .len(),
        25
    );
    browser.screenshot("patients-list").await;
    browser.click("tbody tr:first-child td a").await;
    // An admin works outside the patient's centre: the record opens only with a reason.
    browser.wait_for_text("main h1", "Begrundelse").await;
    browser.screenshot("patient-reason").await;
    browser
        .click("input[name='reason'][value='data_correction']")
        .await;
    browser.click("form.reason-form button.primary").await;
    browser.wait_for_text(".record-head h1", "").await;
    browser.screenshot("patient-record").await;
    let opened: i64 = sqlx::query_scalar("select count(*) from access_log where action = 'patient.view'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(opened, 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nurse_opens_today_logs_a_call_with_a_note_and_the_next_call_and_sees_it_on_the_timeline() {
    use crate::course_fixtures::{active, booked, called, local, today};
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    let nurse = app
        .user("nina@example.test", coachline::web::Role::Nurse, Some(ouh))
        .await;
    let patient = active(&app, ouh, nurse, "0101481234", "Inge", "Opdigtsen", 6).await;
    let other = active(&app, ouh, nurse, "0202481234", "Poul", "Prøvesen", 3).await;
    let third = active(&app, ouh, nurse, "0303481234", "Grethe", "Eksempelsen", 9).await;
    booked(&app, patient, nurse, local(today(), "23:30")).await;
    booked(
        &app,
        other,
        nurse,
        local(today() - chrono::Duration::days(2), "10:00"),
    )
    .await;
    called(
        &app,
        third,
        nurse,
        chrono::Utc::now() - chrono::Duration::days(1),
        "no_answer",
    )
    .await;
    sqlx::query("insert into goals (patient_id, text) values ($1, 'Gå til bageren hver dag')")
        .bind(patient)
        .execute(&app.db)
        .await
        .unwrap();
    let browser = Browser::start(&app).await;
    browser
        .sign_in("nina@example.test", crate::helpers::PASSWORD)
        .await;
    browser.wait_for("/today").await;
    browser.screenshot("nurse-today").await;
    browser.click("#due a.patient").await;
    let record = format!("/patients/{patient}");
    browser.wait_for(&record).await;
    browser.screenshot("nurse-record").await;
    browser.click("#log-call").await;
    browser.wait_for(&format!("/patients/{patient}/calls/new")).await;
    let next = || async {
        browser
            .client
            .execute(
                "return document.querySelector(\"input[name='next']:checked\").value",
                vec![],
            )
            .await
            .unwrap()
    };
    browser.click("input[name='outcome'][value='no_answer']").await;
    assert!(
        next().await.as_str().unwrap().starts_with("retry"),
        "no answer: a retry"
    );
    browser.click("input[name='outcome'][value='reached']").await;
    assert_eq!(
        next().await,
        serde_json::json!("booked"),
        "reached: the agreed call"
    );
    browser.fill("#duration", "20").await;
    browser.click("input[name='topics'][value='own_goals']").await;
    browser
        .fill(
            "#note",
            "Har gået til bageren fire dage. Vil gerne tale om søvnen næste gang.",
        )
        .await;
    browser.screenshot("nurse-log-call").await;
    browser
        .client
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
    browser.screenshot("nurse-log-call-next").await;
    browser.click("#call-form button.primary").await;
    browser.wait_for(&record).await;
    browser
        .wait_for_text("ol.timeline li.call p.note", "Har gået til bageren")
        .await;
    assert!(browser
        .text("ol.timeline li.call .entry-head")
        .await
        .contains("Talt med"));
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("#booked li"))
            .await
            .unwrap()
            .len(),
        1,
        "the next call is booked"
    );
    browser.screenshot("nurse-record-after-call").await;
    browser.goto("/week").await;
    browser.screenshot("nurse-week").await;
    browser.goto(&format!("/patients/{patient}/plan")).await;
    browser.screenshot("nurse-plan").await;
    browser.goto("/my-patients").await;
    browser.screenshot("nurse-my-patients").await;
    browser.close().await;
}

/// Sets a form field's value directly (date inputs take typed keys in the browser's locale).
async fn set_value(browser: &Browser, id: &str, value: &str) {
    browser
        .client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1]",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await
        .unwrap();
}

/// Waits (up to 15 s) until the browser has left `path`.
async fn wait_to_leave(browser: &Browser, path: &str) {
    for _ in 0..300 {
        if browser.path().await != path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the browser stayed at {path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_takes_an_invited_patient_from_letter_to_the_nurses_caseload() {
    use coachline::web::Role;
    let app = TestApp::new().await;
    let ouh = app.centre("OUH").await;
    sqlx::query("update centres set name = 'Sundhedscoaching Odense', address = 'Sdr. Boulevard 29\n5000 Odense C', phone = '65 41 00 00' where id = $1")
        .bind(ouh)
        .execute(&app.db)
        .await
        .unwrap();
    let nina = crate::centre::fixtures::nurse(&app, "nina@example.test", "Nina Nielsen", ouh, 40).await;
    crate::centre::fixtures::nurse(&app, "olga@example.test", "Olga Olsen", ouh, 30).await;
    let room = crate::centre::fixtures::room(&app, ouh, "Mødelokale 2").await;
    let patient = crate::centre::fixtures::patient(&app, ouh, "Ærtebjerg Østergaard", "invited", None).await;
    crate::centre::fixtures::patient(&app, ouh, "Åge Andersen", "invited", None).await;
    let busy = crate::centre::fixtures::patient(&app, ouh, "Bodil Bech", "active", Some(nina)).await;
    crate::centre::fixtures::course(&app, busy, nina, crate::centre::fixtures::date(-200)).await;
    app.user("admin@example.test", Role::Admin, None).await;
    app.user("coord@example.test", Role::Coordinator, Some(ouh)).await;
    let browser = Browser::start(&app).await;
    let password = crate::helpers::PASSWORD;

    // The admin prints the letters.
    browser.sign_in("admin@example.test", password).await;
    browser.goto(&format!("/letters?centre={ouh}")).await;
    let day = crate::centre::fixtures::weekday(7).format("%Y-%m-%d").to_string();
    set_value(&browser, "date", &day).await;
    set_value(&browser, "time", "09:30").await;
    browser.fill("#minutes", "45").await;
    browser
        .client
        .find(Locator::Css("#room_id"))
        .await
        .unwrap()
        .select_by_value(&room.to_string())
        .await
        .unwrap();
    browser.screenshot("letters-choose").await;
    browser.click("#produce").await;
    wait_to_leave(&browser, "/letters").await;
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("article.letter"))
            .await
            .unwrap()
            .len(),
        2
    );
    browser.screenshot("letters-print").await;
    browser.sign_out().await;

    // The coordinator assigns the patient, books the meeting and records that the course starts.
    browser.sign_in("coord@example.test", password).await;
    browser.wait_for("/centre").await;
    browser.screenshot("centre").await;
    browser
        .click(&format!("button[name='only'][value='{patient}']"))
        .await;
    browser.wait_for_text("p.notice", "1 patient er tildelt").await;
    browser.goto(&format!("/patients/{patient}/invitation")).await;
    assert!(
        browser.text("#nurse").await.contains("Nina Nielsen"),
        "the suggestion: most free capacity"
    );
    browser.screenshot("invitation-invited").await;
    browser.click("#book-meeting").await;
    browser.wait_for_text("#status", "Møde booket").await;
    let proposed = crate::centre::fixtures::weekday(7).format("%d.%m.%Y").to_string();
    assert!(
        browser.text("#meeting").await.contains(&proposed),
        "the letter's day was proposed"
    );
    browser.screenshot("invitation-meeting-booked").await;
    // A week on, the meeting has been held: only then is its outcome recorded. It ended now and
    // began up to an hour ago, never before today in Copenhagen (the day of the invitation).
    sqlx::query(
        "update appointments
            set starts_at = greatest(now() - interval '1 hour',
                                     date_trunc('day', now() at time zone 'Europe/Copenhagen') at time zone 'Europe/Copenhagen'),
                ends_at = now()
          where patient_id = $1 and kind = 'meeting'",
    )
    .bind(patient)
    .execute(&app.db)
    .await
    .unwrap();
    browser.goto(&format!("/patients/{patient}/invitation")).await;
    browser.click("#outcome-starts").await;
    browser.click("#consent_course").await;
    browser.click("#interview-yes").await;
    browser.click("#research-yes").await;
    browser.click("#record-outcome").await;
    browser.wait_for_text("#status", "Aktiv").await;
    browser.screenshot("invitation-course-started").await;
    browser.goto(&format!("/nurses/{nina}")).await;
    assert!(browser.text("main table").await.contains("Ærtebjerg Østergaard"));
    browser.screenshot("nurse-caseload").await;
    browser.goto("/safety-nets").await;
    browser.screenshot("safety-nets").await;
    browser.goto("/overview").await;
    browser.screenshot("overview").await;
    browser.sign_out().await;

    // And the nurse sees her new patient.
    browser.sign_in("nina@example.test", password).await;
    browser.goto("/my-patients").await;
    assert!(browser.text("main table").await.contains("Ærtebjerg Østergaard"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_nurse_has_a_day_worth_clicking_through() {
    let app = TestApp::new().await;
    coachline::demo::load(&app.db).await.unwrap();
    let browser = Browser::start(&app).await;
    browser
        .sign_in(
            "anne.sygeplejerske@coachline.test",
            coachline::demo::DEMO_PASSWORD,
        )
        .await;
    browser.wait_for("/today").await;
    browser.screenshot("demo-today").await;
    for section in ["#due", "#overdue", "#retry", "#no-call"] {
        let rows = browser
            .client
            .find_all(Locator::Css(&format!("{section} tbody tr")))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{section} has patients");
    }
    browser.click("#due a.patient").await;
    browser
        .wait_for_text("ol.timeline li.call .entry-head", "Opkald")
        .await;
    browser.screenshot("demo-record").await;
    browser.goto("/my-patients").await;
    browser.screenshot("demo-my-patients").await;
    browser.goto("/week").await;
    browser.screenshot("demo-week").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_roles_home_keeps_the_menu_on_one_line_at_1280_pixels() {
    use coachline::web::Role;
    let app = TestApp::new().await;
    let centre = app.centre("OUH").await;
    let people = [
        ("admin@example.test", Role::Admin, None, "admin"),
        (
            "coord@example.test",
            Role::Coordinator,
            Some(centre),
            "coordinator",
        ),
        ("nurse@example.test", Role::Nurse, Some(centre), "nurse"),
        ("research@example.test", Role::Researcher, None, "researcher"),
    ];
    for (email, role, centre, _) in people {
        let id = app.user(email, role, centre).await;
        // Long names, as real ones can be.
        sqlx::query("update users set name = 'Kirsten Margrethe Østergaard-Andersen' where id = $1")
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let browser = Browser::start(&app).await;
    for (email, role, _, name) in people {
        for lang in ["da", "en"] {
            browser.sign_in(email, crate::helpers::PASSWORD).await;
            browser.wait_for(role.home()).await;
            if lang == "en" {
                browser.click("form.lang button[value='en']").await;
                browser.wait_for_text("form.lang button", "Dansk").await;
            }
            let lines = browser
                .client
                .execute(
                    "return new Set([...document.querySelectorAll('header nav a')].map(a => a.offsetTop)).size",
                    vec![],
                )
                .await
                .unwrap();
            browser.screenshot(&format!("home-{name}-{lang}-1280")).await;
            assert_eq!(lines, serde_json::json!(1), "{name}'s menu wraps in {lang}");
            if lang == "en" {
                browser.click("form.lang button[value='da']").await;
                browser.wait_for_text("form.lang button", "English").await;
            }
            browser.sign_out().await;
        }
    }
    browser.close().await;
}
