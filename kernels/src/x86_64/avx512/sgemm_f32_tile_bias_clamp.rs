//! The f32 output stage of a finished C tile, in place, AVX-512: the
//! vector twin of `scalar::sgemm_f32_tile_bias_clamp` (same contract), 16
//! columns per step, the remainder masked.

use core::arch::x86_64::*;

with_level! { avx512:
/// `C[i·rsc + j] ← clamp(C[i·rsc + j] + bias[j])` for `i < rows`, `j < cols`,
/// `clamp = Some((lo, hi))` being `max(·, lo)` then `min(·, hi)` (a NaN sum
/// becomes `lo`, as `f32::max` makes it), `None` no clamp.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]); `bias`,
/// when given, holds `cols` elements (checked); `c[i·rsc + j]` valid for
/// reads and writes for `i < rows`, `j < cols`, owned by the caller.
pub unsafe fn sgemm_f32_tile_bias_clamp_avx512(
    rows: usize,
    cols: usize,
    c: *mut f32,
    rsc: usize,
    bias: Option<&[f32]>,
    clamp: Option<(f32, f32)>,
) {
    if let Some(b) = bias {
        assert!(b.len() >= cols, "bias too short");
    }
    let (lo, hi) = clamp.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
    let (vlo, vhi) = (_mm512_set1_ps(lo), _mm512_set1_ps(hi));
    let stage = |v: __m512, vb: Option<__m512>| {
        let v = vb.map_or(v, |b| _mm512_add_ps(v, b));
        // maxps returns its second operand for a NaN first one.
        if clamp.is_some() {
            _mm512_min_ps(_mm512_max_ps(v, vlo), vhi)
        } else {
            v
        }
    };
    let mut j = 0;
    // Whole vectors unmasked (masked stores cost more on some cores).
    while j + 16 <= cols {
        // SAFETY: columns j..j + 16 ≤ cols of the bias, checked above.
        let vb = bias.map(|b| unsafe { _mm512_loadu_ps(b.as_ptr().add(j)) });
        for i in 0..rows {
            // SAFETY: columns j..j + 16 ≤ cols of row i are the caller's.
            unsafe {
                let p = c.add(i * rsc + j);
                _mm512_storeu_ps(p, stage(_mm512_loadu_ps(p), vb));
            }
        }
        j += 16;
    }
    if j < cols {
        let m: __mmask16 = (1u16 << (cols - j)) - 1;
        // SAFETY: columns j..cols of the bias, checked above.
        let vb = bias.map(|b| unsafe { _mm512_maskz_loadu_ps(m, b.as_ptr().add(j)) });
        for i in 0..rows {
            // SAFETY: columns j..cols of row i are the caller's.
            unsafe {
                let p = c.add(i * rsc + j);
                _mm512_mask_storeu_ps(p, m, stage(_mm512_maskz_loadu_ps(m, p), vb));
            }
        }
    }
}
}
