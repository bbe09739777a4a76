//! Messages that come in: files dropped into the inbox directory (by the region's integration
//! engine) are read one by one. A CareCommunication about a known patient is stored and shown on
//! the record (in its thread when it answers ours); an Acknowledgement marks our message
//! acknowledged; anything else is moved to quarantine beside a file saying why. Every file is
//! kept (read ones under `processed/`), and each is claimed by renaming, so two servers never
//! read the same file.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::medcom_check::{self, of_type, resolve};
use super::outbox;
use crate::domain::{CareCategory, OutboxState};
use crate::AppState;

/// What became of one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A CareCommunication stored (its `medcom_messages` id).
    Message(i64),
    /// An acknowledgement recorded on our message.
    Acknowledgement,
    /// Not read, with the reason (never patient data).
    Quarantined(String),
}

fn quarantined(reason: impl Into<String>) -> Received {
    Received::Quarantined(reason.into())
}

/// Reads one message's bytes and records what it is.
pub async fn receive(state: &AppState, file_name: &str, bytes: &[u8]) -> Result<Received, sqlx::Error> {
    let now = state.clock.now();
    let outcome = match serde_json::from_slice::<Value>(bytes) {
        Err(_) => quarantined("not a FHIR JSON document"),
        Ok(bundle) => match bundle["entry"][0]["resource"]["eventCoding"]["code"].as_str() {
            Some("acknowledgement-message") => acknowledgement(state, &bundle).await?,
            Some("care-communication-message") => care_communication(state, &bundle).await?,
            _ => quarantined("neither a CareCommunication nor an Acknowledgement"),
        },
    };
    let (kind, reason, message_id) = match &outcome {
        Received::Message(id) => ("reply", String::new(), Some(*id)),
        Received::Acknowledgement => ("acknowledgement", String::new(), None),
        Received::Quarantined(reason) => ("quarantined", reason.clone(), None),
    };
    sqlx::query!(
        "insert into inbound_files (file_name, sha256, outcome, reason, medcom_message_id, received_at)
         values ($1, $2, $3, $4, $5, $6)",
        file_name,
        Sha256::digest(bytes).to_vec(),
        kind,
        reason,
        message_id,
        now
    )
    .execute(&state.db)
    .await?;
    Ok(outcome)
}

async fn acknowledgement(state: &AppState, bundle: &Value) -> Result<Received, sqlx::Error> {
    let problems = medcom_check::acknowledgement(bundle);
    if !problems.is_empty() {
        return Ok(quarantined(problems.join("; ")));
    }
    let header = &bundle["entry"][0]["resource"];
    let Some(ours) = header["response"]["identifier"]
        .as_str()
        .and_then(|i| Uuid::parse_str(i).ok())
    else {
        return Ok(quarantined("the acknowledgement names no message"));
    };
    let code = header["response"]["code"].as_str().unwrap_or("");
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let known = if code == "ok" {
        outbox::acknowledge(&mut tx, ours, now, "acknowledged by the receiver").await?
    } else {
        let id = sqlx::query_scalar!("select id from outbox_messages where message_uuid = $1", ours)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(id) = id {
            let detail = format!("the receiver answered {code}");
            outbox::record(&mut tx, id, OutboxState::Failed, now, 0, &detail).await?;
        }
        id.is_some()
    };
    if !known {
        return Ok(quarantined("acknowledges a message coachline did not send"));
    }
    tx.commit().await?;
    Ok(Received::Acknowledgement)
}

fn text_payloads(communication: &Value) -> String {
    communication["payload"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["contentString"].as_str())
                .collect::<Vec<_>>()
                .join("\n\n")
        })
        .unwrap_or_default()
}

/// The author's name on the first text payload, if the Bundle names one.
fn author(bundle: &Value, communication: &Value) -> String {
    let Some(payload) = communication["payload"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["contentString"].is_string()))
    else {
        return String::new();
    };
    let role = payload["extension"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["url"] == super::medcom::EXT_AUTHOR))
        .and_then(|e| resolve(bundle, &e["valueReference"]));
    let name = role
        .and_then(|r| resolve(bundle, &r["practitioner"]))
        .map(|p| &p["name"][0]);
    name.map(|n| {
        let given: Vec<&str> = n["given"]
            .as_array()
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        format!("{} {}", given.join(" "), n["family"].as_str().unwrap_or(""))
            .trim()
            .to_owned()
    })
    .unwrap_or_default()
}

async fn care_communication(state: &AppState, bundle: &Value) -> Result<Received, sqlx::Error> {
    let problems = medcom_check::care_communication(bundle);
    if !problems.is_empty() {
        return Ok(quarantined(problems.join("; ")));
    }
    let header = &bundle["entry"][0]["resource"];
    let Some(header_id) = header["id"].as_str().and_then(|i| Uuid::parse_str(i).ok()) else {
        return Ok(quarantined("the MessageHeader's id is not a UUID"));
    };
    let communication = resolve(bundle, &header["focus"][0])
        .cloned()
        .unwrap_or(Value::Null);
    let cpr = resolve(bundle, &communication["subject"])
        .and_then(|p| p["identifier"].as_array().cloned())
        .and_then(|ids| {
            ids.iter()
                .find(|i| i["system"] == super::medcom::CPR_SYSTEM)
                .and_then(|i| i["value"].as_str().map(str::to_owned))
        })
        .unwrap_or_default();
    let Some(patient_id) = sqlx::query_scalar!("select id from patients where cpr = $1", cpr)
        .fetch_optional(&state.db)
        .await?
    else {
        return Ok(quarantined(
            "no patient in coachline has the message's CPR number",
        ));
    };
    let thread = communication["identifier"][0]["value"]
        .as_str()
        .and_then(|v| v.strip_prefix("urn:uuid:"))
        .and_then(|v| Uuid::parse_str(v).ok())
        .unwrap_or_else(Uuid::new_v4);
    // The message it answers: the Provenance's preceding message, when it is one of ours.
    let previous = of_type(bundle, "Provenance")
        .iter()
        .flat_map(|p| p["entity"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["role"] == "revision")
        .filter_map(|e| e["what"]["reference"].as_str().map(str::to_owned))
        .filter_map(|r| r.rsplit('/').next().and_then(|id| Uuid::parse_str(id).ok()))
        .next();
    let earlier = sqlx::query!(
        "select patient_id, thread from medcom_messages
          where (thread = $1 or message_uuid = $2) order by id limit 1",
        thread,
        previous
    )
    .fetch_optional(&state.db)
    .await?;
    if earlier.as_ref().is_some_and(|e| e.patient_id != patient_id) {
        return Ok(quarantined("the message's thread belongs to another patient"));
    }
    let thread = earlier.map_or(thread, |e| e.thread);
    let sender_sor = resolve(bundle, &header["sender"])
        .and_then(|o| o["identifier"].as_array().cloned())
        .and_then(|ids| {
            ids.iter()
                .find(|i| i["system"] == super::medcom::SOR_SYSTEM)
                .and_then(|i| i["value"].as_str().map(str::to_owned))
        })
        .unwrap_or_default();
    let organisation_id = sqlx::query_scalar!("select id from organisations where sor_code = $1", sender_sor)
        .fetch_optional(&state.db)
        .await?;
    let category = communication["category"][0]["coding"][0]["code"]
        .as_str()
        .and_then(CareCategory::parse)
        .unwrap_or(CareCategory::Other);
    let topic = communication["topic"]["text"].as_str().map(str::to_owned);
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into medcom_messages (direction, patient_id, organisation_id, thread, message_uuid, in_reply_to,
                                      category, topic, text, author, bundle, at)
         values ('in', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (message_uuid) do nothing returning id",
        patient_id,
        organisation_id,
        thread,
        header_id,
        previous,
        category as CareCategory,
        topic,
        text_payloads(&communication),
        author(bundle, &communication),
        bundle,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Ok(quarantined("the same message came in before"));
    };
    crate::audit::access::log_system(
        &mut *tx,
        crate::audit::access::Action::MessageReceived,
        patient_id,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(message = id, patient_id, "a MedCom message came in");
    Ok(Received::Message(id))
}

/// Where quarantined files go.
fn quarantine_dir(state: &AppState, inbox: &Path) -> PathBuf {
    state
        .config
        .messaging
        .quarantine_dir
        .clone()
        .unwrap_or_else(|| inbox.join("quarantine"))
}

/// Reads every file waiting in the inbox directory; returns how many were read.
pub async fn scan(state: &AppState) -> Result<usize, sqlx::Error> {
    let Some(inbox) = state.config.messaging.inbox_dir.clone() else {
        return Ok(0);
    };
    let Ok(mut dir) = tokio::fs::read_dir(&inbox).await else {
        tracing::warn!("the MedCom inbox directory cannot be read");
        return Ok(0);
    };
    let processing = inbox.join("processing");
    let processed = inbox.join("processed");
    let quarantine = quarantine_dir(state, &inbox);
    for d in [&processing, &processed, &quarantine] {
        if let Err(error) = tokio::fs::create_dir_all(d).await {
            tracing::warn!(error = %error.kind(), "a MedCom inbox folder cannot be made");
            return Ok(0);
        }
    }
    let mut read = 0;
    while let Ok(Some(entry)) = dir.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type().await.is_ok_and(|t| t.is_file()) {
            continue;
        }
        // Claimed by renaming: another server that got here first has it already.
        let claimed = processing.join(&name);
        if tokio::fs::rename(entry.path(), &claimed).await.is_err() {
            continue;
        }
        let Ok(bytes) = tokio::fs::read(&claimed).await else {
            continue;
        };
        let outcome = receive(state, &name, &bytes).await?;
        read += 1;
        let moved = match &outcome {
            Received::Quarantined(reason) => {
                let _ = super::transport::write_atomically(
                    &quarantine,
                    &format!("{name}.reason.txt"),
                    reason.as_bytes(),
                )
                .await;
                tracing::warn!(reason = %reason, "an incoming MedCom file was quarantined");
                tokio::fs::rename(&claimed, quarantine.join(&name)).await
            }
            Received::Message(_) | Received::Acknowledgement => {
                tokio::fs::rename(&claimed, processed.join(&name)).await
            }
        };
        if let Err(error) = moved {
            tracing::error!(error = %error.kind(), "an incoming MedCom file stays in processing");
        }
    }
    Ok(read)
}
