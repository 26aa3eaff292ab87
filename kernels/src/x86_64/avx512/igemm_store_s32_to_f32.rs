//! The dequantizing tile store of the INT8 GEMM (AVX-512): an s32 tile →
//! f32 in C, one pass, 16 columns per step, masked tails.

use super::igemm_store_s32_to_q8::widen;
use super::stream_store_16::stream_store_16;
use crate::scalar::igemm_tile_store::TileDequant;
use crate::x86_64::igemm_ops::TileOut;
use core::arch::x86_64::*;

with_level! { avx512:
/// Dequantizes the `rows × cols` s32 tile (`tile[i·ld + j]`) into C
/// (`c[i·rsc + j]`, unit column stride):
/// `y = (v as f32)·(row_scale_i·scale_j) + bias_j` (no addition when `bias`
/// is null), then `min(max(y, lo), hi)` as Rust's `f32::max`/`min` compile
/// on x86: a NaN `y` becomes `lo`, and on equal operands (±0) `y` is kept.
/// The same arithmetic, bit for bit, as the portable dequantize in `lowp`
/// (no fused multiply-add).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `tile` must be
/// readable at `i·ld + j`, `row_scale` at `i`, `scale` (and `bias` unless
/// null) at `j`, and `c[i·rsc + j]` writable and ours alone, for `i < rows`,
/// `j < cols`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_store_s32_to_f32_avx512<const STREAM: bool>(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    row_scale: *const f32,
    scale: *const f32,
    bias: *const f32,
    lo: f32,
    hi: f32,
    c: *mut f32,
    rsc: usize,
) {
    let vlo = _mm512_set1_ps(lo);
    let vhi = _mm512_set1_ps(hi);
    let mut j = 0;
    while j < cols {
        let left = cols - j;
        let mask: __mmask16 = if left >= 16 { 0xffff } else { (1u16 << left) - 1 };
        // SAFETY: lanes j..j+16 under `mask` stay below `cols`, rows below
        // `rows`: inside the caller's scales, bias, tile rows and C rows.
        unsafe {
            let s = _mm512_maskz_loadu_ps(mask, scale.add(j));
            let b = (!bias.is_null()).then(|| _mm512_maskz_loadu_ps(mask, bias.add(j)));
            for i in 0..rows {
                let rs = _mm512_mul_ps(_mm512_set1_ps(*row_scale.add(i)), s);
                let v = _mm512_maskz_loadu_epi32(mask, tile.add(i * ld + j));
                let mut y = _mm512_mul_ps(_mm512_cvtepi32_ps(v), rs);
                if let Some(b) = b {
                    y = _mm512_add_ps(y, b);
                }
                // vmaxps/vminps return their second operand on equal (or
                // NaN) inputs: y is kept on ±0, and a NaN y is replaced by lo.
                let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(y, y);
                let y = _mm512_mask_mov_ps(_mm512_max_ps(vlo, y), nan, vlo);
                let y = _mm512_min_ps(vhi, y);
                if STREAM {
                    stream_store_16(c.add(i * rsc + j).cast(), _mm512_castps_si512(y), mask);
                } else {
                    _mm512_mask_storeu_ps(c.add(i * rsc + j), mask, y);
                }
            }
        }
        j += 16;
    }
}
}

/// The fused dequantizing epilogue of the 32-column VNNI kernels: rows of
/// the tile held in registers (two zmm, or four ymm widened to two zmm) go
/// to f32 at `dq.out` (row stride `dq.rso`). Same arithmetic, bit for bit,
/// as [`igemm_store_s32_to_f32_avx512`]. Always inlined, so the sums stay
/// in registers.
///
/// The kernel's caller guarantees `avx512f`, `dq.row_scale` readable for
/// `M` rows, `dq.scale` (and `dq.bias` unless null) for 32 columns,
/// `dq.out + r·dq.rso` writable for 32 elements (`r < M`), and with
/// `dq.stream` each such row 64-byte aligned.
pub(crate) struct Dequant;

impl TileOut<__m512i, 2> for Dequant {
    type Ep = TileDequant;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m512i; 2]; M], dq: &TileDequant) {
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe {
            let (vlo, vhi) = (_mm512_set1_ps(dq.lo), _mm512_set1_ps(dq.hi));
            let s = [_mm512_loadu_ps(dq.scale), _mm512_loadu_ps(dq.scale.add(16))];
            let has_bias = !dq.bias.is_null();
            let b = if has_bias {
                [_mm512_loadu_ps(dq.bias), _mm512_loadu_ps(dq.bias.add(16))]
            } else {
                [_mm512_setzero_ps(); 2]
            };
            #[allow(clippy::needless_range_loop)]
            for r in 0..M {
                let rsr = _mm512_set1_ps(*dq.row_scale.add(r));
                for v in 0..2 {
                    let mut y = _mm512_mul_ps(_mm512_cvtepi32_ps(sums[r][v]), _mm512_mul_ps(rsr, s[v]));
                    if has_bias {
                        y = _mm512_add_ps(y, b[v]);
                    }
                    // As the tile store: a NaN y becomes lo, ±0 is kept.
                    let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(y, y);
                    let y = _mm512_mask_mov_ps(_mm512_max_ps(vlo, y), nan, vlo);
                    let y = _mm512_min_ps(vhi, y);
                    let p = dq.out.add(r * dq.rso + 16 * v);
                    if dq.stream {
                        _mm512_stream_ps(p, y);
                    } else {
                        _mm512_storeu_ps(p, y);
                    }
                }
            }
        }
    }
}

impl TileOut<__m256i, 4> for Dequant {
    type Ep = TileDequant;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m256i; 4]; M], dq: &TileDequant) {
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe { <Self as TileOut<__m512i, 2>>::finish(sums.map(|r| widen(r)), dq) }
    }
}
