//! The layout around every page: navigation for the role, the signed-in person, the language
//! switch; the `Page` extractor that hands it to handlers; and the error pages.

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::error::ErrorPage;
use super::{AppError, CurrentUser, Lang, ReqCtx, Role};
use crate::AppState;

/// One entry of the navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
    /// A count shown beside the entry (e.g. the coordinator's open safety nets).
    pub count: Option<i64>,
}

/// Counts for navigation entries, by `href`, put on the request by a feature's middleware.
#[derive(Clone, Debug, Default)]
pub struct NavCounts(pub Vec<(&'static str, i64)>);

/// What `base.html` needs: language, CSRF token, the person and where they are.
#[derive(Clone, Debug)]
pub struct Layout {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<CurrentUser>,
    pub path: String,
    pub counts: NavCounts,
    /// The request's "now" from the application clock.
    pub now: chrono::DateTime<chrono::Utc>,
    /// What was just done, confirmed in a line (a catalogue key; see `flash`).
    pub flash: Option<&'static str>,
    /// Where the language switch returns to: this page, or for the answer to a form the page
    /// the form was on (a form's address may take no GET).
    pub back: String,
}

/// The admin's pages about other systems, under one menu item ("Integration").
const INTEGRATION: [&str; 3] = ["/admin/directory", "/admin/outbox", "/admin/api-clients"];

impl Layout {
    /// A layout for a request, signed in or not.
    pub fn new(ctx: &ReqCtx, user: Option<CurrentUser>, path: &str) -> Self {
        Self {
            lang: ctx.lang,
            csrf: ctx.csrf.clone(),
            user,
            path: path.to_owned(),
            counts: NavCounts::default(),
            now: ctx.now,
            flash: None,
            back: path.to_owned(),
        }
    }

    /// The text for `key` in the page's language.
    /// `maxlength` of a one-line free-text field.
    pub fn line_max(&self) -> usize {
        super::limits::LINE_CHARS
    }

    /// `maxlength` of a free text (a note, a comment).
    pub fn text_max(&self) -> usize {
        super::limits::TEXT_CHARS
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The page's language.
    pub fn language(&self) -> Lang {
        self.lang
    }

    /// The language's code for `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The navigation for the person's role.
    pub fn nav(&self) -> Vec<NavItem> {
        let Some(user) = &self.user else { return Vec::new() };
        let items: &[(&'static str, &'static str)] = match user.role {
            Role::Nurse => &[
                ("/today", "nav.today"),
                ("/my-patients", "nav.my_patients"),
                ("/week", "nav.week"),
                ("/calendar", "nav.calendar"),
            ],
            Role::Coordinator => &[
                ("/centre", "nav.centre"),
                ("/patients", "nav.patients"),
                ("/nurses", "nav.nurses"),
                ("/safety-nets", "nav.safety_nets"),
                ("/overview", "nav.overview"),
                ("/calendar", "nav.calendar"),
            ],
            Role::Admin => &[
                ("/imports", "nav.imports"),
                ("/patients", "nav.patients"),
                ("/admin/users", "nav.users"),
                ("/admin/centres", "nav.centres"),
                ("/admin/directory", "nav.integration"),
                ("/admin/access-log", "nav.access_log"),
                ("/admin/topics", "nav.topics"),
                ("/admin/questionnaires", "nav.questionnaires"),
                ("/research", "nav.research"),
            ],
            Role::Researcher => &[("/research", "nav.research")],
            Role::ResearchAssistant => &[("/follow-up", "nav.follow_up")],
        };
        items
            .iter()
            .map(|(href, key)| NavItem {
                href,
                key,
                current: self.path.starts_with(href)
                    || (*href == "/admin/directory" && INTEGRATION.iter().any(|p| self.path.starts_with(p))),
                count: self.counts.0.iter().find(|(h, _)| h == href).map(|(_, n)| *n),
            })
            .collect()
    }

    /// The other languages the switch offers.
    pub fn other_langs(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| *l != self.lang).collect()
    }

    /// The person's centre's time zone (Copenhagen before signing in).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.user.as_ref().map_or(chrono_tz::Europe::Copenhagen, |u| u.tz)
    }

    /// A date and time in the person's centre's zone.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.lang.datetime(*at, self.tz())
    }

    /// A day with its weekday: `tirsdag 08.12.2026`.
    pub fn day(&self, date: &chrono::NaiveDate) -> String {
        self.lang.day(*date)
    }

    /// A booked time, with its weekday, in the person's centre's zone.
    pub fn booked(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        self.lang.booked(*at, self.tz())
    }

    /// Today in the person's centre's zone, by the application clock.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::clock::today_at(self.now, self.tz())
    }

    /// Age in whole years today (by the application clock), from the birth date.
    pub fn age(&self, birth_date: &chrono::NaiveDate) -> u32 {
        self.today().years_since(*birth_date).unwrap_or(0)
    }

    /// A phone number as people read it (see `phone_display`); every page shows numbers so.
    pub fn phone(&self, stored: &str) -> String {
        phone_display(stored)
    }

    /// A date in the page's language.
    pub fn date(&self, date: &chrono::NaiveDate) -> String {
        self.lang.date(*date)
    }
}

/// A stored phone number as people read it: `+4512345678` → `+45 12 34 56 78`.
pub fn phone_display(stored: &str) -> String {
    match stored.strip_prefix("+45") {
        Some(rest) if rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            format!(
                "+45 {} {} {} {}",
                &rest[..2],
                &rest[2..4],
                &rest[4..6],
                &rest[6..]
            )
        }
        _ => stored.to_owned(),
    }
}

/// A signed-in page: the person and the layout. Extract it in handlers that render pages.
pub struct Page {
    pub user: CurrentUser,
    pub layout: Layout,
}

impl Page {
    pub fn lang(&self) -> Lang {
        self.layout.lang
    }

    /// The request's "now" from the application clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.layout.now
    }

    /// Today in the person's centre's zone, by the application clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.layout.today()
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let ctx = ReqCtx::from_request_parts(parts, state).await?;
        let mut layout = Layout::new(&ctx, Some(user.clone()), parts.uri.path());
        layout.counts = parts.extensions.get::<NavCounts>().cloned().unwrap_or_default();
        layout.flash = super::flash::of(&parts.headers);
        if parts.method != axum::http::Method::GET {
            layout.back = referring_path(&parts.headers).unwrap_or_else(|| "/".to_owned());
        }
        Ok(Page { user, layout })
    }
}

/// The local path of the page a form was sent from (its `Referer`), if any.
fn referring_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let uri: axum::http::Uri = referer.parse().ok()?;
    let path = uri.path();
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}

/// Renders a template into an HTML response.
pub fn render(template: &impl Template) -> super::Result<Response> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    layout: Layout,
    status: u16,
    title_key: &'static str,
    text_key: &'static str,
    incident: Option<String>,
}

/// Middleware: turns the bare status of an `AppError` (or an unmatched route) into a friendly
/// page in the layout. Internal causes never reach the page; 500s show their incident id.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let lang = super::request::lang_of(&parts.headers);
    let path = parts.uri.path().to_owned();
    let session = super::auth::session_id_of(&parts, state.config.https);
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(info) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let (title_key, text_key) = match info.status.as_u16() {
        403 if info.text_key == Some("error.csrf.text") => ("error.csrf.title", "error.csrf.text"),
        403 => ("error.403.title", "error.403.text"),
        404 => ("error.404.title", "error.404.text"),
        413 => ("error.413.title", "error.413.text"),
        429 => ("error.429.title", "error.429.text"),
        400 => ("error.400.title", "error.400.text"),
        _ => ("error.500.title", "error.500.text"),
    };
    let user = match session {
        Some(id) => {
            let cfg = &state.config;
            super::auth::load_session(&state.db, &id, cfg.idle_timeout, cfg.absolute_timeout)
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    // The CSRF layer sits inside this one, so the token may not be known here.
    let ctx = ReqCtx {
        lang,
        csrf: String::new(),
        now: state.clock.now(),
    };
    let page = ErrorTemplate {
        layout: Layout::new(&ctx, user, &path),
        status: info.status.as_u16(),
        title_key,
        text_key: info.text_key.unwrap_or(text_key),
        incident: info.incident,
    };
    let mut rendered = match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => info.status.into_response(),
    };
    *rendered.status_mut() = info.status;
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// The fallback for routes that do not exist.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
