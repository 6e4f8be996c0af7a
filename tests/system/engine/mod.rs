//! The responsibility chain through the gateway: directives decomposed down the hierarchy,
//! sign-offs climbing back up in order, concurrent sign-offs, the deadline ladder across a restart,
//! public-notice windows with objections, the live event stream, jurisdiction in tracking, and
//! recurring reports.

mod deadlines;
mod directives;
mod notices;
mod schedules;
mod support;
mod tracking;
