//! Dot products, distances and scans (docs/ARCHITECTURE.md §5).
//!
//! - Pairs: [`dot_f32`], [`l2_squared_f32`], [`cosine_f32`] and the same for
//!   bf16 and f16 (`half` types); exact integer [`dot_s8`], [`dot_u8`],
//!   [`dot_u8s8`], [`l2_squared_s8`], [`l2_squared_u8`], and [`cosine_s8`] /
//!   [`cosine_u8`].
//! - One query against a row-major database ([`crate::MatRef`], one vector
//!   per row): every score ([`scan_scores`]) or the best `k`
//!   ([`scan_top_k`]), threaded over the [`Context`]'s workers, with the same
//!   result for every thread count.
//! - Many queries: [`scan_many_top_k`].
//! - An INT8 index from f32 embeddings: [`QuantizedS8`], with
//!   [`recall_at_k`] to measure it against the f32 scan.
//! - A read-bandwidth probe, [`sum_u64`], so benches can state a scan's speed
//!   as a fraction of the bandwidth measured in the same run.
//!
//! # Accuracy
//!
//! Integer results are exact. A length whose worst case could leave i32 is
//! refused with [`Error::Overflow`]: `n ≤ 131,071`
//! for s8·s8, `n ≤ 65,793` for u8·s8, `n ≤ 33,025` for u8·u8 and for both
//! squared distances.
//!
//! Float results are accumulated in f32 (bf16/f16 are widened exactly first).
//! For `n` elements the error is at most `(n + 4)·ε·Σ|a_i·b_i|` for dot
//! (`Σ(a_i−b_i)²` for the squared distance), with `ε = 2⁻²³`, plus, on the
//! AVX-512 BF16 path (`vdpbf16ps`, which reads subnormal inputs as zero),
//! `Σ|a_i·b_i|` over the pairs where an input is subnormal. In practice the
//! error is far smaller: the kernels keep 16 to 64 partial sums.
//!
//! ```
//! use lowp::Context;
//! let ctx = Context::builder().threads(1).build()?;
//! assert_eq!(lowp::dot::dot_s8(&ctx, &[1, -2, 3], &[4, 5, -6])?, 4 - 10 - 18);
//! assert_eq!(lowp::dot::l2_squared_f32(&ctx, &[1.0, 2.0], &[4.0, 6.0])?, 25.0);
//! # Ok::<(), lowp::Error>(())
//! ```

mod asym;
mod many;
mod quant;
mod scan;
mod table;
mod topk;

pub use asym::{scan_scores_u8s8, scan_top_k_u8s8};
pub use many::{scan_many_top_k, IndexElem, PackedDatabase, CHUNK_ROWS, QUERY_GROUP};
pub use quant::{recall_at_k, QuantScheme, QuantizedS8};
pub use scan::{scan_scores, scan_top_k, Metric, ScanElem, Score};
pub use table::DotKernels;
pub use topk::Neighbor;

use crate::error::{Error, Result};
use crate::Context;
use half::{bf16, f16};

/// Longest s8·s8 vector whose worst-case sum (`n·128·128`) fits in i32.
pub const MAX_LEN_S8: usize = (i32::MAX as usize) / (128 * 128);
/// Longest u8·s8 vector whose worst-case sum (`n·255·128`) fits in i32.
pub const MAX_LEN_U8S8: usize = (i32::MAX as usize) / (255 * 128);
/// Longest u8·u8 vector, and longest s8 or u8 squared distance
/// (worst case `n·255²`), that fits in i32.
pub const MAX_LEN_U8: usize = (i32::MAX as usize) / (255 * 255);

#[inline]
fn check_pair(n_a: usize, n_b: usize) -> Result<()> {
    if n_a != n_b {
        return Err(pair_len_error(n_a, n_b));
    }
    Ok(())
}

/// The error of [`check_pair`], out of line so the checks inline into the
/// callers as two compares.
#[cold]
#[inline(never)]
fn pair_len_error(n_a: usize, n_b: usize) -> Error {
    Error::shape(format!("a has {n_a} elements but b has {n_b}"))
}

#[inline]
pub(crate) fn check_int_len(arg: &'static str, n: usize, max: usize, what: &str) -> Result<()> {
    if n > max {
        return Err(int_len_error(arg, n, max, what));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn int_len_error(arg: &'static str, n: usize, max: usize, what: &str) -> Error {
    Error::overflow(
        arg,
        format!("{what} over {n} elements could leave i32 (at most {max} are exact)"),
    )
}

fn combine_cos(r: [f32; 3]) -> f32 {
    let (ab, aa, bb) = (r[0] as f64, r[1] as f64, r[2] as f64);
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        (ab / (aa.sqrt() * bb.sqrt())) as f32
    }
}

fn bits_bf16(x: &[bf16]) -> *const u16 {
    // bf16 is `#[repr(transparent)]` over u16.
    x.as_ptr() as *const u16
}

fn bits_f16(x: &[f16]) -> *const u16 {
    // f16 is `#[repr(transparent)]` over u16.
    x.as_ptr() as *const u16
}

macro_rules! float_pair_fns {
    ($(#[$d:meta])* $dot:ident, $(#[$l:meta])* $l2:ident, $(#[$c:meta])* $cos:ident,
     $t:ty, $bits:expr, $kd:ident, $kl:ident, $kc:ident) => {
        $(#[$d])*
        #[inline]
        pub fn $dot(ctx: &Context, a: &[$t], b: &[$t]) -> Result<f32> {
            check_pair(a.len(), b.len())?;
            let k = ctx.kernels().dot.$kd.f;
            // SAFETY: a and b both hold a.len() elements; the table only holds
            // kernels whose features were detected.
            Ok(unsafe { k($bits(a), $bits(b), a.len()) })
        }
        $(#[$l])*
        #[inline]
        pub fn $l2(ctx: &Context, a: &[$t], b: &[$t]) -> Result<f32> {
            check_pair(a.len(), b.len())?;
            let k = ctx.kernels().dot.$kl.f;
            // SAFETY: as for the dot product.
            Ok(unsafe { k($bits(a), $bits(b), a.len()) })
        }
        $(#[$c])*
        #[inline]
        pub fn $cos(ctx: &Context, a: &[$t], b: &[$t]) -> Result<f32> {
            check_pair(a.len(), b.len())?;
            let k = ctx.kernels().dot.$kc.f;
            // SAFETY: as for the dot product.
            Ok(combine_cos(unsafe { k($bits(a), $bits(b), a.len()) }))
        }
    };
}

fn id_f32(x: &[f32]) -> *const f32 {
    x.as_ptr()
}

float_pair_fns!(
    /// `Σ a[i]·b[i]` (f32 accumulation; see the module docs for the bound).
    /// `Err` when the lengths differ.
    dot_f32,
    /// `Σ (a[i] − b[i])²`. `Err` when the lengths differ.
    l2_squared_f32,
    /// Cosine similarity `a·b / (|a|·|b|)`, 0 when either vector is all
    /// zeros. `Err` when the lengths differ.
    cosine_f32,
    f32, id_f32, dot_f32, l2sq_f32, cos_f32
);

float_pair_fns!(
    /// `Σ a[i]·b[i]` over bf16 vectors, accumulated in f32 (`vdpbf16ps` where
    /// AVX-512 BF16 exists: subnormal inputs then count as zero).
    dot_bf16,
    /// `Σ (a[i] − b[i])²` over bf16 vectors, in f32.
    l2_squared_bf16,
    /// Cosine similarity of bf16 vectors (0 when either is all zeros).
    cosine_bf16,
    bf16, bits_bf16, dot_bf16, l2sq_bf16, cos_bf16
);

float_pair_fns!(
    /// `Σ a[i]·b[i]` over f16 vectors, accumulated in f32.
    dot_f16,
    /// `Σ (a[i] − b[i])²` over f16 vectors, in f32.
    l2_squared_f16,
    /// Cosine similarity of f16 vectors (0 when either is all zeros).
    cosine_f16,
    f16, bits_f16, dot_f16, l2sq_f16, cos_f16
);

macro_rules! int_pair_fn {
    ($(#[$d:meta])* $name:ident, $ta:ty, $tb:ty, $k:ident, $max:expr, $what:literal) => {
        $(#[$d])*
        #[inline]
        pub fn $name(ctx: &Context, a: &[$ta], b: &[$tb]) -> Result<i32> {
            check_pair(a.len(), b.len())?;
            check_int_len("a", a.len(), $max, $what)?;
            let k = ctx.kernels().dot.$k.f;
            // SAFETY: a and b both hold a.len() elements; the table only holds
            // kernels whose features were detected.
            Ok(unsafe { k(a.as_ptr(), b.as_ptr(), a.len()) })
        }
    };
}

int_pair_fn!(
    /// Exact `Σ a[i]·b[i]` of s8 vectors. `Err` when the lengths differ or
    /// exceed [`MAX_LEN_S8`].
    dot_s8, i8, i8, dot_s8, MAX_LEN_S8, "an s8·s8 dot product"
);
int_pair_fn!(
    /// Exact `Σ a[i]·b[i]` of u8 vectors. `Err` when the lengths differ or
    /// exceed [`MAX_LEN_U8`].
    dot_u8, u8, u8, dot_u8, MAX_LEN_U8, "a u8·u8 dot product"
);
int_pair_fn!(
    /// Exact `Σ a[i]·b[i]` of a u8 vector with an s8 vector. `Err` when the
    /// lengths differ or exceed [`MAX_LEN_U8S8`].
    dot_u8s8, u8, i8, dot_u8s8, MAX_LEN_U8S8, "a u8·s8 dot product"
);
int_pair_fn!(
    /// Exact `Σ (a[i] − b[i])²` of s8 vectors. `Err` when the lengths differ
    /// or exceed [`MAX_LEN_U8`].
    l2_squared_s8, i8, i8, l2sq_s8, MAX_LEN_U8, "an s8 squared distance"
);
int_pair_fn!(
    /// Exact `Σ (a[i] − b[i])²` of u8 vectors. `Err` when the lengths differ
    /// or exceed [`MAX_LEN_U8`].
    l2_squared_u8, u8, u8, l2sq_u8, MAX_LEN_U8, "a u8 squared distance"
);

fn cos_from_ints(ab: i32, aa: i32, bb: i32) -> f32 {
    if aa == 0 || bb == 0 {
        0.0
    } else {
        (ab as f64 / ((aa as f64).sqrt() * (bb as f64).sqrt())) as f32
    }
}

/// Cosine similarity of s8 vectors from the three exact integer sums
/// (0 when either is all zeros). `Err` as [`dot_s8`].
pub fn cosine_s8(ctx: &Context, a: &[i8], b: &[i8]) -> Result<f32> {
    Ok(cos_from_ints(
        dot_s8(ctx, a, b)?,
        dot_s8(ctx, a, a)?,
        dot_s8(ctx, b, b)?,
    ))
}

/// Cosine similarity of u8 vectors from the three exact integer sums
/// (0 when either is all zeros). `Err` as [`dot_u8`].
pub fn cosine_u8(ctx: &Context, a: &[u8], b: &[u8]) -> Result<f32> {
    Ok(cos_from_ints(
        dot_u8(ctx, a, b)?,
        dot_u8(ctx, a, a)?,
        dot_u8(ctx, b, b)?,
    ))
}

/// Wrapping sum of every element, read once, spread over the context's
/// threads: a read-bandwidth probe (benches compare scans against it).
pub fn sum_u64(ctx: &Context, data: &[u64]) -> u64 {
    let k = ctx.kernels().dot.sum_u64.f;
    let tasks = if data.len() < (1 << 15) {
        1
    } else {
        ctx.num_threads()
    };
    let chunk = data.len().div_ceil(tasks.max(1)).max(1);
    let parts: Vec<std::sync::atomic::AtomicU64> =
        (0..tasks).map(|_| std::sync::atomic::AtomicU64::new(0)).collect();
    ctx.run_parallel(tasks, |i| {
        let lo = (i * chunk).min(data.len());
        let hi = ((i + 1) * chunk).min(data.len());
        let s = &data[lo..hi];
        // SAFETY: `s` holds s.len() u64; the kernel's features were detected.
        let v = unsafe { k(s.as_ptr(), s.len()) };
        parts[i].store(v, std::sync::atomic::Ordering::Relaxed);
    });
    parts.iter().fold(0u64, |a, p| {
        a.wrapping_add(p.load(std::sync::atomic::Ordering::Relaxed))
    })
}
