-- The reachability protocol: after failed attempts to reach a patient, a letter asking them to
-- call the centre, or a message to their GP. Each is kept exactly as produced (the letter in
-- its blocks, the message as text), with who, when and how many attempts had failed.

create table reachability_steps (
    id               bigserial primary key,
    patient_id       bigint not null references patients (id),
    course_id        bigint references courses (id),
    step             text not null check (step in ('letter', 'gp')),
    letter           jsonb,
    message          text,
    failed_attempts  integer not null check (failed_attempts >= 0),
    recorded_by      bigint not null references users (id),
    recorded_at      timestamptz not null default now(),
    form_key         uuid not null,
    check ((step = 'letter') = (letter is not null)),
    check ((step = 'gp') = (message is not null and length(trim(message)) > 0))
);
create unique index reachability_steps_form_key on reachability_steps (form_key);
create index reachability_steps_patient_idx on reachability_steps (patient_id, recorded_at);

create trigger reachability_steps_append_only before update or delete on reachability_steps
    for each row execute function refuse_change();
create trigger reachability_steps_no_truncate before truncate on reachability_steps
    for each statement execute function refuse_change();

-- Why a patient changed nurse: null for a coordinator's move, 'initial_meeting' when the initial
-- meeting was booked with another nurse.
alter table caseload_moves add column reason text check (reason in ('initial_meeting'));
