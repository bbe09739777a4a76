-- Every table with an `updated_at` column keeps it current by itself: a trigger sets it on
-- every update, so no statement can forget it (three did).
create function touch_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

do $$
declare
    t record;
begin
    for t in
        select c.table_name
          from information_schema.columns c
          join information_schema.tables tb
            on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
         where c.table_schema = 'public' and c.column_name = 'updated_at'
    loop
        execute format(
            'create trigger %I before update on %I for each row execute function touch_updated_at()',
            t.table_name || '_touch_updated_at', t.table_name);
    end loop;
end;
$$;
