//! Black-box tests of the actix front door: a real server on port 0, spoken to over HTTP.

mod conditional;
mod contract;
mod cors;
mod deadlines;
mod errors;
mod grounding;
pub(crate) mod helpers;
mod invisible;
pub(crate) mod long_material;
mod persistence;
mod persona_cache;
mod privacy;
mod process;
mod process_cache;
mod protocol;
mod proxy;
mod raw;
mod request_log;
mod save_get;
mod scenarios;
mod signing;
mod site;
mod slow;
mod store_faults;
