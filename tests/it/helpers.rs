//! A fresh database per test, the real router, and a browser-like client with cookies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use coachline::auth::accounts::{self as users, NewUser};
use coachline::auth::password::Password;
use coachline::auth::totp::{step_of, Secret, STEP_SECONDS};
use coachline::clock::Clock;
use coachline::web::Role;
use coachline::{AppState, Config};
use http_body_util::BodyExt;
use sqlx::{Connection, PgConnection, PgPool};
use tower::ServiceExt;

/// The server every test database is created on.
pub fn server_url() -> String {
    std::env::var("COACHLINE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// The same server, signed in as the application role the server runs as (trust auth).
pub fn app_server_url() -> String {
    std::env::var("COACHLINE_TEST_APP_DATABASE_URL").unwrap_or_else(|_| {
        let server = server_url();
        let (scheme, rest) = server.split_once("://").unwrap_or(("postgres", &server));
        let host = rest.rsplit('@').next().unwrap_or(rest);
        format!("{scheme}://coachline_app@{host}")
    })
}

/// Makes the application role able to sign in (once per run; the migrations grant its rights).
async fn ensure_app_role(admin: &mut PgConnection) {
    sqlx::query(
        "do $$ begin
             if not exists (select 1 from pg_roles where rolname = 'coachline_app') then
                 create role coachline_app login;
             elsif not exists (select 1 from pg_roles where rolname = 'coachline_app' and rolcanlogin) then
                 alter role coachline_app login;
             end if;
         exception when duplicate_object or unique_violation then null;
         end $$",
    )
    .execute(admin)
    .await
    .unwrap();
}

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// One test's application on its own fresh, migrated database.
pub struct TestApp {
    /// The owner's connection (a superuser here), for fixtures the application could not write.
    pub db: PgPool,
    /// The application role's connection: what the router uses.
    pub app_db: PgPool,
    pub router: Router,
    pub database_url: String,
    /// The application's clock: the machine's time until a test sets it.
    pub clock: Clock,
    name: String,
}

/// Drops the databases of test runs whose process is gone (a run that was killed leaves them).
async fn drop_leftovers(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'coachline\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).unwrap_or("");
        if !std::path::Path::new("/proc").join(pid).exists() {
            let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// Each test's database is dropped when the test is done, so runs do not fill the disk.
impl Drop for TestApp {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let server = server_url();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&format!("{server}/postgres")).await.ok()?;
                sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// A test application whose configuration `adjust` changes first.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::build(adjust, |_| {}).await
    }

    /// A test application on a database that `fill` gets empty (its URL) and fills, as a
    /// restore does; the application then migrates it as at a start.
    pub async fn with_database(fill: impl FnOnce(&str)) -> Self {
        Self::build(|_| {}, fill).await
    }

    async fn build(adjust: impl FnOnce(&mut Config), fill: impl FnOnce(&str)) -> Self {
        let name = format!(
            "coachline_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = PgConnection::connect(&format!("{}/postgres", server_url()))
            .await
            .expect("PostgreSQL must run at 127.0.0.1:5432 (or set COACHLINE_TEST_DATABASE_URL)");
        static CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        CLEANED
            .get_or_init(|| async {
                drop_leftovers(&mut admin).await;
                ensure_app_role(&mut admin).await;
            })
            .await;
        sqlx::query(&format!("drop database if exists {name} with (force)"))
            .execute(&mut admin)
            .await
            .unwrap();
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let database_url = format!("{}/{name}", server_url());
        fill(&database_url);
        let db = coachline::db::connect_and_migrate(&database_url).await.unwrap();
        let app_db = coachline::db::connect(&format!("{}/{name}", app_server_url()))
            .await
            .unwrap();
        let mut config = Config::for_tests(&database_url);
        adjust(&mut config);
        let clock = Clock::system();
        let router = coachline::app(AppState::with_clock(app_db.clone(), config, clock.clone()));
        Self {
            db,
            app_db,
            router,
            database_url,
            clock,
            name,
        }
    }

    /// A client with no cookies yet.
    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: HashMap::new(),
            accept_language: None,
            ip: None,
            headers: Vec::new(),
        }
    }

    /// Creates a call centre; returns its id.
    ///
    /// It is open around the clock, every day, holidays too, so that tests of other features
    /// can book at any time the suite happens to run; `office_hours` gives it the usual week.
    pub async fn centre(&self, code: &str) -> i64 {
        let id = sqlx::query_scalar(
            "insert into centres (code, name, open_on_public_holidays) values ($1, $2, true) returning id",
        )
        .bind(code)
        .bind(format!("Centre {code}"))
        .fetch_one(&self.db)
        .await
        .unwrap();
        sqlx::query(
            "insert into working_hours (centre_id, weekday, opens, closes)
             select $1, d, time '00:00', time '23:59' from generate_series(1, 7) d
             on conflict (centre_id, weekday) do update set opens = excluded.opens, closes = excluded.closes",
        )
        .bind(id)
        .execute(&self.db)
        .await
        .unwrap();
        id
    }

    /// Gives the centre a new centre's calendar: Monday to Friday 08:00-16:00, closed on holidays.
    pub async fn office_hours(&self, centre_id: i64) {
        sqlx::query("delete from working_hours where centre_id = $1 and weekday > 5")
            .bind(centre_id)
            .execute(&self.db)
            .await
            .unwrap();
        sqlx::query(
            "update working_hours set opens = time '08:00', closes = time '16:00' where centre_id = $1;",
        )
        .bind(centre_id)
        .execute(&self.db)
        .await
        .unwrap();
        sqlx::query("update centres set open_on_public_holidays = false where id = $1")
            .bind(centre_id)
            .execute(&self.db)
            .await
            .unwrap();
    }

    /// Creates a user with `PASSWORD`; returns the id.
    pub async fn user(&self, email: &str, role: Role, centre_id: Option<i64>) -> i64 {
        let user = NewUser {
            email: email.to_owned(),
            name: format!("Test {}", role.as_str()),
            role,
            centre_id,
            capacity: (role == Role::Nurse).then_some(40),
        };
        users::insert(&self.db, &user, Password::typed(PASSWORD.to_owned()))
            .await
            .unwrap()
            .unwrap()
    }

    /// The code the person's authenticator app shows now, for a step not used yet.
    pub async fn totp_code(&self, email: &str) -> String {
        current_code(&self.db, &self.database_url, email).await
    }

    /// The id of the user with this e-mail.
    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("select id from users where email = $1")
            .bind(email)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// A client already signed in as a new user of that role (and centre).
    pub async fn signed_in(&self, email: &str, role: Role, centre_id: Option<i64>) -> Client<'_> {
        self.user(email, role, centre_id).await;
        let mut client = self.client();
        let response = client.sign_in(email, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            response.body
        );
        client
    }
}

/// The code a person's authenticator app shows now, for a step after the last one used: what
/// the test suite types at the second step of signing in.
pub async fn current_code(db: &PgPool, database_url: &str, email: &str) -> String {
    let (user_id, sealed, last): (i64, Vec<u8>, i64) = sqlx::query_as(
        "select f.user_id, f.secret_sealed, f.last_step
           from second_factors f join users u on u.id = f.user_id where u.email = $1",
    )
    .bind(email)
    .fetch_one(db)
    .await
    .expect("the person has a second factor");
    let secret = Secret::open(&Config::for_tests(database_url).secret, user_id, &sealed)
        .expect("the stored secret opens with the test configuration");
    code_after(&secret, Some(last)).await
}

/// A code of `secret` that the server accepts now for a step after `last` (a code is never
/// accepted twice); waits for the next step when the window is used up.
pub async fn code_after(secret: &Secret, last: Option<i64>) -> String {
    loop {
        let now = chrono::Utc::now();
        let current = step_of(now);
        // The step before only while the server cannot move past it before it checks, even on
        // a busy machine (ten seconds to spare); the next step stays good for a minute.
        let first = if now.timestamp().rem_euclid(STEP_SECONDS) < STEP_SECONDS - 10 {
            current - 1
        } else {
            current
        };
        if let Some(step) = (first..=current + 1).find(|s| last.is_none_or(|l| *s > l)) {
            return secret.code_at_step(step);
        }
        let wait = STEP_SECONDS - now.timestamp().rem_euclid(STEP_SECONDS);
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(wait).unwrap_or(1))).await;
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for downloads that are not text.
    #[allow(dead_code)]
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The text of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of attribute `name` of the first element matching `selector`.
    pub fn attr(&self, selector: &str, name: &str) -> String {
        let selector = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr(name))
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// Sends requests through the real router like a browser: keeps cookies, sends CSRF tokens.
pub struct Client<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub accept_language: Option<&'static str>,
    pub ip: Option<std::net::IpAddr>,
    /// Extra headers sent with every request (e.g. a proxy's `X-Forwarded-For`).
    pub headers: Vec<(&'static str, String)>,
}

impl Client<'_> {
    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, Body::empty()).await
    }

    /// Posts a form with the CSRF token from the cookie, as the pages' forms do.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().await;
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Posts any body with a content type and the CSRF token as a header.
    #[allow(dead_code)]
    pub async fn post_body(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        self.send(Method::POST, path, Some(content_type), Body::from(body))
            .await
    }

    /// The CSRF token: the value of the CSRF cookie, fetched from the sign-in page if needed.
    pub async fn csrf(&mut self) -> String {
        if !self.cookies.contains_key("coachline_csrf") {
            self.get("/login").await;
        }
        self.cookies["coachline_csrf"].clone()
    }

    /// Signs in as a person would: the password, then the code from the app, setting the app
    /// up first when the person must have one and has none. Returns the last response.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> TestResponse {
        let first = self.sign_in_password(email, password).await;
        match first.location() {
            "/login/code" => {
                let code = self.app.totp_code(email).await;
                self.post("/login/code", &[("code", &code)]).await
            }
            "/login/enrol" => {
                let shown = self.enrol().await;
                assert_eq!(shown.texts(".recovery-codes li").len(), 10, "{}", shown.body);
                self.post("/login/finish", &[]).await
            }
            _ => first,
        }
    }

    /// Only the first step of signing in: e-mail and password.
    pub async fn sign_in_password(&mut self, email: &str, password: &str) -> TestResponse {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Sets up the authenticator app on the enrolment page with a right first code; returns
    /// the page with the recovery codes.
    pub async fn enrol(&mut self) -> TestResponse {
        let page = self.get("/login/enrol").await;
        let secret = Secret::from_base32(&page.texts("#secret")[0]).expect("the page shows the secret");
        let sealed = page.attr("input[name='sealed']", "value");
        let code = code_after(&secret, None).await;
        self.post("/login/enrol", &[("sealed", &sealed), ("code", &code)])
            .await
    }

    /// States a reason for opening a record from outside its centre (an admin's "break the glass").
    #[allow(dead_code)]
    pub async fn state_reason(&mut self, patient_id: i64) -> TestResponse {
        let response = self
            .post(
                &format!("/patients/{patient_id}/reason"),
                &[("reason", "data_correction"), ("note", "")],
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
        response
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Body,
    ) -> TestResponse {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
            if !ct.starts_with("application/x-www-form-urlencoded") {
                if let Some(token) = self.cookies.get("coachline_csrf") {
                    request = request.header("x-csrf-token", token.clone());
                }
            }
        }
        if let Some(lang) = self.accept_language {
            request = request.header(header::ACCEPT_LANGUAGE, lang);
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value.as_str());
        }
        let mut request = request.body(body).unwrap();
        if let Some(ip) = self.ip {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(ip, 40000)));
        }
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.contains("Max-Age=0") || value.is_empty();
            if expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }
}

/// A key for one form, as a page makes it when it shows a form that stores a record (a call,
/// an amendment, a step to reach a patient): sending the same key twice stores it once.
pub fn form_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A directory of its own under the system's temporary directory, removed with everything in
/// it when the test is done, also when it fails.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(purpose: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("coachline-{purpose}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
