-- A referral's results and a goal's changes keep their history, append-only like the notes:
-- a result is added, never written over; every version of a goal is kept as it was.

-- Results of a referral, each with who and when. The results typed before this table existed
-- move here (who typed them was not kept).
create table referral_results (
    id           bigserial primary key,
    referral_id  bigint not null references referrals (id),
    result       text not null check (length(trim(result)) > 0),
    recorded_by  bigint references users (id),
    recorded_at  timestamptz not null default now()
);
create index referral_results_referral_idx on referral_results (referral_id, recorded_at);
insert into referral_results (referral_id, result, recorded_at)
    select id, trim(result), updated_at from referrals where length(trim(result)) > 0;
alter table referrals drop column result;
alter table referrals drop column updated_at;

create trigger referrals_append_only before update or delete on referrals
    for each row execute function refuse_change();
create trigger referrals_no_truncate before truncate on referrals
    for each statement execute function refuse_change();
create trigger referral_results_append_only before update or delete on referral_results
    for each row execute function refuse_change();
create trigger referral_results_no_truncate before truncate on referral_results
    for each statement execute function refuse_change();

-- Every version of a goal: as set, and after each change (achieved, dropped, reworded). The
-- application sets `coachline.user_id` in the transaction to say who.
create table goal_changes (
    id          bigserial primary key,
    goal_id     bigint not null references goals (id),
    text        text not null,
    status      text not null,
    changed_by  bigint references users (id),
    at          timestamptz not null default now()
);
create index goal_changes_goal_idx on goal_changes (goal_id, at);
insert into goal_changes (goal_id, text, status, changed_by, at)
    select id, text, 'open', created_by, created_at from goals;
insert into goal_changes (goal_id, text, status, at)
    select id, text, status, closed_at from goals where status <> 'open' and closed_at is not null;

create function goals_keep_history() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into goal_changes (goal_id, text, status, changed_by, at)
        values (new.id, new.text, new.status, new.created_by, new.created_at);
    elsif (new.text, new.status) is distinct from (old.text, old.status) then
        insert into goal_changes (goal_id, text, status, changed_by, at)
        values (new.id, new.text, new.status,
                nullif(current_setting('coachline.user_id', true), '')::bigint,
                case when new.status is distinct from old.status and new.closed_at is not null
                     then new.closed_at else now() end);
    end if;
    return null;
end;
$$;
create trigger goals_keep_history after insert or update on goals
    for each row execute function goals_keep_history();
-- A goal is never deleted: its history would lose what it belongs to.
create trigger goals_never_deleted before delete on goals
    for each row execute function refuse_change();
create trigger goals_no_truncate before truncate on goals
    for each statement execute function refuse_change();
create trigger goal_changes_append_only before update or delete on goal_changes
    for each row execute function refuse_change();
create trigger goal_changes_no_truncate before truncate on goal_changes
    for each statement execute function refuse_change();
create trigger goal_progress_append_only before update or delete on goal_progress
    for each row execute function refuse_change();
create trigger goal_progress_no_truncate before truncate on goal_progress
    for each statement execute function refuse_change();
