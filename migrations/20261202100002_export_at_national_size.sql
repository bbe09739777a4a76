-- The export at national size (bench-export, 15,000 people of whom 5,000 in the control arm
-- with their follow-up points): study_schedule() looked up each person's latest result per
-- point by a scan of all follow_ups, having only the partial unique index (which a lookup
-- without `amends is null` cannot use): 69 s. An index on (patient_id, timepoint, id) makes
-- it 0.4 s. consort() joined the schedule to the study's points again for their position,
-- which the planner misjudged into a nested loop of 15,000 x 60,000 rows (176 s); the
-- schedule carries the position already (`ordinal`): 0.8 s. Same definitions, same figures.
create index follow_ups_patient_timepoint_idx on follow_ups (patient_id, timepoint, id);

create or replace function consort(centre_ids bigint[], asof date)
returns table (centre text, ordinal integer, step text, arm text, timepoint text, reason text, n bigint)
language sql stable as $$
    with people as (
        select p.id, c.code, coalesce(p.arm, '') as arm, p.status,
               exists (select 1 from courses k where k.patient_id = p.id and k.start_date <= asof) as started
          from patients p join centres c on c.id = p.centre_id
         where p.centre_id = any(centre_ids) and (p.created_at at time zone c.timezone)::date <= asof
    ),
    steps as (
        select code, 1 as ordinal, 'assessed' as step, '' as arm, '' as timepoint, '' as reason from people
        union all
        select code, 2, 'not_randomised', '', '', '' from people where arm = ''
        union all
        select code, 3, 'randomised', arm, '', '' from people where arm <> ''
        union all
        select code, 4, 'received', arm, '', '' from people where arm <> '' and started
        union all
        select code, 5, 'not_received', arm, '', status from people where arm <> '' and not started
        union all
        select pe.code, 6, 'ended', pe.arm, '', k.end_reason
          from people pe
          cross join lateral (select x.end_reason, x.end_date from courses x where x.patient_id = pe.id
                               order by x.start_date desc, x.id desc limit 1) k
         where pe.arm <> '' and k.end_date is not null and k.end_date <= asof
        union all
        select pe.code, 7 + s.ordinal, 'follow_up', pe.arm, s.timepoint, s.state
          from people pe
          join study_schedule(asof) s on s.patient_id = pe.id
    )
    select coalesce(code, ''), ordinal, step, arm, timepoint, reason, count(*)
      from steps
     group by grouping sets ((code, ordinal, step, arm, timepoint, reason), (ordinal, step, arm, timepoint, reason))
     order by grouping(code) desc, code, ordinal, reason, arm
$$;
