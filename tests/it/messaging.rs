//! Messages to other health care: the directory of organisations, the outbox, MedCom
//! correspondence and SMS reminders.

mod attachment;
mod directory;
mod gateway;
mod https;
mod integration;
mod medcom;
mod reminders;
