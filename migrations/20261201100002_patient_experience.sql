-- The patient's perspective: a short patient-experience questionnaire, asked at the end of the
-- course, as data like every instrument. An instrument may be asked only at some course
-- timepoints (`asked_at`; none means at every one): the nurse is offered this one when the
-- course ends, and the study's follow-up points do not ask it.
alter table instruments
    add column asked_at text[] check (asked_at <@ array['start', 'month3', 'end', 'other', 'follow_up']);

insert into answer_scales (code) values ('agree_5');
insert into scale_options (scale_id, value, label_da, label_en, position)
select s.id, v.value, v.da, v.en, v.position
  from answer_scales s,
       (values (5, 'Helt enig', 'Strongly agree', 1),
               (4, 'Overvejende enig', 'Agree', 2),
               (3, 'Hverken enig eller uenig', 'Neither agree nor disagree', 3),
               (2, 'Overvejende uenig', 'Disagree', 4),
               (1, 'Helt uenig', 'Strongly disagree', 5)) as v(value, da, en, position)
 where s.code = 'agree_5';

insert into instruments (code, name_da, name_en, intro_da, intro_en, reference, scale_id, scoring,
                         score_factor, score_label_da, score_label_en, higher_is_better, position, asked_at)
select 'patient_experience', 'Patientoplevelse', 'Patient experience',
       'Hvor enig er du i disse udsagn om dit forløb?', 'How much do you agree with these statements about your course?',
       'The programme''s own questionnaire of the patient''s experience, asked at the end of the course. Score = mean of the items, 1-5.',
       id, 'mean', 1, 'Oplevelse (1-5, højere er bedre)', 'Experience (1-5, higher is better)', true, 3, array['end']
  from answer_scales where code = 'agree_5';

insert into instrument_items (instrument_id, position, text_da, text_en)
select i.id, v.position, v.da, v.en
  from instruments i,
       (values (1, 'Sygeplejersken lyttede til mig', 'The nurse listened to me'),
               (2, 'Det betød noget for mig at tale med den samme sygeplejerske hver gang',
                   'It mattered to me to talk to the same nurse each time'),
               (3, 'Jeg fik hjælp til at finde vej til andre tilbud (egen læge, kommunen, sygehuset, foreninger)',
                   'I got help finding my way to other services (my GP, the municipality, the hospital, associations)'),
               (4, 'Jeg ved nu bedre, hvor jeg skal henvende mig, når jeg har brug for hjælp',
                   'I now know better where to turn when I need help')) as v(position, da, en)
 where i.code = 'patient_experience';
