-- Access with a purpose ("break the glass"): a person outside the patient's centre (an admin)
-- opens clinical content only after stating why, and then for a limited time. Each grant is
-- evidence of why a record was read: append-only, like the access log.

create table record_access_grants (
    id          bigserial primary key,
    user_id     bigint not null references users (id),
    patient_id  bigint not null references patients (id),
    reason      text not null check (reason in ('patient_request', 'complaint', 'data_correction',
                                                'centre_support', 'other')),
    note        text not null default '' check (length(note) <= 500),
    granted_at  timestamptz not null,
    expires_at  timestamptz not null,
    check (expires_at > granted_at),
    -- "Other" says what it is.
    check (reason <> 'other' or length(trim(note)) > 0)
);
create index record_access_grants_lookup_idx
    on record_access_grants (user_id, patient_id, expires_at);

create trigger record_access_grants_append_only
    before update or delete on record_access_grants
    for each row execute function refuse_change();
create trigger record_access_grants_no_truncate
    before truncate on record_access_grants
    for each statement execute function refuse_change();
