//! One test binary for the workspace's cross-crate tests: the port contracts run against every
//! adapter, black-box HTTP tests of the actix front door, and the whole process and save path
//! under injected faults.

mod api;
mod contracts;
mod faults;
mod jobs;
mod llmock;
mod openai;
mod parity;
mod records;
mod supabase;
