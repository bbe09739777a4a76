-- Random allocation to intervention or control when an invitation list is confirmed.
-- The seed and ratio are kept with the batch so the allocation can be reproduced; neither the
-- batch's randomisation nor a person's arm can be changed afterwards.

alter table import_batches
    add column random_seed bigint,
    add column random_ratio text check (random_ratio in ('1:1', '2:1')),
    add check ((random_seed is null) = (random_ratio is null));

alter table patients
    add column arm text check (arm in ('intervention', 'control'));
create index patients_arm_idx on patients (arm) where arm = 'control';

create function randomisation_unchangeable() returns trigger language plpgsql as $$
begin
    if tg_table_name = 'patients' then
        if old.arm is not null and new.arm is distinct from old.arm then
            raise exception 'a randomised arm cannot be changed' using errcode = 'insufficient_privilege';
        end if;
    elsif (old.random_seed is not null or old.random_ratio is not null)
          and (new.random_seed is distinct from old.random_seed
               or new.random_ratio is distinct from old.random_ratio) then
        raise exception 'a batch''s randomisation cannot be changed' using errcode = 'insufficient_privilege';
    end if;
    return new;
end;
$$;
create trigger patients_arm_unchangeable before update of arm on patients
    for each row execute function randomisation_unchangeable();
create trigger import_batches_randomisation_unchangeable
    before update of random_seed, random_ratio on import_batches
    for each row execute function randomisation_unchangeable();
