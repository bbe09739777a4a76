//! The admin's access log: filter by user, patient, action and period; paginated; CSV download.
//! Entries are append-only (a trigger refuses updates, deletes and truncation).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::domain::AccessAction;
use crate::web::spreadsheet::neutralise;
use crate::web::FormErrors;
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

const PAGE_SIZE: i64 = 100;

/// The entries counted for the page's total at most: the log keeps every opening for years
/// (millions of rows at ten times the programme), and counting every match took a tenth of a
/// second per 60,000 entries on every view. Past this the page says "more than".
const COUNTED_AT_MOST: i64 = 10_000;

/// A stated reason in words, with its note: `Correcting imported data: wrong address`.
pub fn reason_text(
    lang: crate::web::Lang,
    reason: crate::audit::reason::Reason,
    note: Option<&str>,
) -> String {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => format!("{}: {note}", lang.t(reason.label_key())),
        None => lang.t(reason.label_key()).to_owned(),
    }
}

/// The filters as typed.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct Filters {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub patient: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default, skip_serializing)]
    pub page: Option<i64>,
}

/// The filters checked.
struct Checked {
    user: Option<i64>,
    patient: Option<i64>,
    action: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Filters {
    /// The query string for another page, keeping the filters.
    pub fn link(&self, page: i64) -> String {
        let mut query = serde_urlencoded::to_string(self).unwrap_or_default();
        query.push_str(&format!("&page={page}"));
        query
    }

    /// The query string of the filters alone (for the CSV link).
    pub fn query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    /// Whether the patient was typed as a CPR number (searched by posting, never in a URL).
    fn patient_is_cpr(&self) -> Option<String> {
        let typed = self.patient.trim();
        let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 10 && typed.chars().all(|c| c.is_ascii_digit() || c == '-')).then_some(digits)
    }

    /// Checks the filters of a URL: a patient by number only.
    fn check(&self) -> (Checked, FormErrors) {
        let mut errors = FormErrors::default();
        let date = |text: &str, field: &'static str, errors: &mut FormErrors| match text.trim() {
            "" => None,
            t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_or_else(
                |_| {
                    errors.add(field, "audit.date_invalid");
                    None
                },
                Some,
            ),
        };
        let from = date(&self.from, "from", &mut errors);
        let to = date(&self.to, "to", &mut errors);
        if from.zip(to).is_some_and(|(f, t)| f > t) {
            errors.add("to", "audit.period_backwards");
        }
        // A patient is given by number here; a CPR number is posted (see `search`).
        let typed = self.patient.trim();
        let patient = if typed.is_empty() {
            None
        } else if self.patient_is_cpr().is_some() {
            errors.add("patient", "audit.patient_cpr_by_form");
            None
        } else if let Ok(id) = typed.trim_start_matches('#').parse::<i64>() {
            Some(id)
        } else {
            errors.add("patient", "audit.patient_invalid");
            None
        };
        let checked = Checked {
            user: self.user.trim().parse().ok(),
            patient,
            action: Some(self.action.trim().to_owned()).filter(|a| !a.is_empty()),
            from,
            to,
        };
        (checked, errors)
    }
}

/// One entry as listed.
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// The API client that acted, when no person did.
    pub client_name: Option<String>,
    pub action: AccessAction,
    pub patient_id: Option<i64>,
    pub allowed: bool,
    pub detail: serde_json::Value,
    pub total: i64,
}

impl Entry {
    pub fn action_key(&self) -> &'static str {
        self.action.label_key()
    }

    /// Who acted: the person, or the API client ("API client: name").
    pub fn actor(&self, lang: crate::web::Lang) -> String {
        match (&self.user_name, &self.client_name) {
            (Some(user), _) => user.clone(),
            (None, Some(client)) => format!("{}: {client}", lang.t("audit.api_client")),
            (None, None) => String::new(),
        }
    }

    /// The filter of an export, or whatever else was noted, as compact text.
    pub fn detail_text(&self) -> String {
        match &self.detail {
            serde_json::Value::Object(map) if map.is_empty() => String::new(),
            other => other.to_string(),
        }
    }
}

async fn entries(db: &sqlx::PgPool, f: &Checked, limit: i64, offset: i64) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as!(
        Entry,
        // `matching` is read twice, each time only as far as needed: the page's rows in the
        // index's order, and the count up to one past `COUNTED_AT_MOST`.
        r#"with matching as not materialized (
               select l.* from access_log l
                where ($1::bigint is null or l.user_id = $1)
                  and ($2::bigint is null or l.patient_id = $2)
                  and ($3::text is null or l.action = $3)
                  and ($4::date is null or l.at >= ($4::date::timestamp at time zone 'Europe/Copenhagen'))
                  and ($5::date is null or l.at < (($5::date + 1)::timestamp at time zone 'Europe/Copenhagen')))
           select l.id as "id!", l.at as "at!", l.user_id, u.name as "user_name?", a.name as "client_name?",
                  l.action as "action!: AccessAction", l.patient_id, l.allowed as "allowed!",
                  l.detail as "detail!",
                  (select count(*) from (select 1 from matching limit $8) c) as "total!"
             from matching l left join users u on u.id = l.user_id
             left join api_clients a on a.id = l.api_client_id
            order by l.at desc, l.id desc
            limit $6 offset $7"#,
        f.user,
        f.patient,
        f.action,
        f.from,
        f.to,
        limit,
        offset,
        COUNTED_AT_MOST + 1
    )
    .fetch_all(db)
    .await
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    layout: Layout,
    filters: Filters,
    errors: FormErrors,
    entries: Vec<Entry>,
    users: Vec<(i64, String)>,
    actions: &'static [AccessAction],
    total: i64,
    page: i64,
    pages: i64,
}

impl LogPage {
    /// Whether every matching entry was counted (else there are more than `COUNTED_AT_MOST`).
    fn counted_all(&self) -> bool {
        self.total <= COUNTED_AT_MOST
    }

    fn count_text(&self) -> String {
        if self.counted_all() {
            self.layout.lang.count("audit.count", self.total)
        } else {
            let n = self.layout.lang.count("audit.count", COUNTED_AT_MOST);
            self.layout.lang.tf("audit.count_more", &[("n", &n)])
        }
    }

    fn user_selected(&self, id: &i64) -> bool {
        self.filters.user == id.to_string()
    }

    /// What the entry's detail says: a stated reason in words, else the detail as text.
    fn detail_shown(&self, e: &Entry) -> String {
        let reason = e.detail.get("reason").and_then(|r| r.as_str());
        let note = e.detail.get("note").and_then(|n| n.as_str());
        match reason.and_then(crate::audit::reason::Reason::parse) {
            Some(r) => reason_text(self.layout.lang, r, note),
            None => e.detail_text(),
        }
    }

    fn action_label(&self, action: &AccessAction) -> &'static str {
        self.layout.t(action.label_key())
    }
}

/// `GET /admin/access-log`.
pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    list_page(&state, page, filters, FormErrors::default()).await
}

async fn list_page(state: &AppState, page: Page, filters: Filters, errors: FormErrors) -> Result<Response> {
    // An error found while posting (an unknown CPR number) stands for the whole form.
    let (checked, more) = filters.check();
    let errors = if errors.is_empty() { more } else { errors };
    let current = filters.page.unwrap_or(1).max(1);
    let entries = if errors.is_empty() {
        entries(&state.db, &checked, PAGE_SIZE, (current - 1) * PAGE_SIZE).await?
    } else {
        Vec::new()
    };
    let total = entries.first().map_or(0, |e| e.total);
    let users = sqlx::query!("select id, name from users order by name")
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let failed = !errors.is_empty();
    let mut response = render(&LogPage {
        layout: page.layout,
        filters,
        errors,
        entries,
        users,
        actions: AccessAction::ALL,
        total,
        page: current,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
    })?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `POST /admin/access-log`: the filter form. A CPR number is looked up here, so it never
/// travels in a URL, and finding the person is itself logged; then the filters go to `list`
/// with the patient's number.
pub async fn search(
    State(state): State<AppState>,
    page: Page,
    axum::Form(mut filters): axum::Form<Filters>,
) -> Result<Response> {
    if let Some(cpr) = filters.patient_is_cpr() {
        let id = sqlx::query_scalar!("select id from patients where cpr = $1", cpr)
            .fetch_optional(&state.db)
            .await?;
        let Some(id) = id else {
            let mut errors = FormErrors::default();
            errors.add("patient", "audit.patient_unknown");
            return list_page(&state, page, filters, errors).await;
        };
        crate::audit::record_found_by_cpr(&state.db, page.user.id, &[id]).await?;
        filters.patient = id.to_string();
    }
    filters.page = None;
    Ok(axum::response::Redirect::to(&format!("/admin/access-log?{}", filters.query())).into_response())
}

/// `GET /admin/access-log.csv`: the filtered log (all pages) as CSV; the download is logged too.
pub async fn csv(
    State(state): State<AppState>,
    page: Page,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let (checked, errors) = filters.check();
    if !errors.is_empty() {
        return Err(AppError::BadRequest);
    }
    // The filter as resolved: a patient by number, never the CPR number that may have been typed.
    let detail = serde_json::json!({
        "user": checked.user,
        "patient": checked.patient,
        "action": checked.action,
        "from": checked.from,
        "to": checked.to,
    });
    super::record(
        &state.db,
        page.user.id,
        crate::domain::AccessAction::LogExport,
        None,
        true,
        detail,
    )
    .await?;
    let io = |e: csv::Error| AppError::Internal(e.into());
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer
        .write_record([
            "at",
            "user_id",
            "user",
            "action",
            "patient_id",
            "allowed",
            "detail",
        ])
        .map_err(io)?;
    // Read in pages of 5,000 so no single query holds the whole log.
    let mut offset = 0;
    loop {
        let batch = entries(&state.db, &checked, 5_000, offset).await?;
        for e in &batch {
            writer
                .write_record([
                    e.at.with_timezone(&page.user.tz).to_rfc3339(),
                    e.user_id.map(|u| u.to_string()).unwrap_or_default(),
                    neutralise(&e.actor(page.lang())).into_owned(),
                    e.action.as_str().to_owned(),
                    e.patient_id.map(|p| p.to_string()).unwrap_or_default(),
                    e.allowed.to_string(),
                    neutralise(&e.detail_text()).into_owned(),
                ])
                .map_err(io)?;
        }
        if batch.len() < 5_000 {
            break;
        }
        offset += 5_000;
    }
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"access-log.csv\"".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}
