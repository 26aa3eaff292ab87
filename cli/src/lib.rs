//! The `lowp` command as a library: `lowp info` ([`info`]) and `lowp bench`
//! ([`mod@bench`], whose registry in [`bench::case`] and [`bench::ops`] is where
//! an op plugs in). The binary in `main.rs` only parses arguments.
#![warn(missing_docs)]

pub mod bench;
pub mod info;

/// Errors of the command line: lowp's own, I/O, and argument problems.
pub type CliResult<T> = Result<T, Box<dyn std::error::Error>>;
