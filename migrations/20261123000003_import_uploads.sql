-- An uploaded list waits here between preview and confirmation, so the admin confirms exactly
-- the file that was previewed. Rows are removed when confirmed, and after a day.
create table pending_imports (
    id                 uuid primary key,
    uploaded_by        bigint not null references users (id),
    file_name          text not null,
    content            bytea not null,
    default_centre_id  bigint references centres (id),
    created_at         timestamptz not null default now()
);

-- The same file is imported once, however many times it is confirmed.
create unique index import_batches_file_key on import_batches (file_sha256);
-- `imported_by` is null for imports from the command line.
alter table import_batches alter column imported_by drop not null;
alter table import_batches add column source text not null default 'web' check (source in ('web', 'cli'));
