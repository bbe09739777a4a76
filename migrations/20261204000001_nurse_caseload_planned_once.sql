-- A nurse's caseload as Today and My patients list it, read by one function whose statement is
-- planned once per connection.
--
-- The list is read on every Today a nurse opens (32 nurses clicking without pause: 200 times a
-- second). As a prepared statement from the server it was planned anew on every execution:
-- PostgreSQL keeps a generic plan only when its estimated cost is no higher than the custom
-- plans', and the estimate for "this nurse's active patients" differs between the two although
-- the plan is the same (index on the nurse, then each patient's open course by key). A
-- PL/pgSQL function caches its statements' plans per connection, and `plan_cache_mode` set on
-- the function makes that plan the generic one: the statement is planned once per connection.
-- The plan depends on nothing but the nurse's own rows, so one plan fits every nurse.
--
-- Planned once, the statement can take the shape that executes fastest rather than the one
-- that plans fastest: the nets are read for the whole caseload in one index range on the
-- kept nets' nurse (they carry the patient's nurse), grouped per patient, instead of one index
-- read per patient (10x database, psql: about 0.7 ms instead of 0.5 ms planning and 1.2 ms
-- executing).
create function nurse_caseload(nurse bigint, moment timestamptz, only_active boolean)
returns table (patient_id bigint, first_name text, last_name text, birth_date date, phone text,
               diagnoses text[], status text, starts_at timestamptz, reached bigint,
               last_call_at timestamptz, last_outcome text, nets text[], start_date date,
               planned_end date)
language plpgsql stable
set plan_cache_mode = force_generic_plan
as $$
begin
    -- An open course carries its counts, the kept nets every patient's nets; only a patient
    -- without an open course (My patients, "all" or "ended") has his last call and next
    -- booking looked up the long way.
    return query
    select p.id, p.first_name, p.last_name, p.birth_date, coalesce(p.mobile, p.phone), p.diagnoses, p.status,
           case when c.id is not null then c.next_call_at
                else (select min(a.starts_at) from appointments a
                       where a.patient_id = p.id and a.status = 'scheduled' and a.kind = 'call') end,
           coalesce(c.reached_calls, 0)::bigint,
           case when c.id is not null then c.last_call_at else lc.called_at end,
           case when c.id is not null then c.last_call_outcome else lc.outcome end,
           coalesce(n.nets, '{}'::text[]),
           c.start_date, c.planned_end
      from patients p
      -- At most one open course per patient (`courses_one_open_per_patient`).
      left join courses c on c.patient_id = p.id and c.end_date is null
      left join lateral (select x.called_at, x.outcome from calls x
                          where x.patient_id = p.id and c.id is null
                          order by x.called_at desc limit 1) lc on true
      left join (select s.patient_id, array_agg(s.net order by s.net) as nets
                   from safety_nets(moment) s
                  where s.nurse_id = nurse
                  group by s.patient_id) n on n.patient_id = p.id
     where p.nurse_id = nurse and (not only_active or p.status = 'active') and p.arm is distinct from 'control'
     order by p.last_name, p.first_name;
end
$$;
