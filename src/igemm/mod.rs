//! INT8 GEMM: `C = op((A − za)·(B − zb))` with u8 or s8 activations `A`
//! (`M × K`), weights `B` (`K × N`, s8 or u8) packed once into
//! [`PackedI8Weights`], and an output pipeline fused into the store of each
//! tile ([`Output`]: raw s32, dequantized f32, requantized u8/s8).
//!
//! # How every sign combination runs at full speed
//!
//! Kernels multiply u8 by s8 (`vpdpbusd`, `vpmaddubsw`). Activations are
//! moved to u8 (`a' = a + 128` for s8) and weights to s8 (`b' = b − 128` for
//! u8); the zero points move with them (`za' = za + 128`, `zb' = zb − 128`),
//! so `Σ(a − za)(b − zb) = Σ(a' − za')(b' − zb')`
//! `= Σa'b' − zb'·rowsum(a') − za'·colsum(b') + K·za'·zb'`. The column sums
//! live in the packed weights, the row sums come out of packing A, and the
//! microkernel applies the correction (wrapping i32, exact whenever the
//! result fits) to each tile in registers, before storing it: a zero point
//! shared by all rows makes `−za'·colsum` the accumulators' start value, so
//! it costs nothing in the K loop, and raw s32 output is written to C once,
//! by the kernel. A requantized output's integer bias joins that start
//! value too.
//!
//! # One row: the weights stream
//!
//! A one-row call (matrix × vector) reads every weight once, so it runs at
//! the speed the packed weights stream in from cache or memory: its
//! activation panel is one row tall, and on `avx512vnni` it runs the ymm
//! kernel, whose 256-bit loads stream faster than 512-bit ones (figures in
//! `docs/tuning.md`, "INT8 GEMM").
//!
//! # Large outputs: align C to 64 bytes
//!
//! On AVX-512 levels, a 32-bit C (s32 or f32) whose rows start on 64-byte
//! boundaries (C's first element and its row stride in bytes both multiples
//! of 64, as oneDNN allocates tensors) and which, together with the packed
//! weights, outgrows the L2 caches of the threads writing it, is written
//! with streaming stores: no read of C's lines before they are overwritten
//! (`docs/tuning.md`, "INT8 GEMM"). Results are the same.
//!
//! # Exact on every ISA
//!
//! Without VNNI, `vpmaddubsw` saturates each pair of products to s16. When
//! the weights are packed, each panel of `nr` columns is checked; panels
//! where no pair can saturate use the chain, the others an exact s16 path
//! ([`PackedI8Weights::panel_paths`]). [`Saturation::Allow`] opts into the
//! chain everywhere; its results then equal the oracle's (`igemm::igemm_s32`
//! of the `lowp-reference` crate) with `Saturation::Allow`.
//!
//! ```
//! use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
//! use lowp::{Context, MatMut, MatRef};
//! let ctx = Context::builder().threads(1).build()?;
//! let a = [1u8, 2, 3, 4, 5, 6]; // 2 x 3
//! let w = [1i8, -1, 2, 0, 3, 1]; // 3 x 2
//! let b = PackedI8Weights::pack(&ctx, MatRef::row_major(&w, 3, 2)?, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
//! let mut c = [0i32; 4];
//! igemm(&ctx, MatRef::row_major(&a, 2, 3)?, 0, &b, Output::S32 { c: MatMut::row_major(&mut c, 2, 2)?, accumulate: false })?;
//! assert_eq!(c, [1 + 4 + 9, -1 + 3, 4 + 10 + 18, -4 + 6]);
//! # Ok::<(), lowp::Error>(())
//! ```

mod iconv_strips;
pub(crate) mod kernels;
pub(crate) mod lhs;
mod linear;
mod pack;
pub(crate) mod pipeline;
mod run;
mod small_m;
mod strip_run;

pub use kernels::{IgemmKernels, IgemmUkernel};
pub use linear::{ActivationQuantization, QuantizedLinear};
pub use pack::{PackOptions, PackedI8Weights, MAX_K};
pub use pipeline::{Activation, Dequantize, Output, Requantize, Scale};

use crate::error::{Error, Result};
use crate::{Context, MatRef};
pub(crate) use pack::Activations;
pub(crate) use run::{check_dequantize, check_requantize, igemm_run};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for i8 {}
}

/// An 8-bit integer element: `u8` or `i8`.
pub trait Int8: Copy + Send + Sync + sealed::Sealed + 'static {
    /// Whether the type is signed.
    const SIGNED: bool;
    /// Smallest value, as i32.
    const MIN: i32;
    /// Largest value, as i32.
    const MAX: i32;
    /// What moving the value to u8 adds (128 for i8, 0 for u8).
    const U8_SHIFT: i32;
    /// What moving the value to s8 subtracts (128 for u8, 0 for i8).
    const S8_SHIFT: i32;
    /// The value.
    fn to_i32(self) -> i32;
    /// `self + U8_SHIFT` as u8.
    fn to_u8_shifted(self) -> u8;
    /// `self − S8_SHIFT` as i8.
    fn to_s8_shifted(self) -> i8;
    /// Packs a contiguous row to u8, returning the sum of the packed bytes.
    #[doc(hidden)]
    fn pack_row(src: &[Self], dst: &mut [u8]) -> i32;
    /// The slice itself for u8 (read in place by the small-M kernel),
    /// `None` for i8 (moved to u8 by packing).
    #[doc(hidden)]
    fn as_u8(src: &[Self]) -> Option<&[u8]>;
}

impl Int8 for u8 {
    const SIGNED: bool = false;
    const MIN: i32 = 0;
    const MAX: i32 = 255;
    const U8_SHIFT: i32 = 0;
    const S8_SHIFT: i32 = 128;
    fn to_i32(self) -> i32 {
        self as i32
    }
    fn to_u8_shifted(self) -> u8 {
        self
    }
    fn to_s8_shifted(self) -> i8 {
        (self ^ 0x80) as i8
    }
    fn pack_row(src: &[u8], dst: &mut [u8]) -> i32 {
        pack::pack_row_u8(src, dst)
    }
    fn as_u8(src: &[u8]) -> Option<&[u8]> {
        Some(src)
    }
}

impl Int8 for i8 {
    const SIGNED: bool = true;
    const MIN: i32 = -128;
    const MAX: i32 = 127;
    const U8_SHIFT: i32 = 128;
    const S8_SHIFT: i32 = 0;
    fn to_i32(self) -> i32 {
        self as i32
    }
    fn to_u8_shifted(self) -> u8 {
        (self as u8) ^ 0x80
    }
    fn to_s8_shifted(self) -> i8 {
        self
    }
    fn pack_row(src: &[i8], dst: &mut [u8]) -> i32 {
        pack::pack_row_s8(src, dst)
    }
    fn as_u8(_: &[i8]) -> Option<&[u8]> {
        None
    }
}

/// Whether the `vpmaddubsw` chain may saturate (levels without VNNI).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Saturation {
    /// Exact results on every level (default): panels where a pair of
    /// weights could saturate the chain take the exact s16 path.
    #[default]
    Exact,
    /// The chain on every panel: faster on adversarial weights, but each
    /// pair of u8·s8 products saturates to s16 (as MKL, FBGEMM and MLAS do).
    /// Results equal the oracle's saturation model. VNNI levels stay exact.
    Allow,
}

/// Which kernel family to run (for comparisons and benches).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KernelPreference {
    /// The level's best kernels. On `avx512vnni` that is the zmm kernel,
    /// except for one-row calls (a matrix-vector product), which run the
    /// ymm kernel: its 256-bit loads stream the weights faster.
    #[default]
    Auto,
    /// The ymm (AVX-512VL) `vpdpbusd` kernel; only on `avx512vnni`.
    Ymm,
    /// The exact s16 path on every panel; only on levels without VNNI.
    ExactS16,
}

/// Zero point(s) of the weights.
#[derive(Clone, Copy, Debug)]
pub enum WeightZeroPoint<'a> {
    /// One for all columns.
    PerTensor(i32),
    /// One per output column (length N).
    PerColumn(&'a [i32]),
}

fn check_zero_point<T: Int8>(arg: &'static str, z: i32) -> Result<()> {
    if z < T::MIN || z > T::MAX {
        return Err(Error::param(
            arg,
            format!("zero point {z} is outside [{}, {}]", T::MIN, T::MAX),
        ));
    }
    Ok(())
}

/// `C = pipeline((A − a_zero_point)·(B − zb))` for activations `a`
/// (`M × K`, u8 or s8, any strides) and packed weights `b`.
///
/// `Err` when shapes disagree, `b` was packed for another ISA level than
/// `ctx`'s, a zero point is outside its type's range, a scale is not finite
/// and positive, a bias is not finite or has the wrong length, or K is so
/// large that a result could overflow s32.
pub fn igemm<A: Int8>(
    ctx: &Context,
    a: MatRef<'_, A>,
    a_zero_point: i32,
    b: &PackedI8Weights,
    out: Output<'_>,
) -> Result<()> {
    check_zero_point::<A>("a_zero_point", a_zero_point)?;
    let mut log = crate::verbose::Call::start(
        ctx,
        if A::SIGNED { "igemm_s8" } else { "igemm_u8" },
        a.rows(),
        b.k,
        b.n,
    );
    log.igemm(ctx, a.rows(), b);
    let done = igemm_run(ctx, &Activations::new(ctx, a, a_zero_point), b, out);
    if done.is_err() {
        log.cancel();
    }
    done
}

fn requant_bounds<T: Int8>(p: &Requantize<'_>) -> Result<(i32, i32)> {
    check_zero_point::<T>("requantize.zero_point", p.zero_point)?;
    let (lo, hi) = p.output_range::<T>();
    if lo > hi {
        return Err(Error::param(
            "requantize.clamp",
            format!(
                "the output range [{lo}, {hi}] is empty (clamp {:?}, relu {})",
                p.clamp, p.relu
            ),
        ));
    }
    Ok((lo, hi))
}
