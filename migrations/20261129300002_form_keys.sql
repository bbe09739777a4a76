-- A double click or a resent form stores a call, a note or an amendment once: every form
-- carries a key made when it was shown, and a key is stored with one record only. Records
-- made before keys existed have none.

alter table calls add column form_key uuid;
create unique index calls_form_key on calls (form_key);

alter table call_amendments add column form_key uuid;
create unique index call_amendments_form_key on call_amendments (form_key);
