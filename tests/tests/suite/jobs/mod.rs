//! Background jobs: the job use cases over every record store (`contract`), jobs end to end
//! through the server (`http`), and a worker killed mid-job (`restart`).

mod contract;
mod http;
mod restart;
