//! The zero-point correction of an INT8 GEMM tile, 16 columns at a time,
//! shared by the AVX-512 tile stores.

use crate::scalar::igemm_tile_store::TileCorrection;
use core::arch::x86_64::*;

/// One 16-column block's share of a [`TileCorrection`].
#[derive(Clone, Copy)]
pub(crate) struct ColumnFix {
    colsum: Option<__m512i>,
    zb: Option<__m512i>,
}

/// Loads columns `j .. j + 16` (lanes under `mask`) of the correction.
///
/// # Safety
///
/// AVX-512 F; the correction's column arrays readable at the masked lanes.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[inline]
pub(crate) unsafe fn column_fix(corr: &Option<TileCorrection>, j: usize, mask: __mmask16) -> ColumnFix {
    match corr {
        None => ColumnFix {
            colsum: None,
            zb: None,
        },
        // SAFETY: the caller's contract.
        Some(c) => unsafe {
            ColumnFix {
                colsum: (!c.za.is_null()).then(|| _mm512_maskz_loadu_epi32(mask, c.colsum.add(j))),
                zb: (!c.zb.is_null()).then(|| _mm512_maskz_loadu_epi32(mask, c.zb.add(j))),
            }
        },
    }
}

/// `v − za_i·colsum − zb·rowfix_i` (wrapping), the terms present in `f`.
///
/// # Safety
///
/// AVX-512 F; `corr`'s row arrays readable at `i` for the terms `f` holds.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[inline]
pub(crate) unsafe fn correct(v: __m512i, f: ColumnFix, corr: &Option<TileCorrection>, i: usize) -> __m512i {
    let Some(c) = corr else { return v };
    let mut v = v;
    // SAFETY: the caller's contract.
    unsafe {
        if let Some(cs) = f.colsum {
            v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(*c.za.add(i)), cs));
        }
        if let Some(zb) = f.zb {
            v = _mm512_sub_epi32(v, _mm512_mullo_epi32(zb, _mm512_set1_epi32(*c.rowfix.add(i))));
        }
    }
    v
}
