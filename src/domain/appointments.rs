//! The words of an appointment.

vocabulary! {
    /// What is booked: the initial meeting (with a place) or a phone call.
    pub enum AppointmentKind {
        Meeting = "meeting" => "appointment.kind_meeting",
        Call = "call" => "appointment.kind_call",
    }
}

vocabulary! {
    /// Where a booking stands.
    pub enum AppointmentStatus {
        Scheduled = "scheduled" => "appointment.scheduled",
        Done = "done" => "appointment.done",
        NoAnswer = "no_answer" => "appointment.no_answer",
        Cancelled = "cancelled" => "appointment.cancelled",
        Moved = "moved" => "appointment.moved",
    }
}
