-- A reminder to an invited person who has not answered: the same letter pipeline, once, before
-- the invitation may be closed as "no response".
alter table letters add column kind text not null default 'invitation'
    check (kind in ('invitation', 'reminder'));
