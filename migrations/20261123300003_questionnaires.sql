-- Patient-reported outcomes as data: instruments, their items and answer scales, how they are
-- scored, and the answers given on the phone with the computed scores.

create table answer_scales (
    id          bigserial primary key,
    code        text not null unique check (code ~ '^[a-z0-9_]+$'),
    created_at  timestamptz not null default now()
);

create table scale_options (
    scale_id  bigint not null references answer_scales (id),
    value     integer not null,
    label_da  text not null check (length(trim(label_da)) > 0),
    label_en  text not null check (length(trim(label_en)) > 0),
    position  integer not null,
    primary key (scale_id, value),
    unique (scale_id, position)
);

create table instruments (
    id                bigserial primary key,
    code              text not null unique check (code ~ '^[a-z0-9_]+$'),
    name_da           text not null check (length(trim(name_da)) > 0),
    name_en           text not null check (length(trim(name_en)) > 0),
    intro_da          text not null default '',
    intro_en          text not null default '',
    reference         text not null default '',
    scale_id          bigint not null references answer_scales (id),
    -- raw = sum of the item values (reversed items counted from the other end);
    -- score = raw * factor ('sum') or raw / items * factor ('mean').
    scoring           text not null default 'sum' check (scoring in ('sum', 'mean')),
    score_factor      numeric not null default 1 check (score_factor > 0),
    score_label_da    text not null default '',
    score_label_en    text not null default '',
    higher_is_better  boolean not null default true,
    active            boolean not null default true,
    position          integer not null default 0,
    created_by        bigint references users (id),
    created_at        timestamptz not null default now()
);

create table instrument_items (
    id             bigserial primary key,
    instrument_id  bigint not null references instruments (id),
    position       integer not null check (position > 0),
    text_da        text not null check (length(trim(text_da)) > 0),
    text_en        text not null check (length(trim(text_en)) > 0),
    reversed       boolean not null default false,
    unique (instrument_id, position)
);

-- One completed questionnaire: when, in which course, at which point of it, and its scores.
create table questionnaire_responses (
    id             bigserial primary key,
    patient_id     bigint not null references patients (id),
    course_id      bigint not null references courses (id),
    instrument_id  bigint not null references instruments (id),
    timepoint      text not null check (timepoint in ('start', 'month3', 'end', 'other')),
    answered_on    date not null,
    raw_score      numeric not null,
    score          numeric not null,
    recorded_by    bigint references users (id),
    created_at     timestamptz not null default now()
);
create index questionnaire_responses_patient_idx on questionnaire_responses (patient_id, answered_on);
create index questionnaire_responses_course_idx on questionnaire_responses (course_id, instrument_id, timepoint);

create table questionnaire_answers (
    response_id  bigint not null references questionnaire_responses (id),
    item_id      bigint not null references instrument_items (id),
    value        integer not null,
    primary key (response_id, item_id)
);

-- Answers are part of the record: corrections are a new response, never an edit.
create trigger questionnaire_responses_append_only before update or delete on questionnaire_responses
    for each row execute function refuse_change();
create trigger questionnaire_answers_append_only before update or delete on questionnaire_answers
    for each row execute function refuse_change();

-- WHO-5 Well-Being Index (Psychiatric Research Unit, Mental Health Centre North Zealand, 1998):
-- five items 0-5 over the last two weeks, raw 0-25, percentage = raw x 4.
insert into answer_scales (code) values ('who5_frequency'), ('srh_5');
insert into scale_options (scale_id, value, label_da, label_en, position)
select s.id, v.value, v.da, v.en, v.position
  from answer_scales s,
       (values (5, 'Hele tiden', 'All of the time', 1),
               (4, 'Det meste af tiden', 'Most of the time', 2),
               (3, 'Lidt mere end halvdelen af tiden', 'More than half of the time', 3),
               (2, 'Lidt mindre end halvdelen af tiden', 'Less than half of the time', 4),
               (1, 'Lidt af tiden', 'Some of the time', 5),
               (0, 'På intet tidspunkt', 'At no time', 6)) as v(value, da, en, position)
 where s.code = 'who5_frequency';
-- Self-rated health (SF-36 item 1 / SF-1): 1 = excellent ... 5 = poor.
insert into scale_options (scale_id, value, label_da, label_en, position)
select s.id, v.value, v.da, v.en, v.value
  from answer_scales s,
       (values (1, 'Fremragende', 'Excellent'),
               (2, 'Vældig godt', 'Very good'),
               (3, 'Godt', 'Good'),
               (4, 'Mindre godt', 'Fair'),
               (5, 'Dårligt', 'Poor')) as v(value, da, en)
 where s.code = 'srh_5';

insert into instruments (code, name_da, name_en, intro_da, intro_en, reference, scale_id, scoring,
                         score_factor, score_label_da, score_label_en, higher_is_better, position)
select 'who5', 'WHO-5 Trivselsindeks', 'WHO-5 Well-Being Index',
       'I de sidste 2 uger…', 'Over the last two weeks…',
       'WHO-5, Psychiatric Research Unit, Mental Health Centre North Zealand (1998). Raw score 0-25; percentage = raw × 4.',
       id, 'sum', 4, 'Trivsel (0-100)', 'Well-being (0-100)', true, 1
  from answer_scales where code = 'who5_frequency';
insert into instruments (code, name_da, name_en, reference, scale_id, scoring, score_factor,
                         score_label_da, score_label_en, higher_is_better, position)
select 'self_rated_health', 'Selvvurderet helbred', 'Self-rated health',
       'SF-36 item 1 (SF-1). 1 = excellent, 5 = poor.',
       id, 'sum', 1, 'Helbred (1-5, lavere er bedre)', 'Health (1-5, lower is better)', false, 2
  from answer_scales where code = 'srh_5';

insert into instrument_items (instrument_id, position, text_da, text_en)
select i.id, v.position, v.da, v.en
  from instruments i,
       (values (1, 'Har jeg været glad og i godt humør', 'I have felt cheerful and in good spirits'),
               (2, 'Har jeg følt mig rolig og afslappet', 'I have felt calm and relaxed'),
               (3, 'Har jeg følt mig aktiv og energisk', 'I have felt active and vigorous'),
               (4, 'Er jeg vågnet frisk og udhvilet', 'I woke up feeling fresh and rested'),
               (5, 'Har min dagligdag været fyldt med ting, der interesserer mig',
                   'My daily life has been filled with things that interest me')) as v(position, da, en)
 where i.code = 'who5';
insert into instrument_items (instrument_id, position, text_da, text_en)
select id, 1, 'Hvordan synes du, at dit helbred er alt i alt?', 'In general, would you say your health is:'
  from instruments where code = 'self_rated_health';
