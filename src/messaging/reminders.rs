//! SMS reminders: the day before a booked call, from the time the centre sets, a short Danish
//! text to the patient's mobile, unless they decline reminders. Reminders are made from the
//! bookings as they stand (`queue_due`), one per booking; when it is sent the booking is read
//! again, so a call cancelled or moved in between cancels its reminder, and the new booking
//! gets its own.

use chrono::{Datelike, NaiveTime, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use uuid::Uuid;

use super::outbox::{self, NewMessage};
use crate::domain::Channel;
use crate::AppState;

/// No reminder leaves after this local time, however late a call for tomorrow is booked.
const LATEST: NaiveTime = match NaiveTime::from_hms_opt(21, 0, 0) {
    Some(t) => t,
    None => panic!("a valid time"),
};

/// The reminder's text: who calls, which day, at what time, and how to reach the centre.
pub fn text(
    nurse_name: &str,
    starts_at_local: chrono::NaiveDateTime,
    centre_name: &str,
    centre_phone: &str,
) -> String {
    let first_name = nurse_name.split_whitespace().next().unwrap_or(nurse_name);
    let day = match starts_at_local.weekday() {
        Weekday::Mon => "mandag",
        Weekday::Tue => "tirsdag",
        Weekday::Wed => "onsdag",
        Weekday::Thu => "torsdag",
        Weekday::Fri => "fredag",
        Weekday::Sat => "lørdag",
        Weekday::Sun => "søndag",
    };
    let mut text = format!(
        "Din sygeplejerske {first_name} ringer i morgen {day} kl. {:02}:{:02}.",
        starts_at_local.hour(),
        starts_at_local.minute()
    );
    if centre_phone.trim().is_empty() {
        text.push_str(&format!(" Venlig hilsen {centre_name}"));
    } else {
        text.push_str(&format!(
            " Passer tiden ikke, så ring til {centre_name} på {}.",
            crate::web::phone_display(centre_phone.trim())
        ));
    }
    text
}

/// Queues the reminders that are due now in every centre; returns how many.
pub async fn queue_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let centres = sqlx::query!(
        r#"select c.id as "id!", c.name as "name!", c.phone as "phone!", c.timezone as "timezone!",
                  coalesce(r.send_at, '16:00'::time) as "send_at!", coalesce(r.enabled, true) as "enabled!"
             from centres c left join reminder_settings r on r.centre_id = c.id"#
    )
    .fetch_all(&state.db)
    .await?;
    let mut queued = 0;
    for centre in centres.into_iter().filter(|c| c.enabled) {
        let tz: Tz = centre.timezone.parse().unwrap_or(chrono_tz::Europe::Copenhagen);
        let local = now.with_timezone(&tz);
        if local.time() < centre.send_at || local.time() >= LATEST {
            continue;
        }
        let Some(tomorrow) = local.date_naive().succ_opt() else {
            continue;
        };
        let midnight = |day: chrono::NaiveDate| {
            tz.from_local_datetime(&day.and_time(NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let (Some(from), Some(until)) = (midnight(tomorrow), tomorrow.succ_opt().and_then(midnight)) else {
            continue;
        };
        let due = sqlx::query!(
            r#"select a.id, a.starts_at, a.patient_id, p.mobile as "mobile!", u.name as nurse
                 from appointments a
                 join patients p on p.id = a.patient_id
                 join users u on u.id = a.nurse_id
                where p.centre_id = $1 and a.kind = 'call' and a.status = 'scheduled'
                  and a.starts_at >= $2 and a.starts_at < $3 and a.starts_at > $4
                  and p.mobile is not null and not p.declines_sms_reminders
                  and not exists (select 1 from outbox_messages m where m.appointment_id = a.id)"#,
            centre.id,
            from,
            until,
            now
        )
        .fetch_all(&state.db)
        .await?;
        for call in due {
            let message = NewMessage {
                channel: Channel::Sms,
                centre_id: centre.id,
                patient_id: Some(call.patient_id),
                organisation_id: None,
                recipient: call.mobile,
                content_type: "text/plain; charset=utf-8",
                content: text(
                    &call.nurse,
                    call.starts_at.with_timezone(&tz).naive_local(),
                    &centre.name,
                    &centre.phone,
                ),
                message_uuid: Uuid::new_v4(),
                appointment: Some((call.id, call.starts_at)),
                created_by: None,
            };
            let mut conn = state.db.acquire().await?;
            if outbox::enqueue(&mut conn, &message, now).await?.is_some() {
                queued += 1;
            }
        }
    }
    if queued > 0 {
        tracing::info!(queued, "reminders queued");
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_names_the_nurse_the_day_and_the_time_in_danish() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        assert_eq!(
            text("Anne Andersen", at, "OUH Odense", "+4566113344"),
            "Din sygeplejerske Anne ringer i morgen tirsdag kl. 10:00. \
             Passer tiden ikke, så ring til OUH Odense på +45 66 11 33 44."
        );
    }
}
