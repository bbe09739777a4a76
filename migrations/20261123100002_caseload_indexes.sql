-- Today and My patients read, per patient, the next booked call and the number of calls that
-- reached the patient in the course; these keep both to a short index scan.
create index appointments_patient_scheduled_idx on appointments (patient_id, starts_at) where status = 'scheduled';
create index calls_course_reached_idx on calls (course_id) where outcome = 'reached';
