//! Plain scalar oracles for every op: obviously correct, slow. Every kernel
//! is tested against them (integer results bit-exact, f32 within a bound
//! stated in the test).

pub mod sgemm;
