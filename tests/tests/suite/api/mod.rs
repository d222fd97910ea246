//! Black-box tests of the actix front door: a real server on port 0, spoken to over HTTP.

mod contract;
mod cors;
mod errors;
mod grounding;
pub(crate) mod helpers;
mod persistence;
mod privacy;
mod process;
mod protocol;
mod raw;
mod save_get;
mod site;
mod slow;
