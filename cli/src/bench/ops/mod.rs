//! The registry: every op `lowp bench` can run, one file each. To add an op,
//! write `ops/<op>.rs` exporting an `ENTRY: OpEntry` and list it here.

pub mod peak;

use super::case::OpEntry;

/// Every registered op, in the order `lowp bench` runs them.
pub const OPS: &[&OpEntry] = &[&peak::ENTRY];
