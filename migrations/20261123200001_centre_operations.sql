-- Running a call centre: the rooms initial meetings are held in, invitation letters, and the
-- history of caseloads moved between nurses.

-- The centre's rooms for initial meetings; an editable list per centre.
create table centre_rooms (
    id          bigserial primary key,
    centre_id   bigint not null references centres (id),
    name        text not null check (length(trim(name)) > 0),
    address     text not null default '',
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create unique index centre_rooms_name_key on centre_rooms (centre_id, lower(name));

-- One production of letters: who printed them, when, for which centre.
create table letter_runs (
    id           bigserial primary key,
    centre_id    bigint not null references centres (id),
    produced_by  bigint references users (id),
    produced_at  timestamptz not null default now()
);

-- One invitation letter: the proposed initial meeting it names, and when it was produced.
create table letters (
    id           bigserial primary key,
    run_id       bigint not null references letter_runs (id),
    patient_id   bigint not null references patients (id),
    proposed_at  timestamptz not null,
    place        text not null check (length(trim(place)) > 0),
    produced_at  timestamptz not null default now(),
    unique (run_id, patient_id)
);
create index letters_patient_idx on letters (patient_id, produced_at desc);

-- A patient moved from one nurse to another, permanently or until a date after which the
-- patient returns. The patient's timeline reads this table.
create table caseload_moves (
    id                  bigserial primary key,
    patient_id          bigint not null references patients (id),
    from_nurse_id       bigint not null references users (id),
    to_nurse_id         bigint not null references users (id),
    until               date,
    appointments_moved  integer not null default 0 check (appointments_moved >= 0),
    moved_by            bigint references users (id),
    moved_at            timestamptz not null default now(),
    returned_at         timestamptz,
    check (from_nurse_id <> to_nurse_id),
    check (returned_at is null or until is not null)
);
create index caseload_moves_patient_idx on caseload_moves (patient_id, moved_at);
create index caseload_moves_due_idx on caseload_moves (until) where until is not null and returned_at is null;
