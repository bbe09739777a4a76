-- The directory of the organisations the centre writes to: GP practices, municipalities and
-- hospital departments, each with its SOR code (the national health-care organisation
-- register) and its EAN location number (where MedCom messages are addressed).

create table organisations (
    id                  bigserial primary key,
    kind                text not null check (kind in ('gp_practice', 'municipality', 'hospital_department')),
    name                text not null check (length(trim(name)) > 0),
    sor_code            text not null unique check (sor_code ~ '^[0-9]{6,18}$'),
    ean                 text not null unique check (ean ~ '^[0-9]{13}$'),
    -- The municipality's three-digit code (101 Copenhagen ... 860 Hjørring).
    municipality_code   text check (municipality_code ~ '^[0-9]{3}$'),
    -- The GP practice's provider number (ydernummer).
    gp_provider_number  text check (gp_provider_number ~ '^[0-9]{6}$'),
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    check (municipality_code is null or kind = 'municipality'),
    check (gp_provider_number is null or kind = 'gp_practice')
);
create unique index organisations_municipality_code on organisations (municipality_code)
    where municipality_code is not null;
create unique index organisations_gp_provider_number on organisations (gp_provider_number)
    where gp_provider_number is not null;

create trigger organisations_touch_updated_at before update on organisations
    for each row execute function touch_updated_at();

-- The one definition of which organisations a patient's imported GP and municipality are.
-- The list carries free text: the municipality by name ("Odense" or "Odense Kommune") or code,
-- the GP by provider number (alone or within the text) or by the practice's name.
create view patient_organisations as
select p.id as patient_id, o.id as organisation_id, o.kind
  from patients p
  join organisations o
    on (o.kind = 'municipality' and p.municipality is not null
        and (lower(trim(p.municipality)) = lower(o.name)
             or lower(trim(p.municipality)) || ' kommune' = lower(o.name)
             or lower(trim(p.municipality)) = lower(o.name) || ' kommune'
             or trim(p.municipality) = o.municipality_code))
    or (o.kind = 'gp_practice' and p.gp is not null
        and (lower(trim(p.gp)) = lower(o.name)
             or (o.gp_provider_number is not null
                 and p.gp ~ ('(^|[^0-9])' || o.gp_provider_number || '([^0-9]|$)'))));

select app_role_grants();
