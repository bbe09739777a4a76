-- The outbox: every message that leaves coachline (MedCom messages to GPs and municipalities,
-- SMS reminders to patients). The message is kept exactly as produced; what happened to it is
-- a history of states (queued, sent, failed, acknowledged, cancelled). The delivery queue is the
-- one changing part: when the next attempt is due, and how many there were.

create table outbox_messages (
    id                    bigserial primary key,
    channel               text not null check (channel in ('medcom', 'sms')),
    centre_id             bigint not null references centres (id),
    patient_id            bigint references patients (id),
    organisation_id       bigint references organisations (id),
    -- Where it goes: the receiver's EAN location number, or the mobile number.
    recipient             text not null check (length(trim(recipient)) > 0),
    content_type          text not null,
    content               text not null,
    -- The message's own identifier (a MedCom MessageHeader's id; an SMS's reference).
    message_uuid          uuid not null unique,
    -- A reminder is for one booking as it stood when the reminder was made.
    appointment_id        bigint references appointments (id),
    appointment_starts_at timestamptz,
    created_by            bigint references users (id),
    created_at            timestamptz not null,
    check ((appointment_id is null) = (appointment_starts_at is null))
);
create index outbox_messages_patient_idx on outbox_messages (patient_id, created_at) where patient_id is not null;
create unique index outbox_one_reminder_per_booking on outbox_messages (appointment_id)
    where appointment_id is not null;

create table outbox_events (
    id          bigserial primary key,
    message_id  bigint not null references outbox_messages (id),
    state       text not null check (state in ('queued', 'sent', 'failed', 'acknowledged', 'cancelled')),
    at          timestamptz not null,
    attempt     integer not null default 0 check (attempt >= 0),
    -- Why it failed or was cancelled, in the product's words (never message content).
    detail      text not null default ''
);
create index outbox_events_message_idx on outbox_events (message_id, id);

create table outbox_queue (
    message_id       bigint primary key references outbox_messages (id),
    next_attempt_at  timestamptz not null,
    attempts         integer not null default 0 check (attempts >= 0),
    settled          boolean not null default false
);
create index outbox_queue_due_idx on outbox_queue (next_attempt_at) where not settled;

-- Where each message stands: its latest state.
create view outbox_current as
select distinct on (e.message_id) e.message_id, e.state, e.at, e.attempt, e.detail
  from outbox_events e
 order by e.message_id, e.id desc;

create trigger outbox_messages_append_only before update or delete on outbox_messages
    for each row execute function refuse_change();
create trigger outbox_messages_no_truncate before truncate on outbox_messages
    for each statement execute function refuse_change();
create trigger outbox_events_append_only before update or delete on outbox_events
    for each row execute function refuse_change();
create trigger outbox_events_no_truncate before truncate on outbox_events
    for each statement execute function refuse_change();

-- When a centre's reminders leave: the day before the call, at this local time.
create table reminder_settings (
    centre_id   bigint primary key references centres (id),
    send_at     time not null default '16:00',
    enabled     boolean not null default true,
    updated_at  timestamptz not null default now()
);
create trigger reminder_settings_touch_updated_at before update on reminder_settings
    for each row execute function touch_updated_at();

-- The patient's choice: no SMS reminders.
alter table patients add column declines_sms_reminders boolean not null default false;

insert into app_role_rules (table_name, rule) values
    ('outbox_messages', 'append_only'),
    ('outbox_events', 'append_only')
on conflict (table_name) do update set rule = excluded.rule;

select app_role_grants();
