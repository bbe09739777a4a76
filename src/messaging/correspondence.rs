//! MedCom correspondence from the record: the nurse writes to the patient's GP or municipality
//! (or answers a reply); the message is built, checked against the standard, stored and queued
//! in the outbox in one transaction. `send` is also what other features call (the reachability
//! protocol's message to the GP). Every opening of a message's content is in the access log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::directory::{self, Organisation};
use super::medcom::{self, Author, Letter, Party, Subject};
use super::outbox::{self, NewMessage};
use crate::audit::access::{check, Action};
use crate::domain::{CareCategory, Channel, OrganisationKind};
use crate::web::{render, AppError, FormErrors, Layout, Page, Result};
use crate::AppState;

/// What is needed to send, from whoever asks.
#[derive(Clone)]
pub struct Outgoing {
    pub patient_id: i64,
    pub organisation_id: i64,
    pub category: CareCategory,
    pub topic: Option<String>,
    pub text: String,
    /// The writer (a nurse or coordinator).
    pub user_id: i64,
    /// The received message this answers (its `medcom_messages` id).
    pub reply_to: Option<i64>,
    /// A file sent along (the patient's plan as PDF).
    pub attachment: Option<medcom::Attachment>,
}

/// Why a message could not be sent; the catalogue key says it to the nurse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The call centre has no entry of its own in the directory (its SOR and EAN).
    NoSender,
    /// The centre has no phone number, which every message must carry.
    NoPhone,
    NoReceiver,
    /// The built message broke one of the standard's rules (a fault here, logged).
    Invalid,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NoSender => "medcom.no_sender",
            Refusal::NoPhone => "medcom.no_phone",
            Refusal::NoReceiver => "medcom.no_receiver",
            Refusal::Invalid => "medcom.invalid",
        }
    }
}

fn party(o: &Organisation) -> Party {
    Party {
        name: o.name.clone(),
        sor: o.sor_code.clone(),
        ean: o.ean.clone(),
    }
}

/// Builds, checks, stores and queues a message; its `medcom_messages` id, or why not.
pub async fn send(
    state: &AppState,
    out: &Outgoing,
) -> Result<std::result::Result<i64, Refusal>, sqlx::Error> {
    let db = &state.db;
    let now = state.clock.now();
    let patient = sqlx::query!(
        "select p.cpr, p.first_name, p.last_name, p.centre_id, c.phone as centre_phone
           from patients p join centres c on c.id = p.centre_id where p.id = $1",
        out.patient_id
    )
    .fetch_one(db)
    .await?;
    let sender = sqlx::query_scalar!(
        "select id from organisations where centre_id = $1",
        patient.centre_id
    )
    .fetch_optional(db)
    .await?;
    let Some(sender) = sender else {
        return Ok(Err(Refusal::NoSender));
    };
    let Some(sender) = directory::get(db, sender).await? else {
        return Ok(Err(Refusal::NoSender));
    };
    let Some(receiver) = directory::get(db, out.organisation_id).await? else {
        return Ok(Err(Refusal::NoReceiver));
    };
    if patient.centre_phone.trim().is_empty() {
        return Ok(Err(Refusal::NoPhone));
    }
    let writer = sqlx::query_scalar!("select name from users where id = $1", out.user_id)
        .fetch_one(db)
        .await?;
    let (given, family) = writer.rsplit_once(' ').unwrap_or((writer.as_str(), ""));
    let (thread, reply_to) = match out.reply_to {
        Some(id) => {
            let previous = sqlx::query!(
                "select thread, message_uuid from medcom_messages where id = $1 and patient_id = $2",
                id,
                out.patient_id
            )
            .fetch_optional(db)
            .await?;
            match previous {
                Some(p) => (Some(p.thread), Some(p.message_uuid)),
                None => return Ok(Err(Refusal::NoReceiver)),
            }
        }
        None => (None, None),
    };
    let built = medcom::build(
        &state.config.messaging.fhir_base,
        now,
        &party(&sender),
        &party(&receiver),
        &Subject {
            cpr: patient.cpr,
            given: patient.first_name,
            family: patient.last_name,
        },
        &Author {
            given: given.to_owned(),
            family: family.to_owned(),
            phone: patient.centre_phone.trim().to_owned(),
        },
        &Letter {
            category: out.category,
            topic: out.topic.clone(),
            text: out.text.clone(),
            attachment: out.attachment.clone(),
        },
        thread,
        reply_to,
    );
    let problems = super::medcom_check::care_communication(&built.bundle);
    if !problems.is_empty() {
        // The rules broken, not the message: no patient data.
        tracing::error!(problems = ?problems, "a built MedCom message broke the standard's rules; not sent");
        return Ok(Err(Refusal::Invalid));
    }
    let mut tx = db.begin().await?;
    let outbox_id = outbox::enqueue(
        &mut tx,
        &NewMessage {
            channel: Channel::Medcom,
            centre_id: patient.centre_id,
            patient_id: Some(out.patient_id),
            organisation_id: Some(receiver.id),
            recipient: receiver.ean.clone(),
            content_type: medcom::CONTENT_TYPE,
            content: built.bundle.to_string(),
            message_uuid: built.header_id,
            appointment: None,
            created_by: Some(out.user_id),
        },
        now,
    )
    .await?
    .ok_or(sqlx::Error::RowNotFound)?;
    let id = sqlx::query_scalar!(
        "insert into medcom_messages (direction, patient_id, organisation_id, thread, message_uuid, in_reply_to,
                                      category, topic, text, author, bundle, outbox_id, written_by, at)
         values ('out', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
        out.patient_id,
        receiver.id,
        built.thread,
        built.header_id,
        reply_to,
        out.category as CareCategory,
        out.topic,
        out.text,
        writer,
        built.bundle,
        outbox_id,
        out.user_id,
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        message = id,
        patient_id = out.patient_id,
        "a MedCom message was queued"
    );
    Ok(Ok(id))
}

/// Sends `text` to the patient's GP or municipality (`to`) when the directory knows it (other
/// features' way in: the reachability protocol's message to the GP, a referral). `None` when
/// there is none to send to or the message could not be sent; the reason is logged without
/// patient data.
pub async fn send_to(
    state: &AppState,
    patient_id: i64,
    to: OrganisationKind,
    user_id: i64,
    category: CareCategory,
    topic: &str,
    text: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let gp = directory::of_patient(&state.db, patient_id)
        .await?
        .into_iter()
        .find(|o| o.kind == to);
    let Some(gp) = gp else { return Ok(None) };
    let outgoing = Outgoing {
        patient_id,
        organisation_id: gp.id,
        category,
        topic: Some(topic.to_owned()),
        text: text.to_owned(),
        user_id,
        reply_to: None,
        attachment: None,
    };
    match send(state, &outgoing).await? {
        Ok(id) => Ok(Some(id)),
        Err(refusal) => {
            tracing::warn!(
                patient_id,
                refusal = refusal.key(),
                "a message to the GP could not be sent"
            );
            Ok(None)
        }
    }
}

/// A message of the correspondence, as the timeline and the message page show it.
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub outgoing: bool,
    pub organisation: Option<String>,
    pub category: CareCategory,
    pub topic: Option<String>,
    pub text: String,
    pub author: String,
    pub thread: Uuid,
}

/// Every message to and from others about the patient, newest first.
pub async fn timeline_events(
    db: impl sqlx::PgExecutor<'_>,
    patient_id: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"select m.id, m.at, m.direction = 'out' as "outgoing!", o.name as "organisation?",
                  m.category as "category: CareCategory", m.topic, m.text, m.author, m.thread
             from medcom_messages m left join organisations o on o.id = m.organisation_id
            where m.patient_id = $1 order by m.at desc, m.id desc"#,
        patient_id
    )
    .fetch_all(db)
    .await
}

/// The form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ComposeForm {
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub reply_to: String,
    /// The "attach the plan" box: present when ticked.
    #[serde(default)]
    pub attach_plan: Option<String>,
}

#[derive(Template)]
#[template(path = "messaging/compose.html")]
struct ComposePage {
    layout: Layout,
    patient: crate::patients::Brief,
    receivers: Vec<Organisation>,
    categories: &'static [CareCategory],
    form: ComposeForm,
    errors: FormErrors,
    problem: Option<&'static str>,
}

impl ComposePage {
    fn kind_label(&self, kind: &OrganisationKind) -> &'static str {
        self.layout.t(kind.label_key())
    }
}

/// `?to=` and `?reply=` of the compose page.
#[derive(Debug, Default, Deserialize)]
pub struct ComposeQuery {
    #[serde(default)]
    pub reply: Option<i64>,
}

async fn compose_page(
    state: &AppState,
    layout: Layout,
    patient_id: i64,
    form: ComposeForm,
    errors: FormErrors,
    problem: Option<&'static str>,
) -> Result<Response> {
    render(&ComposePage {
        patient: crate::patients::brief(&state.db, patient_id).await?,
        receivers: directory::of_patient(&state.db, patient_id).await?,
        categories: CareCategory::ALL,
        layout,
        form,
        errors,
        problem,
    })
}

/// `GET /patients/{id}/messages/new`: the form to write to the GP or municipality.
pub async fn compose(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<ComposeQuery>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::ViewPage).await?;
    let mut form = ComposeForm {
        category: CareCategory::CareCoordination.as_str().to_owned(),
        ..ComposeForm::default()
    };
    if let Some(reply) = q.reply {
        let previous = sqlx::query!(
            "select organisation_id, category, topic from medcom_messages where id = $1 and patient_id = $2",
            reply,
            id
        )
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
        form.reply_to = reply.to_string();
        form.organisation_id = previous
            .organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default();
        form.category = previous.category;
        form.topic = previous.topic.unwrap_or_default();
    }
    compose_page(&state, page.layout, id, form, FormErrors::default(), None).await
}

/// `POST /patients/{id}/messages`: sends, or shows the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ComposeForm>,
) -> Result<Response> {
    check(&state.db, &page.user, id, Action::Write).await?;
    let mut errors = FormErrors::default();
    let receivers = directory::of_patient(&state.db, id).await?;
    let reply_to = form.reply_to.trim().parse::<i64>().ok();
    let organisation_id = form.organisation_id.trim().parse::<i64>().ok();
    let allowed_receiver = match (organisation_id, reply_to) {
        (Some(o), None) => receivers.iter().any(|r| r.id == o),
        // A reply goes back to whoever wrote; `send` checks the message is the patient's.
        (Some(_), Some(_)) => true,
        (None, _) => false,
    };
    if !allowed_receiver {
        errors.add("organisation_id", "medcom.receiver_missing");
    }
    let category = CareCategory::parse(form.category.trim());
    if category.is_none() {
        errors.add("category", "medcom.category_missing");
    }
    let topic = Some(form.topic.trim().to_owned()).filter(|t| !t.is_empty());
    if category == Some(CareCategory::Other) && topic.is_none() {
        errors.add("topic", "medcom.topic_needed");
    }
    errors.limit("topic", form.topic.trim(), crate::web::limits::Limit::Line);
    if form.text.trim().is_empty() {
        errors.add("text", "form.required");
    }
    errors.limit("text", form.text.trim(), crate::web::limits::Limit::Text);
    let (Some(organisation_id), Some(category), true) = (organisation_id, category, errors.is_empty()) else {
        return compose_page(&state, page.layout, id, form, errors, None).await;
    };
    let attachment = if form.attach_plan.is_some() {
        Some(plan_attachment(&state, id, page.user.tz, page.now()).await?)
    } else {
        None
    };
    let outgoing = Outgoing {
        patient_id: id,
        organisation_id,
        category,
        topic,
        text: form.text.trim().to_owned(),
        user_id: page.user.id,
        reply_to,
        attachment,
    };
    match send(&state, &outgoing).await? {
        Ok(_) => Ok(crate::web::flash::redirect(
            &format!("/patients/{id}"),
            "done.medcom_queued",
        )),
        Err(refusal) => compose_page(&state, page.layout, id, form, errors, Some(refusal.key())).await,
    }
}

/// The patient's plan as it stands, as a PDF attachment (base64, titled as the plan is).
pub async fn plan_attachment(
    state: &AppState,
    patient_id: i64,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<medcom::Attachment> {
    use base64::Engine;
    let plan = crate::letters::plan::load(&state.db, patient_id, tz, now).await?;
    Ok(medcom::Attachment {
        title: plan.title().to_owned(),
        content_type: "application/pdf".to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(plan.pdf()),
    })
}

#[derive(Template)]
#[template(path = "messaging/message.html")]
struct MessagePage {
    layout: Layout,
    patient: crate::patients::Brief,
    thread: Vec<Event>,
    shown: i64,
    may_write: bool,
}

impl MessagePage {
    fn when(&self, at: &DateTime<Utc>) -> String {
        self.layout.datetime(at)
    }

    fn category_label(&self, c: &CareCategory) -> &'static str {
        self.layout.t(c.label_key())
    }
}

/// `GET /medcom/{id}`: a message with its whole thread (logged as an opening of its content).
pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let row = sqlx::query!("select patient_id, thread from medcom_messages where id = $1", id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    check(&state.db, &page.user, row.patient_id, Action::MessageView).await?;
    let thread = timeline_events(&state.db, row.patient_id)
        .await?
        .into_iter()
        .filter(|e| e.thread == row.thread)
        .collect();
    render(&MessagePage {
        patient: crate::patients::brief(&state.db, row.patient_id).await?,
        may_write: matches!(
            page.user.role,
            crate::web::Role::Nurse | crate::web::Role::Coordinator
        ),
        layout: page.layout,
        thread,
        shown: id,
    })
}
