//! Background jobs: the job use cases over every record store (`contract`), jobs end to end
//! through the server (`http`), and a worker killed mid-job (`restart`; the real process killed
//! with SIGKILL is in `app-http/tests/binary/killed_mid_job.rs`, where Cargo gives the binary).

mod contract;
mod http;
mod restart;
