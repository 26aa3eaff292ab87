//! Peak probe: the STREAM triad `a[i] = b[i] + s·c[i]` on f32 (two reads and
//! one write per element, 12 bytes by STREAM's count; the write-allocate read
//! of `a` is not counted). Portable; the compiler vectorizes it.

/// `a[i] = b[i] + s * c[i]` over the common length of the three slices
/// (multiply then add, two roundings). Returns the number of elements written.
pub fn peak_triad_f32_scalar(a: &mut [f32], b: &[f32], c: &[f32], s: f32) -> usize {
    let n = a.len().min(b.len()).min(c.len());
    for ((a, b), c) in a[..n].iter_mut().zip(&b[..n]).zip(&c[..n]) {
        *a = *b + s * *c;
    }
    n
}
