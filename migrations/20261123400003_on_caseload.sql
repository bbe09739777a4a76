-- Whether a patient counts on a nurse's caseload: on the way in or in a course, and not in
-- the effect study's control group (who are never coached). One definition for assignment,
-- capacity, moving caseloads and deactivating a nurse.

create function on_caseload(status text, arm text) returns boolean
language sql immutable as $$
    select status in ('invited', 'meeting_booked', 'active') and arm is distinct from 'control'
$$;
