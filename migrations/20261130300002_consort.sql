-- The trial's flow (CONSORT) as counts, per call centre and in total: who was assessed from
-- the invitation lists, randomised per arm, received the intervention (a course started) or
-- not (and why: the status they stopped at), ended a course by reason, and where each
-- follow-up point stands per arm. The research page and the export's consort.csv both read
-- this one definition. `asof` is the day the flow is drawn; the population is everybody
-- invited up to it.
create function consort(centre_ids bigint[], asof date)
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
        select pe.code, 7 + t.position, 'follow_up', pe.arm, s.timepoint, s.state
          from people pe
          join study_schedule(asof) s on s.patient_id = pe.id
          join study_timepoints t on t.code = s.timepoint
    )
    select coalesce(code, ''), ordinal, step, arm, timepoint, reason, count(*)
      from steps
     group by grouping sets ((code, ordinal, step, arm, timepoint, reason), (ordinal, step, arm, timepoint, reason))
     order by grouping(code) desc, code, ordinal, reason, arm
$$;
