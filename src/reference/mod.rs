//! Scalar oracles: plain, obviously correct (and slow) versions of every op.
//! Every kernel is tested against them.

pub mod dot;
