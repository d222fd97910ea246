//! One test binary for the workspace's cross-crate tests: the port contracts run against every
//! adapter, and black-box HTTP tests of the actix front door.

mod api;
mod contracts;
mod llmock;
mod openai;
mod parity;
mod supabase;
