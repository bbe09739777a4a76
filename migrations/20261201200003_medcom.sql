-- MedCom correspondence (CareCommunication): each message sent or received is kept exactly as
-- it was (the FHIR Bundle, and its parts for reading), tied to the patient and to its thread
-- (the Communication.identifier every message of a correspondence shares). Files that came in
-- are recorded with what became of them; one that could not be read is in quarantine with
-- the reason, never lost.

-- The call centre's own entry in the directory: who MedCom messages are from.
alter table organisations add column centre_id bigint unique references centres (id);

create table medcom_messages (
    id               bigserial primary key,
    direction        text not null check (direction in ('out', 'in')),
    patient_id       bigint not null references patients (id),
    organisation_id  bigint references organisations (id),
    thread           uuid not null,
    -- The MessageHeader's id.
    message_uuid     uuid not null unique,
    -- The message this one answers (its MessageHeader id), when it does.
    in_reply_to      uuid,
    category         text not null check (category in (
                         'alcohol-and-drug-treatment', 'assistive-devices', 'carecoordination', 'decease',
                         'discharge', 'examination-results', 'healthcare', 'home-care-assessment',
                         'medicine', 'nursing', 'outpatient', 'psychiatry-social-disability',
                         'regarding-referral', 'telemedicine', 'training', 'other')),
    topic            text,
    text             text not null,
    author           text not null default '',
    bundle           jsonb not null,
    outbox_id        bigint references outbox_messages (id),
    written_by       bigint references users (id),
    at               timestamptz not null,
    check ((direction = 'out') = (outbox_id is not null))
);
create index medcom_messages_patient_idx on medcom_messages (patient_id, at);
create index medcom_messages_thread_idx on medcom_messages (thread);

create table inbound_files (
    id           bigserial primary key,
    file_name    text not null,
    sha256       bytea not null,
    outcome      text not null check (outcome in ('reply', 'acknowledgement', 'quarantined')),
    reason       text not null default '',
    medcom_message_id bigint references medcom_messages (id),
    received_at  timestamptz not null
);

create trigger medcom_messages_append_only before update or delete on medcom_messages
    for each row execute function refuse_change();
create trigger medcom_messages_no_truncate before truncate on medcom_messages
    for each statement execute function refuse_change();
create trigger inbound_files_append_only before update or delete on inbound_files
    for each row execute function refuse_change();
create trigger inbound_files_no_truncate before truncate on inbound_files
    for each statement execute function refuse_change();

insert into app_role_rules (table_name, rule) values
    ('medcom_messages', 'append_only'),
    ('inbound_files', 'append_only')
on conflict (table_name) do update set rule = excluded.rule;

select app_role_grants();
