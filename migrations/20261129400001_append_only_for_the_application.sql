-- The tables that keep a history (referral results, goal versions, the reachability steps,
-- records opened with a stated reason) and referrals themselves, whose results are now added
-- beneath them, are append-only for the application role too. A reset second factor and a
-- half-finished sign-in are removed. The role's grants are applied anew.
insert into app_role_rules (table_name, rule) values
    ('referrals', 'append_only'),
    ('referral_results', 'append_only'),
    ('goal_changes', 'append_only'),
    ('reachability_steps', 'append_only'),
    ('record_access_grants', 'append_only'),
    ('second_factors', 'deletable'),
    ('recovery_codes', 'deletable'),
    ('pending_sign_ins', 'deletable')
on conflict (table_name) do update set rule = excluded.rule;

select app_role_grants();
