-- Call centres, people, sessions, sign-in attempts and the access log.

create table centres (
    id          bigserial primary key,
    code        text not null unique check (code ~ '^[A-Z0-9]{2,10}$'),
    name        text not null check (length(trim(name)) > 0),
    address     text not null default '',
    phone       text not null default '',
    timezone    text not null default 'Europe/Copenhagen',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table users (
    id             bigserial primary key,
    email          text not null check (email = lower(email) and email like '%_@_%'),
    name           text not null check (length(trim(name)) > 0),
    role           text not null check (role in ('admin', 'coordinator', 'nurse')),
    centre_id      bigint references centres (id),
    capacity       integer check (capacity is null or capacity between 0 and 500),
    active         boolean not null default true,
    password_hash  text not null,
    language       text check (language in ('da', 'en')),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    -- nurses and coordinators always belong to exactly one call centre
    check (role = 'admin' or centre_id is not null),
    check (role = 'nurse' or capacity is null)
);
create unique index users_email_key on users (email);

-- Server-side sessions. Only a SHA-256 of the cookie value is stored, so a
-- leaked table does not hand out live sessions.
create table sessions (
    id_hash       bytea primary key,
    user_id       bigint not null references users (id) on delete cascade,
    created_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now()
);
create index sessions_user_id_idx on sessions (user_id);

-- Every sign-in attempt, for lock-out and for hammering detection. No passwords.
create table login_attempts (
    id         bigserial primary key,
    email      text not null,
    ip         text not null,
    succeeded  boolean not null,
    at         timestamptz not null default now()
);
create index login_attempts_email_at_idx on login_attempts (email, at);
create index login_attempts_ip_at_idx on login_attempts (ip, at);

-- Who opened or did what with which patient. Append-only: see the trigger below.
create table access_log (
    id          bigserial primary key,
    at          timestamptz not null default now(),
    user_id     bigint references users (id),
    action      text not null,
    patient_id  bigint,
    allowed     boolean not null default true,
    detail      jsonb not null default '{}'::jsonb
);
create index access_log_at_idx on access_log (at);
create index access_log_patient_idx on access_log (patient_id, at);
create index access_log_user_idx on access_log (user_id, at);

create function refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege';
end;
$$;

create trigger access_log_append_only
    before update or delete on access_log
    for each row execute function refuse_change();
create trigger access_log_no_truncate
    before truncate on access_log
    for each statement execute function refuse_change();
