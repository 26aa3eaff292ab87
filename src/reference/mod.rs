//! Scalar oracles: plain, slow, obviously correct. Every backend is tested
//! against them (integer results bit-exact).

pub mod igemm;
