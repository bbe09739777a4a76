-- Patients from invitation lists, and the batches they came in.

create table import_batches (
    id             bigserial primary key,
    file_name      text not null,
    file_sha256    bytea not null,
    imported_by    bigint not null references users (id),
    default_centre_id bigint references centres (id),
    rows_imported  integer not null default 0 check (rows_imported >= 0),
    rows_known     integer not null default 0 check (rows_known >= 0),
    rows_rejected  integer not null default 0 check (rows_rejected >= 0),
    warnings       integer not null default 0 check (warnings >= 0),
    report         jsonb not null default '{}'::jsonb,
    created_at     timestamptz not null default now()
);
create index import_batches_created_idx on import_batches (created_at desc);

create table patients (
    id            bigserial primary key,
    centre_id     bigint not null references centres (id),
    cpr           text not null unique check (cpr ~ '^[0-9]{10}$'),
    first_name    text not null default '',
    last_name     text not null default '',
    birth_date    date not null,
    sex           text not null check (sex in ('female', 'male')),
    address       text,
    postal_code   text check (postal_code is null or postal_code ~ '^[0-9]{4}$'),
    city          text,
    phone         text,
    mobile        text,
    municipality  text,
    gp            text,
    diagnoses     text[] not null default '{}',
    risk_score    double precision check (risk_score is null or risk_score between 0 and 1),
    status        text not null default 'invited' check (status in (
                      'invited', 'meeting_booked', 'active', 'ended',
                      'declined', 'no_response', 'unreachable', 'not_eligible')),
    nurse_id      bigint references users (id),
    batch_id      bigint references import_batches (id),
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    check (length(trim(first_name || last_name)) > 0)
);
create index patients_centre_status_idx on patients (centre_id, status);
create index patients_nurse_idx on patients (nurse_id) where nurse_id is not null;
create index patients_batch_idx on patients (batch_id);

alter table access_log
    add constraint access_log_patient_fk foreign key (patient_id) references patients (id);
