//! The one rule for when a call or meeting may be booked: inside the centre's working hours, not
//! on a public holiday or a day the centre closes, not while the nurse is away, not on top of
//! her other bookings; and, for proposals, inside the times the patient said suit them.
//! Everything that books or proposes a time reads it here.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use sqlx::PgConnection;

use crate::domain::calendar::holiday_on;
use crate::domain::{AbsenceKind, CallTimeKind, Holiday};
use crate::web::Lang;

/// How far ahead a proposal is looked for.
const LOOK_AHEAD_DAYS: i64 = 120;
/// Proposals start on the quarter hour.
const STEP_MINUTES: i64 = 15;

/// Why a time cannot be booked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Holiday(Holiday),
    ClosedDay(String),
    ClosedWeekday,
    OutsideHours { opens: NaiveTime, closes: NaiveTime },
    NurseAway { kind: AbsenceKind, last_day: NaiveDate },
    NurseBusy,
}

impl Refusal {
    /// Whether a coordinator may book anyway, with a reason (the centre is closed, but the nurse
    /// is free): never over an absence or another booking.
    pub fn may_override(&self) -> bool {
        !matches!(self, Refusal::NurseAway { .. } | Refusal::NurseBusy)
    }

    /// The form's field and message for the refusal: a clash is the time's, anything else the
    /// day's.
    pub fn error(&self) -> (&'static str, &'static str) {
        match self {
            Refusal::NurseBusy => ("time", "booking.double"),
            _ => ("date", "calendar.closed"),
        }
    }

    /// The refusal in words, with its day or hours.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Refusal::Holiday(h) => format!(
                "{}: {}",
                lang.t("calendar.refused_holiday"),
                lang.t(h.label_key())
            ),
            Refusal::ClosedDay(name) => format!("{}: {name}", lang.t("calendar.refused_closed_day")),
            Refusal::ClosedWeekday => lang.t("calendar.refused_weekday").to_owned(),
            Refusal::OutsideHours { opens, closes } => format!(
                "{} {}–{}",
                lang.t("calendar.refused_hours"),
                opens.format("%H:%M"),
                closes.format("%H:%M")
            ),
            Refusal::NurseAway { kind, last_day } => format!(
                "{} ({}) {} {}",
                lang.t("calendar.refused_away"),
                lang.t(kind.label_key()).to_lowercase(),
                lang.t("calendar.until"),
                lang.date(*last_day)
            ),
            Refusal::NurseBusy => lang.t("booking.double").to_owned(),
        }
    }
}

/// A day the centre closes besides the public holidays.
#[derive(Clone, Debug)]
pub struct ClosedDay {
    pub day: NaiveDate,
    pub every_year: bool,
    pub name: String,
}

impl ClosedDay {
    pub fn falls_on(&self, day: NaiveDate) -> bool {
        if self.every_year {
            self.day.month() == day.month() && self.day.day() == day.day()
        } else {
            self.day == day
        }
    }
}

/// One of the patient's windows, in the centre's local time; no weekday means every day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallTime {
    pub kind: CallTimeKind,
    pub weekday: Option<i16>,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

impl CallTime {
    fn covers_day(&self, day: NaiveDate) -> bool {
        self.weekday
            .is_none_or(|w| i64::from(w) == i64::from(day.weekday().number_from_monday()))
    }
}

/// An absence of the nurse (approved), whole days.
#[derive(Clone, Debug)]
pub struct Away {
    pub kind: AbsenceKind,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// The calendar of one centre, and optionally one nurse's absences and bookings and one
/// patient's call times, loaded once and asked many times.
#[derive(Clone, Debug)]
pub struct Calendar {
    pub tz: Tz,
    /// The centre works on public holidays too.
    pub open_on_holidays: bool,
    /// Opening hours by ISO weekday (index 0 is Monday); `None` is closed.
    pub hours: [Option<(NaiveTime, NaiveTime)>; 7],
    pub closed: Vec<ClosedDay>,
    pub away: Vec<Away>,
    pub busy: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub windows: Vec<CallTime>,
}

/// What to load with the centre's calendar.
#[derive(Clone, Copy, Debug, Default)]
pub struct For {
    pub nurse_id: Option<i64>,
    pub patient_id: Option<i64>,
    /// A booking being moved: its own slot does not count as busy.
    pub except_appointment: Option<i64>,
}

impl Calendar {
    /// The centre's calendar from `from` on, with what `what` asks for.
    pub async fn load(
        conn: &mut PgConnection,
        centre_id: i64,
        what: For,
        from: DateTime<Utc>,
    ) -> Result<Self, sqlx::Error> {
        let centre = sqlx::query!(
            "select timezone, open_on_public_holidays from centres where id = $1",
            centre_id
        )
        .fetch_one(&mut *conn)
        .await?;
        let tz: Tz = centre.timezone.parse().unwrap_or(chrono_tz::Europe::Copenhagen);
        let mut hours = [None; 7];
        for h in sqlx::query!(
            "select weekday, opens, closes from working_hours where centre_id = $1",
            centre_id
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(slot) = usize::try_from(h.weekday - 1).ok().and_then(|i| hours.get_mut(i)) {
                *slot = Some((h.opens, h.closes));
            }
        }
        let closed = sqlx::query_as!(
            ClosedDay,
            "select day, every_year, name from closed_days where centre_id = $1 order by day",
            centre_id
        )
        .fetch_all(&mut *conn)
        .await?;
        let since = from.with_timezone(&tz).date_naive() - Duration::days(1);
        let until = from + Duration::days(LOOK_AHEAD_DAYS + 1);
        let (away, busy) = match what.nurse_id {
            Some(nurse_id) => {
                let away = sqlx::query_as!(
                    Away,
                    r#"select kind as "kind: AbsenceKind", first_day, last_day from absences
                        where nurse_id = $1 and status = 'approved' and last_day >= $2
                        order by first_day"#,
                    nurse_id,
                    since
                )
                .fetch_all(&mut *conn)
                .await?;
                // Her bookings, and the meetings letters hold for her (but the patient's own).
                let busy = sqlx::query!(
                    r#"select starts_at as "starts_at!", ends_at as "ends_at!" from (
                         select starts_at, ends_at from appointments
                          where nurse_id = $1 and status = 'scheduled' and ends_at > $2 and starts_at < $3
                            and id is distinct from $4
                         union all
                         select starts_at, ends_at from letter_holds
                          where nurse_id = $1 and released_at is null and ends_at > $2 and starts_at < $3
                            and patient_id is distinct from $5
                       ) b order by starts_at"#,
                    nurse_id,
                    from - Duration::days(1),
                    until,
                    what.except_appointment,
                    what.patient_id
                )
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .map(|b| (b.starts_at, b.ends_at))
                .collect();
                (away, busy)
            }
            None => (Vec::new(), Vec::new()),
        };
        let windows = match what.patient_id {
            Some(patient_id) => {
                sqlx::query_as!(
                    CallTime,
                    r#"select kind as "kind: CallTimeKind", weekday, starts, ends from call_times
                    where patient_id = $1 order by kind, weekday nulls first, starts"#,
                    patient_id
                )
                .fetch_all(&mut *conn)
                .await?
            }
            None => Vec::new(),
        };
        Ok(Calendar {
            tz,
            open_on_holidays: centre.open_on_public_holidays,
            hours,
            closed,
            away,
            busy,
            windows,
        })
    }

    /// Why the centre is closed on `day`, if it is.
    pub fn closed_on(&self, day: NaiveDate) -> Option<Refusal> {
        if let Some(h) = holiday_on(day).filter(|_| !self.open_on_holidays) {
            return Some(Refusal::Holiday(h));
        }
        if let Some(c) = self.closed.iter().find(|c| c.falls_on(day)) {
            return Some(Refusal::ClosedDay(c.name.clone()));
        }
        self.hours_on(day).is_none().then_some(Refusal::ClosedWeekday)
    }

    /// The opening hours of `day`'s weekday (holidays not considered).
    pub fn hours_on(&self, day: NaiveDate) -> Option<(NaiveTime, NaiveTime)> {
        self.hours[day.weekday().num_days_from_monday() as usize]
    }

    /// The nurse's absence over `day`, if any.
    pub fn away_on(&self, day: NaiveDate) -> Option<&Away> {
        self.away.iter().find(|a| a.first_day <= day && day <= a.last_day)
    }

    /// Why `minutes` from `at` cannot be booked, if they cannot: the centre's hours first, then
    /// the nurse. A booking must start and end inside one day's opening hours.
    pub fn refusal(&self, at: DateTime<Utc>, minutes: i64) -> Option<Refusal> {
        let local = at.with_timezone(&self.tz).naive_local();
        let end = (at + Duration::minutes(minutes))
            .with_timezone(&self.tz)
            .naive_local();
        let day = local.date();
        if let Some(a) = self.away_on(day) {
            return Some(Refusal::NurseAway {
                kind: a.kind,
                last_day: a.last_day,
            });
        }
        if let Some(closed) = self.closed_on(day) {
            return Some(closed);
        }
        let (opens, closes) = self.hours_on(day)?;
        if local.time() < opens || end.date() != day || end.time() > closes {
            return Some(Refusal::OutsideHours { opens, closes });
        }
        self.clashes(at, minutes).then_some(Refusal::NurseBusy)
    }

    fn clashes(&self, at: DateTime<Utc>, minutes: i64) -> bool {
        let end = at + Duration::minutes(minutes);
        self.busy.iter().any(|(s, e)| *s < end && at < *e)
    }

    /// Whether `minutes` from `at` lie inside the patient's preferred windows (when they have
    /// any) and outside every window to avoid.
    pub fn suits_patient(&self, at: DateTime<Utc>, minutes: i64) -> bool {
        let start = at.with_timezone(&self.tz).naive_local();
        let end = start + Duration::minutes(minutes);
        let inside = |w: &CallTime| {
            w.covers_day(start.date())
                && start.time() >= w.starts
                && end.date() == start.date()
                && end.time() <= w.ends
        };
        let overlaps =
            |w: &CallTime| w.covers_day(start.date()) && start.time() < w.ends && w.starts < end.time();
        let mut preferred = self
            .windows
            .iter()
            .filter(|w| w.kind == CallTimeKind::Prefer)
            .peekable();
        let in_preferred = preferred.peek().is_none() || preferred.any(inside);
        in_preferred
            && !self
                .windows
                .iter()
                .filter(|w| w.kind == CallTimeKind::Avoid)
                .any(overlaps)
    }

    /// The first bookable time at or after `from` (on the quarter hour), also suiting the
    /// patient when `for_patient`; `None` when there is none within the look-ahead.
    pub fn next_open(&self, from: DateTime<Utc>, minutes: i64, for_patient: bool) -> Option<DateTime<Utc>> {
        self.open_times(from, minutes, for_patient).next()
    }

    /// Up to `count` bookable times from `from` on, at most one a day, suiting the patient when
    /// they can (and the centre's hours alone when nothing suits them within the look-ahead).
    pub fn suggestions(&self, from: DateTime<Utc>, minutes: i64, count: usize) -> Vec<DateTime<Utc>> {
        let pick = |for_patient: bool| {
            let mut days = Vec::new();
            let mut out = Vec::new();
            for at in self.open_times(from, minutes, for_patient) {
                let day = at.with_timezone(&self.tz).date_naive();
                if !days.contains(&day) {
                    days.push(day);
                    out.push(at);
                }
                if out.len() == count {
                    break;
                }
            }
            out
        };
        let suited = pick(true);
        if suited.is_empty() {
            pick(false)
        } else {
            suited
        }
    }

    /// Bookable times from `from` on, in order, on the quarter hour in local time.
    fn open_times(
        &self,
        from: DateTime<Utc>,
        minutes: i64,
        for_patient: bool,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let first = round_up(from.with_timezone(&self.tz).naive_local());
        let last_day = first.date() + Duration::days(LOOK_AHEAD_DAYS);
        let tz = self.tz;
        std::iter::successors(Some(first), |t| Some(*t + Duration::minutes(STEP_MINUTES)))
            .take_while(move |t| t.date() <= last_day)
            .filter(move |t| self.closed_on(t.date()).is_none() && self.away_on(t.date()).is_none())
            .filter_map(move |t| instant(tz, t))
            .filter(move |at| *at >= from)
            .filter(move |at| self.refusal(*at, minutes).is_none())
            .filter(move |at| !for_patient || self.suits_patient(*at, minutes))
    }
}

/// The next quarter hour at or after `t`.
fn round_up(t: NaiveDateTime) -> NaiveDateTime {
    let t = t.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(t);
    let past = i64::from(t.minute()) % STEP_MINUTES;
    if past == 0 {
        t
    } else {
        t + Duration::minutes(STEP_MINUTES - past)
    }
}

/// The instant of a local time, the first when it exists twice; none when it is skipped.
pub fn instant(tz: Tz, t: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&t)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Copenhagen;

    fn local(s: &str) -> DateTime<Utc> {
        instant(
            Copenhagen,
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
        )
        .unwrap()
    }

    fn shown(at: DateTime<Utc>) -> String {
        at.with_timezone(&Copenhagen)
            .format("%a %Y-%m-%d %H:%M")
            .to_string()
    }

    fn time(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    /// Monday to Friday 08:00-16:00, closed on 24 December every year.
    fn centre() -> Calendar {
        let open = Some((time("08:00"), time("16:00")));
        Calendar {
            tz: Copenhagen,
            open_on_holidays: false,
            hours: [open, open, open, open, open, None, None],
            closed: vec![ClosedDay {
                day: "2026-12-24".parse().unwrap(),
                every_year: true,
                name: "Juleaftensdag".into(),
            }],
            away: Vec::new(),
            busy: Vec::new(),
            windows: Vec::new(),
        }
    }

    #[test]
    fn a_call_at_three_at_night_is_refused_and_the_morning_proposed() {
        let c = centre();
        let at = local("2026-12-08 03:00");
        assert_eq!(
            c.refusal(at, 30),
            Some(Refusal::OutsideHours {
                opens: time("08:00"),
                closes: time("16:00")
            })
        );
        assert_eq!(shown(c.next_open(at, 30, false).unwrap()), "Tue 2026-12-08 08:00");
        // A call that would run past closing is outside the hours too.
        assert!(c.refusal(local("2026-12-08 15:45"), 30).is_some());
        assert_eq!(c.refusal(local("2026-12-08 15:30"), 30), None);
    }

    #[test]
    fn a_sunday_night_is_refused_and_monday_morning_proposed() {
        let c = centre();
        let at = local("2026-12-06 23:30");
        assert_eq!(c.refusal(at, 30), Some(Refusal::ClosedWeekday));
        assert_eq!(shown(c.next_open(at, 30, false).unwrap()), "Mon 2026-12-07 08:00");
    }

    #[test]
    fn good_friday_and_the_centres_own_days_are_closed() {
        let c = centre();
        let at = local("2026-04-03 10:00");
        assert_eq!(c.refusal(at, 30), Some(Refusal::Holiday(Holiday::GoodFriday)));
        // Easter Monday is a holiday too: the Tuesday after.
        assert_eq!(shown(c.next_open(at, 30, false).unwrap()), "Tue 2026-04-07 08:00");
        let eve = local("2027-12-24 09:00");
        assert_eq!(
            c.refusal(eve, 30),
            Some(Refusal::ClosedDay("Juleaftensdag".into()))
        );
        assert_eq!(
            shown(c.next_open(eve, 30, false).unwrap()),
            "Mon 2027-12-27 08:00"
        );
        assert!(Refusal::Holiday(Holiday::GoodFriday).may_override());
    }

    #[test]
    fn a_nurse_away_cannot_be_booked_and_her_first_day_back_is_proposed() {
        let mut c = centre();
        c.away.push(Away {
            kind: AbsenceKind::Holiday,
            first_day: "2027-07-05".parse().unwrap(),
            last_day: "2027-07-23".parse().unwrap(),
        });
        let at = local("2027-07-14 10:00");
        let refusal = c.refusal(at, 30).unwrap();
        assert!(matches!(refusal, Refusal::NurseAway { .. }));
        assert!(!refusal.may_override());
        assert_eq!(shown(c.next_open(at, 30, false).unwrap()), "Mon 2027-07-26 08:00");
    }

    #[test]
    fn a_booked_slot_is_busy_and_the_next_free_quarter_is_proposed() {
        let mut c = centre();
        c.busy
            .push((local("2026-12-08 09:00"), local("2026-12-08 09:30")));
        assert_eq!(c.refusal(local("2026-12-08 09:15"), 30), Some(Refusal::NurseBusy));
        assert_eq!(
            shown(c.next_open(local("2026-12-08 08:45"), 30, false).unwrap()),
            "Tue 2026-12-08 09:30"
        );
    }

    #[test]
    fn suggestions_keep_to_the_patients_windows_across_the_change_to_winter_time() {
        let mut c = centre();
        // Tuesdays 10:00-11:00 suit; never before 10:30 on any day.
        c.windows = vec![
            CallTime {
                kind: CallTimeKind::Prefer,
                weekday: Some(2),
                starts: time("10:00"),
                ends: time("11:30"),
            },
            CallTime {
                kind: CallTimeKind::Avoid,
                weekday: None,
                starts: time("00:00"),
                ends: time("10:30"),
            },
        ];
        // Summer time ends on Sunday 25 October 2026.
        let from = local("2026-10-19 12:00");
        let got: Vec<String> = c.suggestions(from, 30, 3).into_iter().map(shown).collect();
        assert_eq!(
            got,
            [
                "Tue 2026-10-20 10:30",
                "Tue 2026-10-27 10:30",
                "Tue 2026-11-03 10:30"
            ],
            "the same local time on both sides of the change"
        );
        assert_eq!(
            local("2026-10-27 10:30") - local("2026-10-20 10:30"),
            Duration::hours(7 * 24 + 1),
            "an hour more passes over the change"
        );
        // Without any suiting time within the look-ahead, the centre's hours alone.
        c.windows[0].weekday = Some(6);
        assert_eq!(shown(c.suggestions(from, 30, 1)[0]), "Mon 2026-10-19 12:00");
    }
}
