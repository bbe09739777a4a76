-- The overview reads one period of one centre. These let it read only that period: the calls
-- made in it (with what the weekly counts need, so the table itself is not visited) and the
-- patients invited in it, instead of the centre's whole history.
create index calls_called_at_idx on calls (called_at) include (patient_id, outcome, duration_minutes);
create index patients_centre_created_idx on patients (centre_id, created_at);
