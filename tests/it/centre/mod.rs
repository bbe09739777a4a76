//! Running a call centre: assignment, moving caseloads, safety nets, invitations and meetings,
//! letters, the overview. Every centre boundary has a test that tries to cross it.

pub mod fixtures;

mod assign;
mod invitations;
mod letters;
mod moves;
mod overview;
mod safety;
