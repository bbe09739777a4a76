-- The working calendar: when a centre is open, the days it closes besides the public holidays
-- (which the application computes for any year), nurses' absences and who covers their
-- patients meanwhile, and the times a patient wants to be called.

-- Opening hours per ISO weekday (1 Monday .. 7 Sunday); a weekday without a row is closed.
create table working_hours (
    centre_id   bigint not null references centres (id),
    weekday     smallint not null check (weekday between 1 and 7),
    opens       time not null,
    closes      time not null,
    primary key (centre_id, weekday),
    check (closes > opens)
);

-- Every centre opens Monday to Friday 08:00-16:00 until its coordinator says otherwise.
create function working_hours_default() returns trigger language plpgsql as $$
begin
    insert into working_hours (centre_id, weekday, opens, closes)
    select new.id, d, time '08:00', time '16:00' from generate_series(1, 5) d;
    return new;
end
$$;
create trigger centres_working_hours after insert on centres
    for each row execute function working_hours_default();
insert into working_hours (centre_id, weekday, opens, closes)
select c.id, d, time '08:00', time '16:00' from centres c, generate_series(1, 5) d;

-- A centre closes on the public holidays unless it says it works on them.
alter table centres add column open_on_public_holidays boolean not null default false;

-- Days the centre closes besides the public holidays: one date, or the same day every year
-- (24 and 31 December, Constitution Day on 5 June).
create table closed_days (
    id          bigserial primary key,
    centre_id   bigint not null references centres (id),
    day         date not null,
    every_year  boolean not null default false,
    name        text not null check (length(trim(name)) between 1 and 80),
    created_by  bigint not null references users (id),
    created_at  timestamptz not null default now()
);
create unique index closed_days_one_per_day on closed_days (centre_id, day);

-- A nurse's absence, whole days. A nurse asks; a coordinator approves (her own entry is approved).
create table absences (
    id           bigserial primary key,
    nurse_id     bigint not null references users (id),
    kind         text not null check (kind in ('holiday', 'sick', 'course', 'other')),
    first_day    date not null,
    last_day     date not null,
    status       text not null default 'requested' check (status in ('requested', 'approved', 'cancelled')),
    note         text not null default '' check (length(note) <= 200),
    created_by   bigint not null references users (id),
    created_at   timestamptz not null default now(),
    decided_by   bigint references users (id),
    decided_at   timestamptz,
    updated_at   timestamptz not null default now(),
    check (last_day >= first_day),
    check (last_day - first_day <= 366)
);
create trigger absences_touch_updated_at before update on absences
    for each row execute function touch_updated_at();
create index absences_nurse_idx on absences (nurse_id, first_day) where status <> 'cancelled';

-- Who covers which patient over an absence. The move is made when the absence starts (or at
-- once, when it already has) and undone by the caseload's return after its last day.
create table absence_covers (
    absence_id      bigint not null references absences (id),
    patient_id      bigint not null references patients (id),
    cover_nurse_id  bigint not null references users (id),
    chosen_by       bigint not null references users (id),
    chosen_at       timestamptz not null default now(),
    started_at      timestamptz,
    primary key (absence_id, patient_id)
);

-- A caseload move made for an absence says so on the timeline.
alter table caseload_moves drop constraint caseload_moves_reason_check;
alter table caseload_moves add constraint caseload_moves_reason_check
    check (reason in ('initial_meeting', 'absence'));
alter table caseload_moves add column absence_id bigint references absences (id);

-- The patient's call times: weekdays and windows they prefer, and windows to avoid.
create table call_times (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    kind        text not null check (kind in ('prefer', 'avoid')),
    weekday     smallint check (weekday between 1 and 7),
    starts      time not null,
    ends        time not null,
    created_at  timestamptz not null default now(),
    check (ends > starts)
);
create index call_times_patient_idx on call_times (patient_id);

-- A booking outside the centre's hours or on a closed day keeps the coordinator's reason.
alter table appointments add column outside_hours_reason text
    check (outside_hours_reason is null or length(trim(outside_hours_reason)) between 1 and 500);

insert into app_role_rules (table_name, rule) values
    ('working_hours', 'deletable'),
    ('closed_days', 'deletable'),
    ('call_times', 'deletable'),
    ('absence_covers', 'deletable');
select app_role_grants();
