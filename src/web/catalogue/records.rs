//! Texts of records that cannot say the impossible (dates, keys, histories) and of the
//! reachability protocol's letter and GP message (those two always in Danish).

/// `(key, Danish, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Forms sent twice, or from a page older than the form's key
    (
        "form.resend",
        "Intet er gemt endnu: siden var ældre end formularen. Se felterne igennem og gem igen.",
        "Nothing has been saved yet: the page was older than the form. Check the fields and save again.",
    ),
    (
        "record.form_stale",
        "Intet er gemt: siden var ældre end formularen. Prøv igen.",
        "Nothing was saved: the page was older than the form. Try again.",
    ),
    // Dates that cannot be
    (
        "end.before_last_contact",
        "Datoen ligger før den seneste kontakt med patienten. Vælg den dag eller senere.",
        "The date is before the last contact with the patient. Choose that day or later.",
    ),
    ("end.last_contact", "Seneste kontakt med patienten:", "Last contact with the patient:"),
    (
        "invitation.outcome_before_meeting",
        "Mødet har ikke fundet sted endnu. Resultatet kan registreres fra mødets tidspunkt.",
        "The meeting has not taken place yet. Its outcome can be recorded from the meeting's time.",
    ),
    (
        "invitation.start_before_invitation",
        "Forløbet kan ikke starte før patienten blev inviteret.",
        "The course cannot start before the patient was invited.",
    ),
    // The nurse of the initial meeting
    (
        "invitation.nurse_change_confirm",
        "Patienten har en anden sygeplejerske. Holdes mødet med denne sygeplejerske, flytter patienten til hende. Bekræft flytningen eller vælg patientens sygeplejerske.",
        "The patient has another nurse. If the meeting is with this nurse, the patient moves to her. Confirm the move or choose the patient's nurse.",
    ),
    ("invitation.move_nurse", "Ja, flyt patienten til denne sygeplejerske", "Yes, move the patient to this nurse"),
    (
        "invitation.nurse_full",
        "Sygeplejersken har ikke plads til flere patienter. Vælg en anden, eller hæv hendes kapacitet.",
        "The nurse has no room for more patients. Choose another, or raise her capacity.",
    ),
    (
        "invitation.nurse_assigned",
        "Patienten er nu hos {nurse}, fordi det første møde er med hende.",
        "The patient is now with {nurse}, because the initial meeting is with her.",
    ),
    (
        "invitation.nurse_moved",
        "Patienten er flyttet fra {from} til {nurse}, fordi det første møde er med {nurse}.",
        "The patient has moved from {from} to {nurse}, because the initial meeting is with {nurse}.",
    ),
    ("invitation.moved_for_meeting", "første møde booket hos hende", "initial meeting booked with her"),
    // Histories
    ("referral.result_empty", "Skriv resultatet.", "Write the result."),
    ("referral.result_more", "Tilføj resultat", "Add a result"),
    ("timeline.goal_changed", "Mål ændret", "Goal changed"),
    ("timeline.goal_before", "Før:", "Before:"),
    // The reachability protocol
    ("timeline.reach_letter", "Brev til patienten: ring til os", "Letter asking the patient to call"),
    ("timeline.reach_gp", "Besked til egen læge", "Message to the GP"),
    ("timeline.reach_attempts", "{n} forgæves forsøg i træk", "{n} failed attempts in a row"),
    ("reach.show_letter", "Vis brevet", "Show the letter"),
    ("reach.show_message", "Vis beskeden", "Show the message"),
    (
        "reach.no_course",
        "Patienten har intet åbent forløb, så der sendes ikke brev eller besked herfra.",
        "The patient has no open course, so no letter or message is sent from here.",
    ),
    ("reach.letter_heading", "Brev til patienten", "Letter to the patient"),
    ("reach.gp_heading", "Besked til egen læge", "Message to the GP"),
    ("reach.back", "Tilbage til journalen", "Back to the record"),
    ("reach.recorded", "Registreret", "Recorded"),
    (
        "reach.letter_hint",
        "Udskriv brevet og send det. Det er gemt på patientens tidslinje, som det blev dannet.",
        "Print the letter and post it. It is kept on the patient's timeline as it was produced.",
    ),
    (
        "reach.gp_not_sent",
        "Beskeden sendes ikke af coachline endnu: kopiér den til jeres sædvanlige korrespondance med lægen, eller udskriv den. Den kan sendes herfra, når beskeder på tværs af sektorer er på plads. Den er gemt på patientens tidslinje.",
        "coachline does not send the message yet: copy it into your usual correspondence with the GP, or print it. It can be sent from here once cross-sector messaging is in place. It is kept on the patient's timeline.",
    ),
    // The letter asking the patient to call (always printed in Danish)
    ("reach.letter_title", "Vi har forsøgt at ringe til dig", "We have tried to call you"),
    (
        "reach.letter_tried",
        "Din sygeplejerske har forsøgt at ringe til dig flere gange i den seneste tid, men vi har ikke kunnet få fat i dig.",
        "Your nurse has tried to call you several times lately, but we have not been able to reach you.",
    ),
    (
        "reach.letter_please_call",
        "Vi vil gerne høre, hvordan det går, og aftale den næste samtale med dig. Vil du ringe til os?",
        "We would like to hear how you are and agree the next call with you. Will you call us?",
    ),
    ("reach.letter_call", "Ring til:", "Call:"),
    ("reach.letter_nurse", "Din sygeplejerske:", "Your nurse:"),
    (
        "reach.letter_new_number",
        "Har du fået et nyt telefonnummer, så fortæl os det, når du ringer.",
        "If you have a new phone number, tell us when you call.",
    ),
    (
        "reach.letter_stop",
        "Ønsker du ikke længere at være med i forløbet, er du også velkommen til at ringe og sige det.",
        "If you no longer wish to take part in the course, you are also welcome to call and say so.",
    ),
    // The message to the GP (always in Danish)
    ("reach.gp_to", "Til:", "To:"),
    ("reach.gp_own", "Egen læge", "The GP"),
    ("reach.gp_about", "Vedrørende:", "About:"),
    ("reach.gp_cpr", "cpr.nr.", "CPR no."),
    ("reach.gp_dear", "Kære læge", "Dear doctor"),
    (
        "reach.gp_tried",
        "Patienten er i et forløb med telefonisk sundhedscoaching hos {centre}. Vi har forsøgt at ringe til patienten {n} gange i træk uden at få kontakt.",
        "The patient is in a course of telephone health coaching with {centre}. We have tried to call the patient {n} times in a row without reaching them.",
    ),
    (
        "reach.gp_ask",
        "Vi vil gerne høre, om I ved, hvordan patienten har det, eller om I har et andet telefonnummer. Har I kontakt med patienten, må I meget gerne bede patienten ringe til os på {phone}.",
        "We would like to know whether you know how the patient is, or have another phone number. If you are in contact with the patient, please ask them to call us on {phone}.",
    ),
];
