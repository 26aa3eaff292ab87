//! Non-temporal (streaming) stores for outputs too large to stay in cache,
//! and the fence that orders them.
//!
//! A regular store to a line that is not in cache first reads the line
//! (read-for-ownership); for a GEMM output of several MB that read is half
//! the traffic, and the misses stall the store queue in the middle of the
//! next tile's arithmetic. Streaming stores skip the read and go to memory
//! through the write-combining buffers. They are weakly ordered, so every
//! task that issued them calls [`store_fence`] before it reports done.

use core::arch::x86_64::_mm_sfence;

/// Orders this thread's earlier streaming stores before its later stores
/// (`sfence`), so another thread that sees this task finish also sees its
/// output.
#[inline]
pub fn store_fence() {
    // SAFETY: `sfence` is SSE, part of every x86-64 CPU's baseline.
    unsafe { _mm_sfence() }
}
