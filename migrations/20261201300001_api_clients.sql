-- Systems with a right to a centre's data (a municipality's or region's platform, a
-- researcher's pipeline) read it through the FHIR API as an API client. The bearer token is
-- shown once when the client is created; only its SHA-256 is kept (tokens are 32 random bytes,
-- so a plain hash cannot be reversed by guessing).
create table api_clients (
    id          bigserial primary key,
    centre_id   bigint not null references centres (id),
    name        text not null check (length(btrim(name)) between 1 and 200),
    -- What the client may read: patients (and their centre), plans (course, goals, booked
    -- calls, questionnaires), calls, and the text of call notes.
    scopes      text[] not null check (
                    cardinality(scopes) > 0
                    and scopes <@ array['patients', 'plans', 'calls', 'notes']::text[]),
    token_hash  bytea not null unique check (length(token_hash) = 32),
    expires_at  timestamptz not null,
    revoked_at  timestamptz,
    revoked_by  bigint references users (id),
    created_by  bigint references users (id),
    created_at  timestamptz not null default now(),
    check ((revoked_at is null) = (revoked_by is null))
);
create index api_clients_centre_idx on api_clients (centre_id, created_at);

-- The access log names a person or an API client as the actor (never both).
alter table access_log add column api_client_id bigint references api_clients (id);
alter table access_log add constraint access_log_one_actor
    check (user_id is null or api_client_id is null);
create index access_log_api_client_idx on access_log (api_client_id, at) where api_client_id is not null;
