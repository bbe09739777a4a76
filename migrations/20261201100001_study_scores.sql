-- The outcomes of the effect study: every randomised person's score per follow-up point and
-- instrument, as the researcher's outcome page reads it. The score of a point answered at a
-- follow-up is the counting response hanging from its latest result; of a point answered in a
-- course, the earliest counting response of the instrument within the point's window. A
-- response counts when no correction amends it. `opened` says the point's window has opened
-- (the point is due or past), so completeness is answered / opened. The population is the
-- flow's: the randomised people of `centre_ids` invited up to `asof`.
create function study_scores(centre_ids bigint[], asof date)
returns table (patient_id bigint, centre_id bigint, arm text, timepoint text, ordinal integer,
               instrument text, opened boolean, score numeric)
language sql stable as $$
    select s.patient_id, p.centre_id, p.arm, s.timepoint, s.ordinal, i.code, s.state <> 'not_yet_due',
           case s.source
               when 'follow_up' then (
                   select r.score from questionnaire_responses r
                    where r.follow_up_id = s.follow_up_id and r.instrument_id = i.id
                      and not exists (select 1 from questionnaire_responses c where c.amends = r.id)
                    order by r.id desc limit 1)
               when 'course' then (
                   select r.score from questionnaire_responses r
                    where r.patient_id = s.patient_id and r.course_id is not null and r.instrument_id = i.id
                      and r.answered_on between s.window_from and s.window_to
                      and not exists (select 1 from questionnaire_responses c where c.amends = r.id)
                    order by r.answered_on, r.id limit 1)
           end
      from study_schedule(asof) s
      join patients p on p.id = s.patient_id
      join centres c on c.id = p.centre_id
     cross join instruments i
     where p.centre_id = any(centre_ids) and (p.created_at at time zone c.timezone)::date <= asof
$$;
