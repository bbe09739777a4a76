-- A second factor at sign-in: a TOTP secret per person (sealed by the application, never in
-- plain text), one-time recovery codes (hashed), and the half-signed-in state between the
-- password and the code (which is not a session and opens nothing).

create table second_factors (
    user_id        bigint primary key references users (id),
    secret_sealed  bytea not null,
    -- The last time step whose code was accepted: a code is never accepted twice.
    last_step      bigint not null,
    created_at     timestamptz not null default now()
);

create table recovery_codes (
    id          bigserial primary key,
    user_id     bigint not null references users (id),
    code_hash   bytea not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    unique (user_id, code_hash)
);

create table pending_sign_ins (
    id_hash     bytea primary key,
    user_id     bigint not null references users (id),
    -- 'code': asked for the code; 'enrol': setting up the app; 'finish': recovery codes shown.
    stage       text not null check (stage in ('code', 'enrol', 'finish')),
    created_at  timestamptz not null default now()
);
create index pending_sign_ins_user_idx on pending_sign_ins (user_id);

-- Nurses sign in with a second factor where their centre asks for it.
alter table centres add column nurses_use_second_factor boolean not null default false;

-- Sessions begun before second factors existed end now: everyone signs in under the new rule.
delete from sessions;
