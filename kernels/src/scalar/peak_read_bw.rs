//! Peak probe: read bandwidth. Sums a buffer of `u64` with eight independent
//! (wrapping) accumulators so the loop is bound by loads, not by one add chain.
//! Portable: on x86_64 the compiler vectorizes it, and a buffer far larger
//! than the last-level cache makes it memory-bound on any ISA.

/// Wrapping sum of `buf` (one add per element, `8·len` bytes read).
pub fn peak_read_bw_u64_scalar(buf: &[u64]) -> u64 {
    let mut acc = [0u64; 8];
    let mut chunks = buf.chunks_exact(8);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(*v);
        }
    }
    let tail = chunks.remainder().iter().fold(0u64, |s, v| s.wrapping_add(*v));
    acc.iter().fold(tail, |s, v| s.wrapping_add(*v))
}
