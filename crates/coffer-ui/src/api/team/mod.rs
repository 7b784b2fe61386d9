//! The team: status and policy for everyone, settings, members, invitations and the audit log
//! for admins (the team server decides who may; the page shows what it answers).

pub(crate) mod audit;
pub(crate) mod invite;
pub(crate) mod members;
pub(crate) mod policy;
pub(crate) mod status;
