//! `GET /follow-up`: whom the research assistant should ask now, by arm, in their centre.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::schedule::{due_in_centre, DuePerson};
use crate::domain::Arm;
use crate::web::auth::centre_of;
use crate::web::{render, Layout, Page, Result};
use crate::AppState;

#[derive(Template)]
#[template(path = "follow_up/list.html")]
struct ListPage {
    layout: Layout,
    due: Vec<DuePerson>,
    arm: Option<Arm>,
    /// People due per arm (of the whole list, whatever the filter).
    per_arm: Vec<(Arm, usize)>,
}

impl ListPage {
    fn arms(&self) -> &'static [Arm] {
        Arm::ALL
    }

    fn chosen(&self, arm: &Arm) -> bool {
        self.arm == Some(*arm)
    }
}

/// The list's filter.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    arm: Option<String>,
}

/// `GET /follow-up?arm=control`.
pub async fn page(
    State(state): State<AppState>,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response> {
    let centre = centre_of(&page.user)?;
    let arm = filter.arm.as_deref().and_then(Arm::parse);
    let today = page.today();
    let all = due_in_centre(&state.db, centre, None, today).await?;
    let per_arm = Arm::ALL
        .iter()
        .map(|a| (*a, all.iter().filter(|p| p.arm == *a).count()))
        .collect();
    let due = all
        .into_iter()
        .filter(|p| arm.is_none_or(|a| p.arm == a))
        .collect();
    render(&ListPage {
        layout: page.layout,
        due,
        arm,
        per_arm,
    })
}
