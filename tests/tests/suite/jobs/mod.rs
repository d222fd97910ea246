//! Background jobs: the job use cases over every record store (`contract`), and jobs end to end
//! through the server (`http`).

mod contract;
