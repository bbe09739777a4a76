-- A read-only researcher: sees only the pseudonymised research export, belongs to no call centre.

alter table users drop constraint users_role_check;
alter table users add constraint users_role_check
    check (role in ('admin', 'coordinator', 'nurse', 'researcher'));
alter table users drop constraint users_check;
-- Nurses and coordinators always belong to exactly one call centre; researchers to none.
alter table users add constraint users_centre_check
    check (case role when 'admin' then true
                     when 'researcher' then centre_id is null
                     else centre_id is not null end);

-- Research exports name no patient: the access log keeps them with a null patient_id.
create index access_log_action_idx on access_log (action, at);
