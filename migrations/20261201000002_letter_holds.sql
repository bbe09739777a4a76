-- A letter's proposed meeting holds its room and a nurse until the patient's meeting is booked,
-- the patient declines, or a coordinator frees it: two letters never offer the same slot, and
-- nobody books the nurse then.
create table letter_holds (
    letter_id     bigint primary key references letters (id),
    patient_id    bigint not null references patients (id),
    room_id       bigint not null references centre_rooms (id),
    nurse_id      bigint references users (id),
    starts_at     timestamptz not null,
    ends_at       timestamptz not null check (ends_at > starts_at),
    released_at   timestamptz,
    released_why  text check (released_why in ('booked', 'declined', 'freed', 'no_response', 'not_eligible')),
    check ((released_at is null) = (released_why is null)),
    constraint letter_holds_one_room_slot exclude using gist
        (room_id with =, tstzrange(starts_at, ends_at) with &&) where (released_at is null),
    constraint letter_holds_one_nurse_slot exclude using gist
        (nurse_id with =, tstzrange(starts_at, ends_at) with &&) where (released_at is null and nurse_id is not null)
);
create index letter_holds_patient_idx on letter_holds (patient_id) where released_at is null;
create index letter_holds_nurse_idx on letter_holds (nurse_id, starts_at) where released_at is null;

select app_role_grants();
