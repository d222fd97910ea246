//! What the fuzz targets share: structured inputs that reach the limits, the persona invariants,
//! and the "no echo of user text" check.
//!
//! The targets themselves live in `fuzz_targets/`; `README.md` lists each one's invariants.

pub mod adversarial;
pub mod echo;
pub mod input;
pub mod persona;
