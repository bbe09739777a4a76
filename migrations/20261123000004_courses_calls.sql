-- The course of support, appointments, calls with their notes, goals, referrals, contacts,
-- and the history of every patient's status.

create extension if not exists btree_gist;

-- Statuses move only along DOMAIN.md's paths; every change is kept.
create table status_changes (
    id           bigserial primary key,
    patient_id   bigint not null references patients (id),
    from_status  text,
    to_status    text not null,
    reason       text,
    changed_by   bigint references users (id),
    at           timestamptz not null default now()
);
create index status_changes_patient_idx on status_changes (patient_id, at);

create function status_transition_allowed(from_status text, to_status text) returns boolean
language sql immutable as $$
    select from_status = to_status or (from_status, to_status) in (
        ('invited', 'meeting_booked'), ('invited', 'declined'), ('invited', 'no_response'),
        ('invited', 'unreachable'), ('invited', 'not_eligible'),
        ('meeting_booked', 'active'), ('meeting_booked', 'declined'), ('meeting_booked', 'not_eligible'),
        ('meeting_booked', 'invited'), ('meeting_booked', 'unreachable'),
        ('no_response', 'meeting_booked'), ('no_response', 'declined'),
        ('unreachable', 'meeting_booked'), ('unreachable', 'declined'),
        ('active', 'ended')
    )
$$;

-- The application sets `coachline.user_id` and `coachline.reason` in the transaction
-- (set_config(..., true)) so the history says who and why.
create function patients_status_change() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into status_changes (patient_id, from_status, to_status, changed_by)
        values (new.id, null, new.status, nullif(current_setting('coachline.user_id', true), '')::bigint);
    elsif new.status is distinct from old.status then
        if not status_transition_allowed(old.status, new.status) then
            raise exception 'status cannot change from % to %', old.status, new.status
                using errcode = 'check_violation';
        end if;
        insert into status_changes (patient_id, from_status, to_status, reason, changed_by)
        values (new.id, old.status, new.status,
                nullif(current_setting('coachline.reason', true), ''),
                nullif(current_setting('coachline.user_id', true), '')::bigint);
    end if;
    return new;
end;
$$;
create trigger patients_status_change after insert or update of status on patients
    for each row execute function patients_status_change();
insert into status_changes (patient_id, from_status, to_status, at)
    select id, null, status, created_at from patients;

alter table patients add column preferred_call_times text not null default '';

create table patient_contacts (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    name        text not null check (length(trim(name)) > 0),
    relation    text not null default '',
    phone       text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index patient_contacts_patient_idx on patient_contacts (patient_id);

-- One patient's support period with one responsible nurse.
create table courses (
    id                  bigserial primary key,
    patient_id          bigint not null references patients (id),
    nurse_id            bigint not null references users (id),
    start_date          date not null,
    planned_end         date not null check (planned_end >= start_date),
    end_date            date check (end_date >= start_date),
    end_reason          text check (end_reason in ('completed', 'withdrew', 'moved', 'died', 'unreachable', 'other')),
    end_reason_text     text,
    -- Continuing past 9 months needs a stated reason.
    extension_reason    text,
    ending_planned      boolean not null default false,
    consent_course      boolean,
    consent_interview   boolean,
    consent_recorded_by bigint references users (id),
    consent_recorded_at timestamptz,
    created_by          bigint references users (id),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    check ((end_date is null) = (end_reason is null)),
    check (end_reason is distinct from 'other' or length(trim(coalesce(end_reason_text, ''))) > 0)
);
create unique index courses_one_open_per_patient on courses (patient_id) where end_date is null;
create index courses_nurse_idx on courses (nurse_id) where end_date is null;

-- A planned contact: the initial meeting (with a place) or a phone call.
create table appointments (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    course_id   bigint references courses (id),
    nurse_id    bigint not null references users (id),
    kind        text not null check (kind in ('meeting', 'call')),
    starts_at   timestamptz not null,
    ends_at     timestamptz not null check (ends_at > starts_at),
    place       text,
    status      text not null default 'scheduled'
                check (status in ('scheduled', 'done', 'no_answer', 'cancelled', 'moved')),
    moved_to    bigint references appointments (id),
    created_by  bigint references users (id),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    -- A nurse cannot have two contacts booked in the same slot.
    constraint appointments_no_double_booking exclude using gist
        (nurse_id with =, tstzrange(starts_at, ends_at) with &&) where (status = 'scheduled')
);
create index appointments_nurse_time_idx on appointments (nurse_id, starts_at) where status = 'scheduled';
create index appointments_patient_idx on appointments (patient_id, starts_at);

-- The admin-editable list of call topics.
create table call_topics (
    code      text primary key check (code ~ '^[a-z_]+$'),
    label_da  text not null,
    label_en  text not null,
    position  integer not null default 0,
    active    boolean not null default true
);
insert into call_topics (code, label_da, label_en, position) values
    ('own_goals', 'Egne mål', 'Own goals', 1),
    ('symptoms', 'Symptomer', 'Symptoms', 2),
    ('medication', 'Medicin', 'Medication', 3),
    ('quality_of_life', 'Livskvalitet', 'Quality of life', 4),
    ('health_system', 'Navigation i sundhedsvæsenet', 'Navigating the health system', 5),
    ('social_offers', 'Sociale tilbud og fritid', 'Social and leisure offers', 6),
    ('relatives', 'Pårørende', 'Relatives', 7),
    ('other', 'Andet', 'Other', 8);

-- What happened on a call. A clinical record: never changed, never deleted.
create table calls (
    id                bigserial primary key,
    patient_id        bigint not null references patients (id),
    course_id         bigint references courses (id),
    appointment_id    bigint references appointments (id),
    nurse_id          bigint not null references users (id),
    called_at         timestamptz not null default now(),
    outcome           text not null check (outcome in ('reached', 'no_answer', 'voicemail', 'wrong_number')),
    duration_minutes  integer not null default 0 check (duration_minutes between 0 and 600),
    topics            text[] not null default '{}',
    note              text not null default '',
    created_at        timestamptz not null default now()
);
create index calls_patient_idx on calls (patient_id, called_at desc);
create index calls_nurse_idx on calls (nurse_id, called_at desc);

-- A correction of a call's note: added text; the original stays.
create table call_amendments (
    id          bigserial primary key,
    call_id     bigint not null references calls (id),
    text        text not null check (length(trim(text)) > 0),
    author_id   bigint not null references users (id),
    created_at  timestamptz not null default now()
);
create index call_amendments_call_idx on call_amendments (call_id);

create trigger calls_append_only before update or delete on calls
    for each row execute function refuse_change();
create trigger calls_no_truncate before truncate on calls
    for each statement execute function refuse_change();
create trigger call_amendments_append_only before update or delete on call_amendments
    for each row execute function refuse_change();
create trigger call_amendments_no_truncate before truncate on call_amendments
    for each statement execute function refuse_change();

-- The patient's own goals, in their words, with progress over the course.
create table goals (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    course_id   bigint references courses (id),
    text        text not null check (length(trim(text)) > 0),
    status      text not null default 'open' check (status in ('open', 'achieved', 'dropped')),
    created_by  bigint references users (id),
    created_at  timestamptz not null default now(),
    closed_at   timestamptz
);
create index goals_patient_idx on goals (patient_id);

create table goal_progress (
    id           bigserial primary key,
    goal_id      bigint not null references goals (id),
    rating       integer check (rating between 0 and 10),
    comment      text not null default '',
    recorded_by  bigint references users (id),
    at           timestamptz not null default now()
);
create index goal_progress_goal_idx on goal_progress (goal_id, at);

-- The nurse's contacts with other actors on the patient's behalf.
create table referrals (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    course_id   bigint references courses (id),
    kind        text not null check (kind in ('gp', 'municipality', 'hospital', 'association', 'other')),
    on_date     date not null,
    purpose     text not null check (length(trim(purpose)) > 0),
    result      text not null default '',
    created_by  bigint references users (id),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index referrals_patient_idx on referrals (patient_id);
