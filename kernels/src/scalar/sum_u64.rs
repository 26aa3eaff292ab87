//! `sum_u64_scalar`: wrapping sum of a u64 buffer, the portable read-bandwidth probe.

/// Wrapping sum of `n` u64 (four independent accumulators).
///
/// # Safety
/// `p` must be valid for reads of `n` u64.
pub unsafe fn sum_u64_scalar(p: *const u64, n: usize) -> u64 {
    // SAFETY: the caller guarantees `n` readable u64 at `p`.
    let s = unsafe { core::slice::from_raw_parts(p, n) };
    let mut acc = [0u64; 4];
    let mut chunks = s.chunks_exact(4);
    for c in &mut chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(*x);
        }
    }
    let t = chunks.remainder().iter().fold(0u64, |a, x| a.wrapping_add(*x));
    acc.iter().fold(t, |a, x| a.wrapping_add(*x))
}
