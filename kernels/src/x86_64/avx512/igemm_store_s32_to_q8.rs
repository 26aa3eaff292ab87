//! The requantizing tile store of the INT8 GEMM (AVX-512): an s32 tile →
//! u8 or s8 in C, one pass, masked tails.
//!
//! Full 32-column blocks go two rows at a time: four vectors are scaled and
//! rounded in f32, then narrowed together with saturating packs (s32 → s16,
//! `+ zp` saturating, s16 → 8 bits) and raised to `lo` once per 64 bytes,
//! where narrowing each vector alone (`vpmovdb`, two micro-ops) and
//! clamping it in f32 cost about twice the instructions. `hi` is applied the
//! same way, to the bytes, when every scale of the block is below 1 in
//! magnitude (the usual case), because no product can then leave i32's
//! range; otherwise it is applied in f32 before rounding, which keeps a
//! product beyond i32 from rounding to `i32::MIN` (docs/tuning.md).

use crate::scalar::igemm_tile_store::TileRequant;
use crate::x86_64::igemm_ops::TileOut;
use crate::x86_64::narrow_lanes::NarrowBy;
use core::arch::x86_64::*;

with_level! { avx512:
/// Requantizes the `rows × cols` s32 tile (`tile[i·ld + j]`) and stores it
/// as bytes into C (`c[i·rsc + j]`, unit column stride):
/// `t = v + bias_j` (wrapping; no bias when `bias` is null),
/// `y = min(max((t as f32)·scale_j, lo − zp), hi − zp)`, rounded half to
/// even, `+ zp`, narrowed to the low byte. With `[lo, hi]` inside the output
/// type's range the byte is the u8 (or, read as i8, the s8) result: the same
/// arithmetic, bit for bit, as the portable requantize in `lowp`
/// (`(t as f32)·s` rounds once, the clamp bounds are integers, and
/// `vcvtps2dq` with round-to-nearest-even equals the 1.5·2²³ trick for
/// `|y| < 2²²`).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `tile` must be
/// readable at `i·ld + j`, `scale` (and `bias` unless null) at `j`, and
/// `c[i·rsc + j]` writable and ours alone, for `i < rows`, `j < cols`;
/// `lo ≤ hi` with `zp` between them, all three within u8's range or all
/// within i8's.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_store_s32_to_q8_avx512(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    scale: *const f32,
    bias: *const i32,
    zp: i32,
    lo: i32,
    hi: i32,
    c: *mut u8,
    rsc: usize,
) {
    let whole = cols / 32 * 32;
    let pairs = rows / 2 * 2;
    // SAFETY: both parts stay inside the caller's rows × cols block (the
    // first covers whole 32-column blocks of row pairs, the second the
    // rest), with the caller's `scale`, `bias`, `zp`, `lo`, `hi`.
    unsafe {
        if whole > 0 && pairs > 0 {
            // Signed packs whenever the bounds fit i8 (then the bytes agree
            // for either output type); unsigned ones when `hi` needs u8.
            let args = (pairs, whole, tile, ld, scale, bias, zp, lo, hi, c, rsc);
            match (hi <= 127, bias.is_null()) {
                (true, true) => pairs_32::<true, false>(args),
                (true, false) => pairs_32::<true, true>(args),
                (false, true) => pairs_32::<false, false>(args),
                (false, false) => pairs_32::<false, true>(args),
            }
        }
        // Rows past the pairs, all columns.
        by_vector(
            rows - pairs,
            cols,
            tile.add(pairs * ld),
            ld,
            scale,
            bias,
            zp,
            lo,
            hi,
            c.add(pairs * rsc),
            rsc,
        );
        // Columns past the whole blocks, for the paired rows.
        if whole < cols {
            let rest = cols - whole;
            let bias_rest = if bias.is_null() { bias } else { bias.add(whole) };
            by_vector(
                pairs,
                rest,
                tile.add(whole),
                ld,
                scale.add(whole),
                bias_rest,
                zp,
                lo,
                hi,
                c.add(whole),
                rsc,
            );
        }
    }
}
}

/// `(rows, cols, tile, ld, scale, bias, zp, lo, hi, c, rsc)`.
type Args = (
    usize,
    usize,
    *const i32,
    usize,
    *const f32,
    *const i32,
    i32,
    i32,
    i32,
    *mut u8,
    usize,
);

/// The constants of the paired narrowing on zmm ([`NarrowBy`]) and the
/// dword order that undoes the packs' lane interleaving.
#[derive(Clone, Copy)]
pub(crate) struct Narrow {
    by: NarrowBy<__m512i>,
    order: __m512i,
}

impl Narrow {
    /// For output bounds `[lo, hi]` and zero point `zp`.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn new(zp: i32, lo: i32, hi: i32) -> Narrow {
        Narrow {
            // SAFETY: this function's features are zmm's.
            by: unsafe { NarrowBy::new(zp, lo, hi) },
            // Dword k of the packed vector holds 4 bytes of source vector
            // k % 4, group k / 4; this puts each source's groups together.
            order: _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
        }
    }

    /// `round(min((v as f32)·s, hi − zp))` (`vcvtps2dq`; a value below
    /// `i32::MIN` becomes `i32::MIN`), or without the minimum when not
    /// `HI_F32` (then `|s| < 1` must hold, so `|(v as f32)·s| < 2³¹`).
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn scaled<const HI_F32: bool>(&self, v: __m512i, s: __m512) -> __m512i {
        // SAFETY: this function's features are zmm's.
        unsafe { self.by.scaled::<HI_F32>(v, s) }
    }

    /// Whether both scale vectors are below 1 in magnitude, so the rows can
    /// skip the f32 minimum (`scaled::<false>`, `bytes::<_, false>`). A NaN
    /// scale answers no.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn small_scales(s0: __m512, s1: __m512) -> bool {
        let one = _mm512_set1_ps(1.0);
        let m0 = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(_mm512_abs_ps(s0), one);
        let m1 = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(_mm512_abs_ps(s1), one);
        m0 & m1 == 0xffff
    }

    /// Four rounded vectors (two rows × 32 columns: `r0 r1` then `r2 r3`)
    /// → 64 bytes in that order: packed to s16 with saturation, `+ zp`
    /// saturating, packed to 8 bits with saturation (signed or unsigned),
    /// raised to `lo` and, unless `HI_F32` (the rounded values already
    /// applied `hi`), lowered to `hi`. A value inside the bounds is never
    /// saturated on the way (|round(y)| ≤ 510), and each step is monotonic,
    /// so one below (above) them stays below (above): the same bytes as
    /// clamping in f32 first.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn bytes<const SIGNED: bool, const HI_F32: bool>(&self, r: [__m512i; 4]) -> __m512i {
        _mm512_permutexvar_epi32(self.order, self.packed::<SIGNED, HI_F32>(r))
    }

    /// [`Narrow::bytes`] without the final permute: dword `4L + i` holds
    /// the bytes of vector `i`'s lanes `4L..4L + 4`.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(crate) fn packed<const SIGNED: bool, const HI_F32: bool>(&self, r: [__m512i; 4]) -> __m512i {
        // SAFETY: this function's features are zmm's.
        unsafe { self.by.packed::<SIGNED, HI_F32>(r) }
    }
}

/// The fused requantizing epilogue of the 32-column VNNI kernels: rows of
/// the tile held in registers (two zmm, or four ymm widened to two zmm)
/// go to bytes at `rq.out` (row stride `rq.rso`). `HI_F32`: `true` applies
/// `hi` in f32, `false` to the bytes (only when `rq.hi_bytes` vouches for
/// the scales). Same arithmetic, bit for bit, as
/// [`igemm_store_s32_to_q8_avx512`]. Always inlined, so the sums never
/// leave the registers.
///
/// The kernel's caller guarantees `avx512f,avx512bw`, `rq.scale` readable
/// for 32 columns, `rq.out + r·rq.rso` writable for 32 bytes (`r < M`), and
/// `rq.lo ≤ rq.hi` with `rq.zp` between them, all three within u8's range
/// or all within i8's.
pub(crate) struct Requant<const HI_F32: bool>;

impl<const HI_F32: bool> TileOut<__m512i, 2> for Requant<HI_F32> {
    type Ep = TileRequant;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m512i; 2]; M], rq: &TileRequant) {
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe {
            let nw = Narrow::new(rq.zp, rq.lo, rq.hi);
            let (s0, s1) = (_mm512_loadu_ps(rq.scale), _mm512_loadu_ps(rq.scale.add(16)));
            let signed = rq.hi <= 127;
            let row = |r: usize| {
                [
                    nw.scaled::<HI_F32>(sums[r][0], s0),
                    nw.scaled::<HI_F32>(sums[r][1], s1),
                ]
            };
            let bytes = |x: [__m512i; 4]| {
                if signed {
                    nw.bytes::<true, HI_F32>(x)
                } else {
                    nw.bytes::<false, HI_F32>(x)
                }
            };
            store_rows::<M>(row, bytes, rq.out, rq.rso);
        }
    }
}

/// Stores `M` rows of 32 bytes at `out` (row stride `rso`): rows two at a
/// time through one 64-byte narrowing (`bytes` of `row(r)`, `row(r + 1)`),
/// the last odd row alone. Shared by the fused requantizing epilogues.
///
/// # Safety
///
/// `out + r·rso` writable for 32 bytes, `r < M`; the CPU has AVX-512 F.
#[inline(always)]
pub(crate) unsafe fn store_rows<const M: usize>(
    row: impl Fn(usize) -> [__m512i; 2],
    bytes: impl Fn([__m512i; 4]) -> __m512i,
    out: *mut u8,
    rso: usize,
) {
    // SAFETY: the caller's.
    unsafe {
        let mut r = 0;
        while r + 2 <= M {
            let ([x0, x1], [x2, x3]) = (row(r), row(r + 1));
            let q = bytes([x0, x1, x2, x3]);
            _mm256_storeu_si256(out.add(r * rso).cast(), _mm512_castsi512_si256(q));
            _mm256_storeu_si256(out.add((r + 1) * rso).cast(), _mm512_extracti64x4_epi64::<1>(q));
            r += 2;
        }
        if r < M {
            let [x0, x1] = row(r);
            let q = bytes([x0, x1, x0, x1]);
            _mm256_storeu_si256(out.add(r * rso).cast(), _mm512_castsi512_si256(q));
        }
    }
}

impl<const HI_F32: bool> TileOut<__m256i, 4> for Requant<HI_F32> {
    type Ep = TileRequant;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m256i; 4]; M], rq: &TileRequant) {
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe { <Self as TileOut<__m512i, 2>>::finish(sums.map(|r| widen(r)), rq) }
    }
}

/// A row of four ymm (32 s32 columns) as two zmm.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn widen(r: [__m256i; 4]) -> [__m512i; 2] {
    [
        _mm512_inserti64x4::<1>(_mm512_castsi256_si512(r[0]), r[1]),
        _mm512_inserti64x4::<1>(_mm512_castsi256_si512(r[2]), r[3]),
    ]
}

/// Two rows × 32 columns per step (`rows` even, `cols` a multiple of 32),
/// with [`Narrow`].
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[inline]
unsafe fn pairs_32<const SIGNED: bool, const BIAS: bool>(args: Args) {
    let (rows, cols, tile, ld, scale, bias, zp, lo, hi, c, rsc) = args;
    let nw = Narrow::new(zp, lo, hi);
    let mut j = 0;
    while j < cols {
        // SAFETY: columns j..j+32 and rows i, i+1 are inside the caller's
        // block (`cols` a multiple of 32, `rows` even).
        unsafe {
            let (s0, s1) = (_mm512_loadu_ps(scale.add(j)), _mm512_loadu_ps(scale.add(j + 16)));
            let (b0, b1) = if BIAS {
                (
                    _mm512_loadu_si512(bias.add(j).cast()),
                    _mm512_loadu_si512(bias.add(j + 16).cast()),
                )
            } else {
                (_mm512_setzero_si512(), _mm512_setzero_si512())
            };
            let bias_added = |p: *const i32, b: __m512i| {
                let v = _mm512_loadu_si512(p.cast());
                if BIAS {
                    _mm512_add_epi32(v, b)
                } else {
                    v
                }
            };
            // The row pairs for one way of applying `hi` (module docs).
            macro_rules! pairs {
                ($hi_f32:literal) => {{
                    let mut i = 0;
                    while i < rows {
                        let (t0, t1) = (tile.add(i * ld + j), tile.add((i + 1) * ld + j));
                        let q = nw.bytes::<SIGNED, $hi_f32>([
                            nw.scaled::<$hi_f32>(bias_added(t0, b0), s0),
                            nw.scaled::<$hi_f32>(bias_added(t0.add(16), b1), s1),
                            nw.scaled::<$hi_f32>(bias_added(t1, b0), s0),
                            nw.scaled::<$hi_f32>(bias_added(t1.add(16), b1), s1),
                        ]);
                        _mm256_storeu_si256(c.add(i * rsc + j).cast(), _mm512_castsi512_si256(q));
                        _mm256_storeu_si256(
                            c.add((i + 1) * rsc + j).cast(),
                            _mm512_extracti64x4_epi64::<1>(q),
                        );
                        i += 2;
                    }
                }};
            }
            if Narrow::small_scales(s0, s1) {
                pairs!(false)
            } else {
                pairs!(true)
            }
        }
        j += 32;
    }
}

/// One vector (16 columns, masked tail) at a time, clamped in f32 and
/// narrowed with `vpmovdb`: the rows and columns `pairs_32` leaves.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[allow(clippy::too_many_arguments)]
unsafe fn by_vector(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    scale: *const f32,
    bias: *const i32,
    zp: i32,
    lo: i32,
    hi: i32,
    c: *mut u8,
    rsc: usize,
) {
    let flo = _mm512_set1_ps((lo - zp) as f32);
    let fhi = _mm512_set1_ps((hi - zp) as f32);
    let vzp = _mm512_set1_epi32(zp);
    let mut j = 0;
    while j < cols {
        let left = cols - j;
        let mask: __mmask16 = if left >= 16 { 0xffff } else { (1u16 << left) - 1 };
        // SAFETY: lanes j..j+16 under `mask` stay below `cols`, inside the
        // caller's `scale`, `bias`, tile rows and C rows.
        unsafe {
            let s = _mm512_maskz_loadu_ps(mask, scale.add(j));
            let b = if bias.is_null() {
                _mm512_setzero_si512()
            } else {
                _mm512_maskz_loadu_epi32(mask, bias.add(j))
            };
            for i in 0..rows {
                let v = _mm512_maskz_loadu_epi32(mask, tile.add(i * ld + j));
                let t = _mm512_add_epi32(v, b);
                let y = _mm512_mul_ps(_mm512_cvtepi32_ps(t), s);
                let y = _mm512_min_ps(_mm512_max_ps(y, flo), fhi);
                let r = _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(y);
                let r = _mm512_add_epi32(r, vzp);
                // Narrow in registers, then store: `vpmovdb` to memory is slow.
                let q = _mm512_cvtepi32_epi8(r);
                let dst = c.add(i * rsc + j);
                if mask == 0xffff {
                    _mm_storeu_si128(dst as *mut __m128i, q);
                } else {
                    _mm_mask_storeu_epi8(dst as *mut i8, mask, q);
                }
            }
        }
        j += 16;
    }
}
