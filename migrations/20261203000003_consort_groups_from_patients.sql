-- The trial's flow, unchanged in meaning, counts its first steps straight from the patients,
-- grouped by centre, day of import, arm, status and course started, before a centre's zone turns
-- the import's instant into a day: the people of one list share that instant, so the zone is
-- applied once per list instead of once per person (150,000 at ten times the programme). Only
-- the randomised are read one by one, for their courses ended and follow-up points. The
-- definition stays the one in `20261202300001_consort_by_groups.sql`, replaced as a whole.

create or replace function consort(centre_ids bigint[], asof date)
returns table (centre text, ordinal integer, step text, arm text, timepoint text, reason text, n bigint)
language sql stable as $$
    with counted as (
        select p.centre_id, p.created_at, coalesce(p.arm, '') as arm, p.status,
               p.id in (select k.patient_id from courses k where k.start_date <= asof) as started,
               count(*) as n
          from patients p
         where p.centre_id = any(centre_ids)
         group by 1, 2, 3, 4, 5
    ),
    groups as (
        select c.code, g.arm, g.status, g.started, sum(g.n) as n
          from counted g join centres c on c.id = g.centre_id
         where (g.created_at at time zone c.timezone)::date <= asof
         group by 1, 2, 3, 4
    ),
    randomised as (
        select p.id, c.code, p.arm
          from patients p join centres c on c.id = p.centre_id
         where p.centre_id = any(centre_ids) and p.arm is not null
           and (p.created_at at time zone c.timezone)::date <= asof
    ),
    steps as (
        select code, 1 as ordinal, 'assessed' as step, '' as arm, '' as timepoint, '' as reason, n from groups
        union all
        select code, 2, 'not_randomised', '', '', '', n from groups where arm = ''
        union all
        select code, 3, 'randomised', arm, '', '', n from groups where arm <> ''
        union all
        select code, 4, 'received', arm, '', '', n from groups where arm <> '' and started
        union all
        select code, 5, 'not_received', arm, '', status, n from groups where arm <> '' and not started
        union all
        select r.code, 6, 'ended', r.arm, '', k.end_reason, 1
          from randomised r
          cross join lateral (select x.end_reason, x.end_date from courses x where x.patient_id = r.id
                               order by x.start_date desc, x.id desc limit 1) k
         where k.end_date is not null and k.end_date <= asof
        union all
        select r.code, 7 + s.ordinal, 'follow_up', r.arm, s.timepoint, s.state, 1
          from randomised r
          join study_schedule(asof) s on s.patient_id = r.id
    )
    select coalesce(code, ''), ordinal, step, arm, timepoint, reason, sum(n)::bigint
      from steps
     group by grouping sets ((code, ordinal, step, arm, timepoint, reason), (ordinal, step, arm, timepoint, reason))
     order by grouping(code) desc, code, ordinal, reason, arm
$$;
