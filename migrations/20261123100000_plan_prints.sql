-- Each printed version of a patient's plan, kept as printed (a letter the patient holds).
create table plan_prints (
    id          bigserial primary key,
    patient_id  bigint not null references patients (id),
    course_id   bigint references courses (id),
    content     text not null check (length(content) > 0),
    printed_by  bigint not null references users (id),
    printed_at  timestamptz not null default now()
);
create index plan_prints_patient_idx on plan_prints (patient_id, printed_at);

create trigger plan_prints_append_only before update or delete on plan_prints
    for each row execute function refuse_change();

-- Calls of a course, counted for "call 5 in the course" on Today.
create index calls_course_idx on calls (course_id, called_at);
-- The timeline reads a patient's status history, goals and referrals newest first.
create index goals_patient_created_idx on goals (patient_id, created_at);
