//! The pieces the INT8 GEMM kernels are written in: s32 vector operations
//! ([`I32Vec`], zmm and ymm), the k-group step ([`DotStep`]: `vpdpbusd` or
//! the `vpmaddubsw` chain) and where a finished tile goes ([`TileOut`]).
//!
//! Every method is `#[inline(always)]` without target features of its own:
//! it becomes instructions of the `#[target_feature]` kernel that calls it.
//! Callers uphold each method's `# Safety`: the CPU has the instruction's
//! features and the pointers are valid for the vector's bytes.
#![allow(clippy::missing_safety_doc)]

use crate::scalar::igemm_tile_store::TileCorrection;
use core::arch::x86_64::*;

/// An s32 vector (`__m512i` or `__m256i`) and the operations the kernels'
/// loads, corrections and stores use.
pub(crate) trait I32Vec: Copy {
    /// Bytes per vector.
    const BYTES: usize;
    /// All lanes 0.
    unsafe fn zero() -> Self;
    /// Loads `BYTES` bytes at `p` (unaligned).
    unsafe fn load<T>(p: *const T) -> Self;
    /// Stores at `p` (unaligned).
    unsafe fn store(p: *mut i32, v: Self);
    /// Stores at `p` (aligned to `BYTES`) with a streaming store.
    unsafe fn stream(p: *mut i32, v: Self);
    /// The (unaligned) 32-bit word at `p` in every lane.
    unsafe fn bcast(p: *const u8) -> Self;
    /// `x` in every lane.
    unsafe fn set1(x: i32) -> Self;
    /// Lane-wise wrapping `a + b`.
    unsafe fn add(a: Self, b: Self) -> Self;
    /// Lane-wise wrapping `a − b`.
    unsafe fn sub(a: Self, b: Self) -> Self;
    /// Lane-wise wrapping `a · b`.
    unsafe fn mullo(a: Self, b: Self) -> Self;
}

impl I32Vec for __m512i {
    const BYTES: usize = 64;
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_setzero_si512() }
    }
    #[inline(always)]
    unsafe fn load<T>(p: *const T) -> Self {
        // SAFETY: the caller's.
        unsafe { _mm512_loadu_si512(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: Self) {
        // SAFETY: the caller's.
        unsafe { _mm512_storeu_si512(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn stream(p: *mut i32, v: Self) {
        // SAFETY: the caller's.
        unsafe { _mm512_stream_si512(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn bcast(p: *const u8) -> Self {
        // SAFETY: the caller's.
        unsafe { _mm512_set1_epi32(p.cast::<i32>().read_unaligned()) }
    }
    #[inline(always)]
    unsafe fn set1(x: i32) -> Self {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_set1_epi32(x) }
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_sub_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn mullo(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_mullo_epi32(a, b) }
    }
}

impl I32Vec for __m256i {
    const BYTES: usize = 32;
    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller's (avx).
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn load<T>(p: *const T) -> Self {
        // SAFETY: the caller's.
        unsafe { _mm256_loadu_si256(p.cast()) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: Self) {
        // SAFETY: the caller's.
        unsafe { _mm256_storeu_si256(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn stream(p: *mut i32, v: Self) {
        // SAFETY: the caller's.
        unsafe { _mm256_stream_si256(p.cast(), v) }
    }
    #[inline(always)]
    unsafe fn bcast(p: *const u8) -> Self {
        // SAFETY: the caller's.
        unsafe { _mm256_set1_epi32(p.cast::<i32>().read_unaligned()) }
    }
    #[inline(always)]
    unsafe fn set1(x: i32) -> Self {
        // SAFETY: the caller's (avx).
        unsafe { _mm256_set1_epi32(x) }
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx2).
        unsafe { _mm256_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx2).
        unsafe { _mm256_sub_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn mullo(a: Self, b: Self) -> Self {
        // SAFETY: the caller's (avx2).
        unsafe { _mm256_mullo_epi32(a, b) }
    }
}

/// One k-group step: `acc + Σ_t a[4l+t]·b[4l+t]` in each 32-bit lane `l`
/// (u8 `a`, s8 `b`).
pub(crate) trait DotStep {
    /// The accumulator vector.
    type V: I32Vec;
    /// Whether each pair of products saturates to s16 (`vpmaddubsw`).
    const SATURATES: bool;
    /// The step.
    unsafe fn dot(acc: Self::V, a: Self::V, b: Self::V) -> Self::V;
}

/// `vpdpbusd` zmm (AVX-512 VNNI): exact.
pub(crate) struct Vpdpbusd512;
impl DotStep for Vpdpbusd512 {
    type V = __m512i;
    const SATURATES: bool = false;
    #[inline(always)]
    unsafe fn dot(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: the caller's (avx512vnni).
        unsafe { _mm512_dpbusd_epi32(acc, a, b) }
    }
}

/// `vpdpbusd` ymm, EVEX (AVX-512 VNNI + VL: 32 registers): exact.
pub(crate) struct Vpdpbusd256;
impl DotStep for Vpdpbusd256 {
    type V = __m256i;
    const SATURATES: bool = false;
    #[inline(always)]
    unsafe fn dot(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: the caller's (avx512vnni, avx512vl).
        unsafe { _mm256_dpbusd_epi32(acc, a, b) }
    }
}

/// `vpdpbusd` ymm, VEX (AVX-VNNI: 16 registers): exact.
pub(crate) struct VpdpbusdVex256;
impl DotStep for VpdpbusdVex256 {
    type V = __m256i;
    const SATURATES: bool = false;
    #[inline(always)]
    unsafe fn dot(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: the caller's (avxvnni).
        unsafe { _mm256_dpbusd_avx_epi32(acc, a, b) }
    }
}

/// `vpmaddubsw` (pairs → s16, saturating) + `vpmaddwd` with ones + `vpaddd`, zmm.
pub(crate) struct Chain512;
impl DotStep for Chain512 {
    type V = __m512i;
    const SATURATES: bool = true;
    #[inline(always)]
    unsafe fn dot(acc: __m512i, a: __m512i, b: __m512i) -> __m512i {
        // SAFETY: the caller's (avx512bw).
        unsafe {
            _mm512_add_epi32(
                acc,
                _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), _mm512_set1_epi16(1)),
            )
        }
    }
}

/// The same chain, ymm (AVX2).
pub(crate) struct Chain256;
impl DotStep for Chain256 {
    type V = __m256i;
    const SATURATES: bool = true;
    #[inline(always)]
    unsafe fn dot(acc: __m256i, a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: the caller's (avx2).
        unsafe {
            _mm256_add_epi32(
                acc,
                _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1)),
            )
        }
    }
}

/// The pointers of a [`TileCorrection`] with absent terms redirected to a
/// zero array (at least a tile's rows and columns long), so the correction
/// runs without branches: data-dependent branches between the stores keep
/// LLVM from holding the accumulators in registers.
#[derive(Clone, Copy)]
pub(crate) struct FixPtrs {
    colfix: *const i32,
    za: *const i32,
    colsum: *const i32,
    rowfix: *const i32,
    zb: *const i32,
}

impl FixPtrs {
    /// `fx`'s pointers, absent terms pointing at `zeros`.
    #[inline(always)]
    pub(crate) fn new(fx: &TileCorrection, zeros: *const i32) -> FixPtrs {
        let or_zero = |p: *const i32| if p.is_null() { zeros } else { p };
        let (za_on, zb_on) = (!fx.za.is_null(), !fx.zb.is_null());
        FixPtrs {
            colfix: or_zero(fx.colfix),
            za: or_zero(fx.za),
            colsum: if za_on { fx.colsum } else { zeros },
            rowfix: if zb_on { fx.rowfix } else { zeros },
            zb: or_zero(fx.zb),
        }
    }

    /// `v + colfix[col..] − za_r·colsum[col..] − rowfix_r·zb[col..]`
    /// (wrapping) for the vector of row `r` from column `col`.
    ///
    /// # Safety
    ///
    /// The correction's row arrays readable at `r`, its column arrays for
    /// the vector's lanes from `col`; the CPU has `V`'s operations.
    #[inline(always)]
    pub(crate) unsafe fn correct<V: I32Vec>(self, v: V, r: usize, col: usize) -> V {
        // SAFETY: the caller's.
        unsafe {
            let v = V::add(v, V::load(self.colfix.add(col)));
            let v = V::sub(
                v,
                V::mullo(V::set1(*self.za.add(r)), V::load(self.colsum.add(col))),
            );
            V::sub(
                v,
                V::mullo(V::set1(*self.rowfix.add(r)), V::load(self.zb.add(col))),
            )
        }
    }
}

/// Where a finished (corrected) tile of `NV` vectors `V` a row goes: a type
/// parameter of the kernels' tile functions, one instantiation per output.
pub(crate) trait TileOut<V, const NV: usize> {
    /// The epilogue's argument (`()` for s32 outputs).
    type Ep;
    /// Whether the sums go to [`finish`](Self::finish) (a fused epilogue)
    /// rather than to [`store`](Self::store), vector by vector.
    const FUSED: bool;
    /// Stores one vector of the s32 tile at `p`.
    #[inline(always)]
    unsafe fn store(_p: *mut i32, _v: V) {}
    /// The fused epilogue of `M` rows.
    #[inline(always)]
    unsafe fn finish<const M: usize>(_sums: [[V; NV]; M], _ep: &Self::Ep) {}
}

/// The s32 tile, regular stores.
pub(crate) struct S32;
impl<V: I32Vec, const NV: usize> TileOut<V, NV> for S32 {
    type Ep = ();
    const FUSED: bool = false;
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: V) {
        // SAFETY: the caller's.
        unsafe { V::store(p, v) }
    }
}

/// The s32 tile, streaming stores (line-aligned rows; the caller fences).
pub(crate) struct Stream;
impl<V: I32Vec, const NV: usize> TileOut<V, NV> for Stream {
    type Ep = ();
    const FUSED: bool = false;
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: V) {
        // SAFETY: the caller's.
        unsafe { V::stream(p, v) }
    }
}
