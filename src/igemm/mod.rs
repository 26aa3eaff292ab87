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
//! kernel, whose 256-bit loads stream faster than 512-bit ones (Zen 4,
//! 1×4096×4096 from L3, one thread: about 170 GOP/s, ~85 GB/s of weights).
//!
//! # Large outputs: align C to 64 bytes
//!
//! On AVX-512 levels, a 32-bit C (s32 or f32) whose rows start on 64-byte
//! boundaries (C's first element and its row stride in bytes both multiples
//! of 64, as oneDNN allocates tensors) and which, together with the packed
//! weights, outgrows the L2 caches of the threads writing it, is written
//! with streaming stores: no read of C's lines before they are overwritten.
//! Zen 4, 1024³ s32, one thread: 433–441 GOP/s against 395–402 for the same
//! call on a C 16 bytes past a line (regular stores). Results are the same.
//!
//! # Exact on every ISA
//!
//! Without VNNI, `vpmaddubsw` saturates each pair of products to s16. When
//! the weights are packed, each panel of `nr` columns is checked; panels
//! where no pair can saturate use the chain, the others an exact s16 path
//! ([`PackedI8Weights::panel_paths`]). [`Saturation::Allow`] opts into the
//! chain everywhere; its results then equal
//! [`crate::reference::igemm::igemm_s32`] with `Saturation::Allow`.
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

mod kernels;
mod linear;
mod pack;
mod pipeline;

pub use kernels::{IgemmKernels, IgemmUkernel};
pub use linear::{ActivationQuantization, QuantizedLinear};
pub use pack::{PackOptions, PackedI8Weights, MAX_K};
pub use pipeline::{Activation, Dequantize, Output, Requantize, Scale};

use crate::error::{Error, Result};
use crate::gemm::{self, buffers, BOperand, Problem, TileSink};
use crate::{Context, MatMut, MatRef};
use kernels::{panel_rows, Correction, FusedOut, IgemmTile, MAX_TILE, MAX_TILE_ROWS};
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;
pub(crate) use pack::Activations;

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
    check_layout(ctx, b)?;
    if a.cols() != b.k {
        return Err(Error::shape(format!(
            "a has {} columns but b has {} rows (K)",
            a.cols(),
            b.k
        )));
    }
    check_zero_point::<A>("a_zero_point", a_zero_point)?;
    check_out_shape(&out, a.rows(), b.n)?;
    let mut log = crate::verbose::Call::start(
        ctx,
        if A::SIGNED { "igemm_s8" } else { "igemm_u8" },
        a.rows(),
        b.k,
        b.n,
    );
    log.igemm(ctx, a.rows(), b);
    if a.rows() == 0 || b.n == 0 {
        // Nothing to compute, and no per-row state: M may be huge when K = 0.
        return check_pipeline(&out, b.n);
    }
    let mut pa = Activations::new(a, a_zero_point);
    pa.pack4 = ctx.kernels().igemm.helpers.pack_a4;
    igemm_checked_run(ctx, &pa, b, out)
}

/// `Err` unless the output is `m × n`.
fn check_out_shape(out: &Output<'_>, m: usize, n: usize) -> Result<()> {
    let (rows, cols) = match out {
        Output::S32 { c, .. } => (c.rows(), c.cols()),
        Output::F32 { c, .. } => (c.rows(), c.cols()),
        Output::U8 { c, .. } => (c.rows(), c.cols()),
        Output::S8 { c, .. } => (c.rows(), c.cols()),
    };
    if (rows, cols) != (m, n) {
        return Err(Error::shape(format!("c is {rows}x{cols} but a·b is {m}x{n}")));
    }
    Ok(())
}

/// The pipeline checks of [`igemm_checked_run`], for an empty output
/// (which runs no pipeline but must refuse the same parameters).
fn check_pipeline(out: &Output<'_>, n: usize) -> Result<()> {
    match out {
        Output::S32 { .. } => Ok(()),
        Output::F32 { dequantize, .. } => {
            check_scale(&dequantize.scale, n)?;
            if let Some(bias) = dequantize.bias {
                check_bias_len(bias.len(), n)?;
                if let Some(j) = bias.iter().position(|x| !x.is_finite()) {
                    return Err(Error::param(
                        "bias",
                        format!("bias[{j}] = {} is not finite", bias[j]),
                    ));
                }
            }
            match dequantize.activation {
                Activation::Identity | Activation::Relu => Ok(()),
                Activation::Clamp { min, max } if min <= max => Ok(()),
                Activation::Clamp { min, max } => Err(Error::param(
                    "activation",
                    format!("clamp bounds min = {min}, max = {max} are not ordered"),
                )),
            }
        }
        Output::U8 { requantize, .. } | Output::S8 { requantize, .. } => {
            if matches!(out, Output::U8 { .. }) {
                requant_bounds::<u8>(requantize)?;
            } else {
                requant_bounds::<i8>(requantize)?;
            }
            check_scale(&requantize.scale, n)?;
            match requantize.bias {
                Some(bias) => check_bias_len(bias.len(), n),
                None => Ok(()),
            }
        }
    }
}

fn check_layout(ctx: &Context, b: &PackedI8Weights) -> Result<()> {
    if b.isa != ctx.isa() {
        return Err(Error::LayoutMismatch {
            arg: "b",
            msg: format!(
                "b was packed for {} ({}-column panels) but the context runs {}; repack it with this context",
                b.isa,
                b.nr,
                ctx.isa()
            ),
        });
    }
    Ok(())
}

/// The K bound: every term of the result must fit i32.
fn check_k_bound<A: Int8>(pa: &Activations<'_, A>, b: &PackedI8Weights) -> Result<()> {
    let k = b.k as i64;
    let exact = k * pa.max_abs_a * b.max_abs_b;
    let bound = match b.saturation {
        Saturation::Exact => exact,
        // The saturating model: each pair at most 32768 in size, plus the
        // compensation terms.
        Saturation::Allow => exact.max(
            (k + 1) / 2 * 32768
                + k * (b.max_abs_zb * 255 + pa.max_abs_za * 128 + pa.max_abs_za * b.max_abs_zb),
        ),
    };
    if bound > i32::MAX as i64 {
        return Err(Error::overflow(
            "a",
            format!(
                "K = {} with |a − za| up to {} and |b − zb| up to {} can reach {bound}, past i32",
                b.k, pa.max_abs_a, b.max_abs_b
            ),
        ));
    }
    Ok(())
}

fn check_scale(scale: &Scale<'_>, n: usize) -> Result<()> {
    let ok = |s: f32| s.is_finite() && s > 0.0;
    match scale {
        Scale::PerTensor(s) if !ok(*s) => {
            Err(Error::param("scale", format!("scale {s} is not finite and > 0")))
        }
        Scale::PerColumn(v) if v.len() != n => Err(Error::shape(format!(
            "scale has {} entries but the output has {n} columns",
            v.len()
        ))),
        Scale::PerColumn(v) => match v.iter().position(|&s| !ok(s)) {
            Some(j) => Err(Error::param(
                "scale",
                format!("scale[{j}] = {} is not finite and > 0", v[j]),
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn check_bias_len(len: usize, n: usize) -> Result<()> {
    if len != n {
        return Err(Error::shape(format!(
            "bias has {len} entries but the output has {n} columns"
        )));
    }
    Ok(())
}

fn expand_scale(scale: &Scale<'_>, n: usize) -> Vec<f32> {
    match scale {
        Scale::PerTensor(s) => vec![*s; n],
        Scale::PerColumn(v) => v.to_vec(),
    }
}

fn requant_bounds<T: Int8>(p: &Requantize<'_>) -> Result<(i32, i32)> {
    check_zero_point::<T>("requantize.zero_point", p.zero_point)?;
    let (lo, hi) = crate::reference::igemm::bounds(p, T::MIN, T::MAX);
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

/// Where one call writes C: its pointer and strides, shared by the tasks
/// (each writes only its own tiles), and whether stores add (s32
/// accumulate) or overwrite. Writes go through the tile-store kernel.
struct OutPtr<T> {
    ptr: *mut T,
    rs: usize,
    cs: usize,
    add: Option<fn(T, T) -> T>,
}
// SAFETY: tasks write disjoint tiles of one validated view (see `store`).
unsafe impl<T: Send> Send for OutPtr<T> {}
// SAFETY: as above: no two tasks touch the same element.
unsafe impl<T: Send> Sync for OutPtr<T> {}

impl<T: Copy> OutPtr<T> {
    fn new(c: &mut MatMut<'_, T>, add: Option<fn(T, T) -> T>) -> OutPtr<T> {
        OutPtr {
            ptr: c.as_mut_ptr(),
            rs: c.row_stride(),
            cs: if c.cols() <= 1 { 1 } else { c.col_stride() },
            add,
        }
    }

    /// Writes (or adds) the `rows × cols` block at `(i, j)` from `src`
    /// (row stride `ld`).
    #[allow(clippy::too_many_arguments)]
    fn store(&self, i: usize, j: usize, rows: usize, cols: usize, src: &[T], ld: usize) {
        // SAFETY: the driver hands out only tiles inside the validated,
        // non-self-overlapping view C (M × N), each to exactly one task, so
        // the block is valid, ours alone, and cannot overlap `src` (a local).
        unsafe {
            igemm_tile_store_scalar(
                rows,
                cols,
                src,
                ld,
                self.ptr.wrapping_add(i * self.rs + j * self.cs),
                self.rs,
                self.cs,
                self.add,
            )
        }
    }
}

/// The INT8 output pipelines as the driver's sink: every tile holds the
/// whole K sum (`kc_at_least: Some(usize::MAX)`, B packed over all of K),
/// already zero-point corrected by the microkernel ([`IgemmTile`]);
/// `finish` runs the pipeline and writes C. Raw s32 output is written by
/// the kernel itself (`direct`).
struct OutSink<T, F> {
    c: OutPtr<T>,
    /// C as an s32 tile target, when the kernel may write it directly.
    direct: Option<OutPtr<i32>>,
    finish: F,
    /// `finish` writes C with streaming stores (fenced per task).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    stream: bool,
    /// Full-width tiles are finished by the kernel's fused epilogue:
    /// `direct` hands out the fused-output marker.
    fused: bool,
}

// SAFETY: `direct` points at C's element (i, j) (unit column stride) of an
// s32 view the driver only addresses in range; tiles are disjoint.
unsafe impl<T: Copy + Send, F> TileSink<i32> for OutSink<T, F>
where
    F: Fn(Tile<'_>, &OutPtr<T>) + Sync,
{
    fn direct(&self, i: usize, j: usize) -> Option<(*mut i32, usize)> {
        if self.fused {
            return Some((FusedOut::marker(), MAX_TILE / MAX_TILE_ROWS));
        }
        self.direct
            .as_ref()
            .map(|c| (c.ptr.wrapping_add(i * c.rs + j), c.rs))
    }

    fn store(
        &self,
        tile: &mut [i32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        first: bool,
        last: bool,
    ) {
        debug_assert!(first && last && rows <= MAX_TILE_ROWS && rows * ld <= MAX_TILE);
        let tile = Tile {
            t: &mut tile[..rows * ld],
            ld,
            i,
            j,
            rows,
            cols,
        };
        (self.finish)(tile, &self.c);
    }

    fn task_done(&self) {
        #[cfg(target_arch = "x86_64")]
        if self.stream {
            lowp_kernels::x86_64::stream::store_fence();
        }
    }
}

/// One finished tile handed to an output pipeline: `rows × cols` s32 sums
/// (row stride `ld`) for C's block at `(i, j)`.
struct Tile<'t> {
    t: &'t mut [i32],
    ld: usize,
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
}

impl Tile<'_> {
    /// Where a vector tile store writes C's block, when C's columns are
    /// unit-stride (the vector stores' contract); checks that the tile holds
    /// `rows` rows of `cols`.
    fn vector_dst<T>(&self, c: &OutPtr<T>) -> Option<*mut T> {
        if c.cs != 1 {
            return None;
        }
        assert!(self.t.len() >= self.rows.saturating_sub(1) * self.ld + self.cols);
        Some(c.ptr.wrapping_add(self.i * c.rs + self.j))
    }
}

/// Runs `C = finish(compensated Σ a'·b' + col_add)` on the shared driver:
/// `col_add`, an s32 term per column (N of them; an integer bias) that the
/// kernels start their accumulators from, so no epilogue adds it; `direct`,
/// where the kernel may write s32 C itself; `stream`, whether C is written
/// with streaming stores; `fused_out`, a C the kernel may finish in its
/// epilogue (full-width tiles).
#[allow(clippy::too_many_arguments)]
fn run<A: Int8, T: Copy + Send, F>(
    ctx: &Context,
    a: &Activations<'_, A>,
    b: &PackedI8Weights,
    col_add: Option<&[i32]>,
    c: OutPtr<T>,
    direct: Option<OutPtr<i32>>,
    finish: F,
    stream: bool,
    fused_out: Option<&FusedOut<'_>>,
) where
    F: Fn(Tile<'_>, &OutPtr<T>) + Sync,
{
    let m = a.rows();
    if m == 0 || b.n == 0 {
        return;
    }
    let kernels = ctx.kernels().igemm;
    let ph = panel_rows(m, kernels.a_panel_rows);
    // A single row streams the weights through 2 vpdpbusd per 128 bytes:
    // the ymm kernel's 256-bit loads stream them faster than 512-bit ones
    // (Zen 4, 1×4096×4096 from L3: +3–8% by output; a 2-row call is faster
    // with zmm).
    let main = match (b.preference, kernels.alt) {
        (KernelPreference::Ymm, Some(alt)) => alt,
        (KernelPreference::Auto, Some(alt)) if m == 1 => alt,
        _ => kernels.main,
    };
    // One zero point for every row (the usual case) becomes a column
    // vector the kernels start their accumulators from, and so does
    // `col_add` (wrapping, as the sums: the same bits as adding it last).
    let za_uniform = a.za.iter().all(|&z| z == a.za[0]);
    let za_col = a.max_abs_za != 0 && za_uniform;
    // (In this thread's buffer pool: no allocation per call.)
    let colfix = (za_col || col_add.is_some()).then(|| {
        let add = col_add.unwrap_or(&[]);
        let mut fix = buffers::take::<i32>(buffers::SLOT_COLS, b.colsum.len());
        for (j, (d, &s)) in fix.iter_mut().zip(&b.colsum).enumerate() {
            let z = if za_col {
                s.wrapping_mul(a.za[0]).wrapping_neg()
            } else {
                0
            };
            *d = z.wrapping_add(add.get(j).copied().unwrap_or(0));
        }
        fix
    });
    let corr = (a.max_abs_za != 0 || b.max_abs_zb != 0 || colfix.is_some()).then(|| Correction {
        k: b.k as i32,
        za: &a.za,
        za_rows: a.max_abs_za != 0 && !za_uniform,
        colfix: colfix.as_deref(),
        rowsum: &a.rowsum,
        colsum: &b.colsum,
        zb: (b.max_abs_zb != 0).then_some(&b.zb[..]),
    });
    let exact = kernels.exact.map(|e| IgemmTile::new(e, ph, corr.as_ref()));
    let mut ukr = match &exact {
        Some(e) => IgemmTile::new(main, ph, corr.as_ref()).with_exact(&b.use_main, e),
        None => IgemmTile::new(main, ph, corr.as_ref()),
    };
    // Streaming: whole tiles go from the kernel straight into C.
    if let (true, Some(d)) = (stream, &direct) {
        let start = d.ptr as usize;
        ukr = ukr.streaming_into(start, start + ((m - 1) * d.rs + b.n) * std::mem::size_of::<i32>());
    }
    // An output the kernel can finish in its epilogue.
    let fused_ukr = fused_out.and_then(|o| ukr.fusing_into(o));
    let fused = fused_ukr.is_some();
    let ukr = fused_ukr.unwrap_or(ukr);
    let sink = OutSink {
        c,
        direct,
        finish,
        stream,
        fused,
    };
    gemm::gemm(
        ctx,
        &ukr,
        &Problem {
            m,
            n: b.n,
            k: b.k,
            a,
            b: BOperand::Prepacked(&b.packed),
            sink: &sink,
            alpha: 1,
            beta: 0,
            kc_at_least: Some(usize::MAX),
        },
    );
}

/// Runs the GEMM on activations `pa` with any output.
pub(crate) fn igemm_checked_run<A: Int8>(
    ctx: &Context,
    pa: &Activations<'_, A>,
    b: &PackedI8Weights,
    out: Output<'_>,
) -> Result<()> {
    check_layout(ctx, b)?;
    let (m, n) = (pa.rows(), b.n);
    check_out_shape(&out, m, n)?;
    check_k_bound(pa, b)?;
    if m == 0 || n == 0 {
        return check_pipeline(&out, n);
    }
    match out {
        Output::S32 { mut c, accumulate } => {
            let add = accumulate.then_some(i32::wrapping_add as fn(i32, i32) -> i32);
            let stream = ctx
                .kernels()
                .igemm
                .helpers
                .s32_stream
                .filter(|_| !accumulate && worth_streaming(ctx, &mut c, b.packed.packed_bytes()));
            let direct = (!accumulate && c.col_stride() == 1).then(|| OutPtr::new(&mut c, None));
            // Tiles the kernel cannot write in place (partial panels, a
            // strided C, accumulation) are copied (streaming when C is) or
            // added from the scratch.
            let store = |tile: Tile<'_>, c: &OutPtr<i32>| {
                if let (Some(f), Some(dst)) = (stream, tile.vector_dst(c)) {
                    // SAFETY: the store belongs to an available level; the tile holds `rows` rows of `cols` at
                    // stride `ld` (checked), and the driver hands this task the in-range, unit-column-stride
                    // block (i, j) of C alone; the sink fences the streaming stores when the task ends.
                    unsafe { f(tile.rows, tile.cols, tile.t.as_ptr(), tile.ld, dst, c.rs) };
                    return;
                }
                c.store(tile.i, tile.j, tile.rows, tile.cols, tile.t, tile.ld)
            };
            run(
                ctx,
                pa,
                b,
                None,
                OutPtr::new(&mut c, add),
                direct,
                store,
                stream.is_some(),
                None,
            );
        }
        Output::F32 { mut c, dequantize } => {
            check_scale(&dequantize.scale, n)?;
            if let Some(bias) = dequantize.bias {
                check_bias_len(bias.len(), n)?;
                if let Some(j) = bias.iter().position(|x| !x.is_finite()) {
                    return Err(Error::param(
                        "bias",
                        format!("bias[{j}] = {} is not finite", bias[j]),
                    ));
                }
            }
            let (lo, hi) = match dequantize.activation {
                Activation::Identity => (f32::NEG_INFINITY, f32::INFINITY),
                Activation::Relu => (0.0, f32::INFINITY),
                Activation::Clamp { min, max } if min <= max => (min, max),
                Activation::Clamp { min, max } => {
                    return Err(Error::param(
                        "activation",
                        format!("clamp bounds min = {min}, max = {max} are not ordered"),
                    ))
                }
            };
            let scale = expand_scale(&dequantize.scale, n);
            let helpers = ctx.kernels().igemm.helpers;
            let stream =
                helpers.f32_stream.is_some() && worth_streaming(ctx, &mut c, b.packed.packed_bytes());
            let store = if stream { helpers.f32_stream } else { helpers.f32 };
            let finish = |tile: Tile<'_>, c: &OutPtr<f32>| {
                let Tile {
                    ld, i, j, rows, cols, ..
                } = tile;
                if let (Some(f), Some(dst)) = (store, tile.vector_dst(c)) {
                    let bias = dequantize
                        .bias
                        .map_or(std::ptr::null(), |bb| bb[j..j + cols].as_ptr());
                    let (row_scale, col_scale) = (&pa.row_scale[i..i + rows], &scale[j..j + cols]);
                    // SAFETY: the store belongs to an available level; the tile holds `rows` rows of `cols` at stride
                    // `ld` (checked), the scales and bias `rows` / `cols` entries (sliced), and the driver hands this
                    // task the in-range, unit-column-stride block (i, j) of C alone.
                    unsafe {
                        f(
                            rows,
                            cols,
                            tile.t.as_ptr(),
                            ld,
                            row_scale.as_ptr(),
                            col_scale.as_ptr(),
                            bias,
                            lo,
                            hi,
                            dst,
                            c.rs,
                        )
                    };
                    return;
                }
                let mut out = [0f32; MAX_TILE];
                pipeline::dequantize_tile(
                    tile.t,
                    ld,
                    &pa.row_scale[i..i + rows],
                    &scale[j..j + cols],
                    dequantize.bias.map(|bb| &bb[j..j + cols]),
                    lo,
                    hi,
                    &mut out[..],
                );
                c.store(i, j, rows, cols, &out, ld);
            };
            // Full-width tiles dequantized by the kernel itself (where it can,
            // into a unit-column-stride C); the rest go through `finish`.
            let cp = OutPtr::new(&mut c, None);
            let fused = (store.is_some() && cp.cs == 1).then(|| FusedOut::F32 {
                out: cp.ptr,
                rs: cp.rs,
                row_scale: &pa.row_scale,
                scale: &scale,
                bias: dequantize.bias,
                lo,
                hi,
                stream,
            });
            run(ctx, pa, b, None, cp, None, finish, stream, fused.as_ref());
        }
        Output::U8 { mut c, requantize } => {
            let (lo, hi) = requant_bounds::<u8>(&requantize)?;
            requant_out(
                ctx,
                pa,
                b,
                &requantize,
                lo,
                hi,
                OutPtr::new(&mut c, None),
                pipeline::narrow_u8,
            )?;
        }
        Output::S8 { mut c, requantize } => {
            let (lo, hi) = requant_bounds::<i8>(&requantize)?;
            requant_out(
                ctx,
                pa,
                b,
                &requantize,
                lo,
                hi,
                OutPtr::new(&mut c, None),
                pipeline::narrow_i8,
            )?;
        }
    }
    Ok(())
}

/// Whether C (32-bit elements) is worth writing with streaming stores: its
/// columns are unit-stride, every row starts on a 64-byte boundary (tiles
/// then cover whole cache lines: the tile widths are multiples of 16
/// elements), and C with the packed weights (`b_bytes`, read once per call)
/// outgrows the L2 caches of the threads that write it, so C's lines would
/// be gone from L2 by the time they are written (each is written once).
/// Rows that are not line aligned store normally: streamed in 16-byte
/// pieces they measured slower than regular stores.
fn worth_streaming<T>(ctx: &Context, c: &mut MatMut<'_, T>, b_bytes: usize) -> bool {
    let elt = std::mem::size_of::<T>();
    let row_bytes = c.row_stride() * elt;
    let ptr = c.as_mut_ptr() as usize;
    c.col_stride() == 1
        && elt == 4
        && ptr.is_multiple_of(64)
        && (row_bytes.is_multiple_of(64) || c.rows() == 1)
        && c.rows() * c.cols() * elt + b_bytes >= ctx.cache_sizes().l2 * ctx.num_threads()
}

#[allow(clippy::too_many_arguments)]
fn requant_out<A: Int8, T: Copy + Default + Send>(
    ctx: &Context,
    pa: &Activations<'_, A>,
    b: &PackedI8Weights,
    p: &Requantize<'_>,
    lo: i32,
    hi: i32,
    c: OutPtr<T>,
    conv: impl Fn(&[i32], &mut [T]) + Sync,
) -> Result<()> {
    let n = b.n;
    check_scale(&p.scale, n)?;
    if let Some(bias) = p.bias {
        check_bias_len(bias.len(), n)?;
    }
    let scale = expand_scale(&p.scale, n);
    let store = ctx.kernels().igemm.helpers.q8;
    let finish = |tile: Tile<'_>, c: &OutPtr<T>| {
        let Tile {
            ld, i, j, rows, cols, ..
        } = tile;
        let one_byte = std::mem::size_of::<T>() == 1;
        if let (Some(f), Some(dst), true) = (store, tile.vector_dst(c), one_byte) {
            let col_scale = &scale[j..j + cols];
            // SAFETY: the store belongs to an available level; the tile holds `rows` rows of `cols` at stride `ld`
            // (checked), the scale `cols` entries (sliced), no bias (null; the sums hold it); `T` is u8 or i8 (one
            // byte), and the driver hands this task the in-range, unit-column-stride block (i, j) of C alone;
            // `lo ≤ hi` bound the output type.
            unsafe {
                f(
                    rows,
                    cols,
                    tile.t.as_ptr(),
                    ld,
                    col_scale.as_ptr(),
                    std::ptr::null(),
                    p.zero_point,
                    lo,
                    hi,
                    dst as *mut u8,
                    c.rs,
                )
            };
            return;
        }
        let t = tile.t;
        pipeline::requantize_tile(t, ld, rows, &scale[j..j + cols], p.zero_point, lo, hi);
        let mut out = [T::default(); MAX_TILE];
        conv(t, &mut out[..rows * ld]);
        c.store(i, j, rows, cols, &out, ld);
    };
    // Full-width tiles requantized by the kernel itself (where it can, into
    // a unit-column-stride C); the rest go through `finish`.
    let one_byte = std::mem::size_of::<T>() == 1;
    let fused = (store.is_some() && one_byte && c.cs == 1).then(|| FusedOut::Q8 {
        out: c.ptr.cast::<u8>(),
        rs: c.rs,
        scale: &scale,
        zp: p.zero_point,
        lo,
        hi,
        // No scale of magnitude 1 or more (or NaN): see `TileRequant::hi_bytes`.
        small_scales: scale.iter().all(|s| s.abs() < 1.0),
    });
    // The bias starts the accumulators (`col_add`): the tiles reach both
    // stores with it already added.
    run(ctx, pa, b, p.bias, c, None, finish, false, fused.as_ref());
    Ok(())
}
