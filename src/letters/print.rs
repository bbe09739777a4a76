//! A production of letters shown for print (one per A4 page) and as one PDF. Each showing
//! writes the access log for every person named.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::text::{compose, Letter, LetterData};
use crate::audit::access::{self, Action};
use crate::web::{render, AppError, Layout, Page, Result};
use crate::AppState;

/// The letters of one production, in print order; each naming is logged.
async fn letters_of(state: &AppState, page: &Page, run_id: i64) -> Result<Vec<Letter>> {
    let rows = sqlx::query_as!(
        LetterData,
        "select l.patient_id, p.first_name, p.last_name, p.address, p.postal_code, p.city,
                c.name as centre_name, c.address as centre_address, c.phone as centre_phone,
                l.proposed_at, l.place, l.produced_at,
                case when l.kind = 'reminder' then
                    (select min(f.produced_at) from letters f where f.patient_id = l.patient_id and f.kind = 'invitation')
                end as reminder_of
           from letters l join patients p on p.id = l.patient_id
           join letter_runs r on r.id = l.run_id join centres c on c.id = r.centre_id
          where l.run_id = $1 order by l.proposed_at, l.id",
        run_id
    )
    .fetch_all(&state.db)
    .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    for row in &rows {
        access::log(&state.db, page.user.id, Action::Letter, row.patient_id, true).await?;
    }
    Ok(rows.iter().map(|d| compose(d, page.user.tz)).collect())
}

#[derive(Template)]
#[template(path = "letters/print.html")]
struct PrintPage {
    layout: Layout,
    run_id: i64,
    letters: Vec<Letter>,
}

/// `GET /letters/{id}`: the letters, one per A4 page when printed.
pub async fn print(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let letters = letters_of(&state, &page, id).await?;
    render(&PrintPage {
        layout: page.layout,
        run_id: id,
        letters,
    })
}

/// `GET /letters/{id}/pdf`: the same letters as one PDF.
pub async fn pdf(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let letters = letters_of(&state, &page, id).await?;
    let bytes = super::pdf::render(&letters, "Invitationer");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invitationer-{id}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
