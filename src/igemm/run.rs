//! The INT8 GEMM's output pipeline on the shared driver: [`igemm_run`]
//! checks a call, then computes `out = pipeline(Σ (a − za)(b − zb))` for
//! any A operand ([`Int8Lhs`]) into any [`Output`].
//!
//! Each tile is finished where it is computed: s32 tiles the kernel writes
//! into C itself, full-width f32/u8/s8 tiles through the kernel's fused
//! epilogue where it has one ([`Direct`]), the rest (edge tiles, strided C,
//! accumulation) in the driver's scratch, finished by the sink's vector
//! stores or the portable loops of [`super::pipeline`].

use super::kernels::{Correction, Direct, FusedOut, IgemmTile, MAX_TILE, MAX_TILE_ROWS};
use super::lhs::{Int8Lhs, LhsPacker, RowZeroPoints, SumsBuf};
use super::pipeline;
use super::{Activation, Dequantize, Int8, Output, PackedI8Weights, Requantize, Saturation, Scale};
use crate::error::{Error, Result};
use crate::gemm::{self, buffers, BOperand, Problem, TileSink};
use crate::quant::fixed_point::{self, FixedPointRequantize, FixedScale};
use crate::{Context, MatMut};
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;
use lowp_kernels::scalar::requant_fixed_screen_prep::{requant_fixed_screen_prep, screen_len, SCREEN_BLOCK};
use std::ops::Deref;

/// Runs the INT8 GEMM of A operand `a` and packed weights `b` into `out`
/// (`a.rows() × b.n()`), after every check a call needs: `b` packed for
/// `ctx`'s level, K agreeing, the output's shape and pipeline parameters,
/// and the K bound.
pub(crate) fn igemm_run<L: Int8Lhs>(
    ctx: &Context,
    a: &L,
    b: &PackedI8Weights,
    out: Output<'_>,
) -> Result<()> {
    check_layout(ctx, b)?;
    if a.depth() != b.k {
        return Err(Error::shape(format!(
            "a has {} columns but b has {} rows (K)",
            a.depth(),
            b.k
        )));
    }
    let (m, n) = (a.rows(), b.n);
    check_out_shape(&out, m, n)?;
    if m == 0 || n == 0 {
        // Nothing to compute, but the same parameters are refused.
        return check_pipeline(&out, n);
    }
    let za = a.zero_points().normalized();
    check_k_bound(a.max_abs_a(), za.max_abs(), b)?;
    let call = Call { ctx, a, za, b };
    match out {
        Output::S32 { c, accumulate } => call.s32(c, accumulate),
        Output::F32 { c, dequantize } => {
            let (lo, hi) = check_dequantize(&dequantize, n)?;
            call.f32(c, &dequantize, lo, hi)
        }
        Output::U8 { c, requantize } => {
            let (lo, hi) = check_requantize::<u8>(&requantize, n)?;
            call.q8(c, &requantize, lo, hi)
        }
        Output::S8 { c, requantize } => {
            let (lo, hi) = check_requantize::<i8>(&requantize, n)?;
            call.q8(c, &requantize, lo, hi)
        }
        Output::U8Fixed { c, requantize } => {
            let (lo, hi) = fixed_point::fixed_bounds::<u8>(&requantize, n)?;
            call.q8_fixed(c, &requantize, lo, hi)
        }
        Output::S8Fixed { c, requantize } => {
            let (lo, hi) = fixed_point::fixed_bounds::<i8>(&requantize, n)?;
            call.q8_fixed(c, &requantize, lo, hi)
        }
    }
    Ok(())
}

/// Rows per A panel (tile) of the indirect kernel, at most `max`: whole
/// output rows of `row_len` pixels, or an equal part of one, so that its
/// sub-tiles (cut at output rows) come out near MR rows, not as slivers.
fn iconv_panel_rows(m: usize, row_len: usize, max: usize) -> usize {
    let max = match row_len {
        0 => max,
        len if len <= max => max / len * len,
        len => len.div_ceil(len.div_ceil(max)),
    };
    crate::gemm::blocking::int8_panel_rows(m, max)
}

/// `Err` unless `b` was packed for `ctx`'s level.
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

/// `Err` unless the output is `m × n`.
fn check_out_shape(out: &Output<'_>, m: usize, n: usize) -> Result<()> {
    let (rows, cols) = match out {
        Output::S32 { c, .. } => (c.rows(), c.cols()),
        Output::F32 { c, .. } => (c.rows(), c.cols()),
        Output::U8 { c, .. } => (c.rows(), c.cols()),
        Output::S8 { c, .. } => (c.rows(), c.cols()),
        Output::U8Fixed { c, .. } => (c.rows(), c.cols()),
        Output::S8Fixed { c, .. } => (c.rows(), c.cols()),
    };
    if (rows, cols) != (m, n) {
        return Err(Error::shape(format!("c is {rows}x{cols} but a·b is {m}x{n}")));
    }
    Ok(())
}

/// The K bound: every term of the result must fit i32, for
/// `|a' − za'| ≤ max_abs_a` and `|za'| ≤ max_abs_za`.
fn check_k_bound(max_abs_a: i64, max_abs_za: i64, b: &PackedI8Weights) -> Result<()> {
    let k = b.k as i64;
    let exact = k * max_abs_a * b.max_abs_b;
    let bound = match b.saturation {
        Saturation::Exact => exact,
        // The saturating model: each pair at most 32768 in size, plus the
        // compensation terms.
        Saturation::Allow => exact.max(
            (k + 1) / 2 * 32768 + k * (b.max_abs_zb * 255 + max_abs_za * 128 + max_abs_za * b.max_abs_zb),
        ),
    };
    if bound > i32::MAX as i64 {
        return Err(Error::overflow(
            "a",
            format!(
                "K = {} with |a − za| up to {} and |b − zb| up to {} can reach {bound}, past i32",
                b.k, max_abs_a, b.max_abs_b
            ),
        ));
    }
    Ok(())
}

/// The checks of an output pipeline with `n` columns (the same whether or
/// not the call has anything to compute).
fn check_pipeline(out: &Output<'_>, n: usize) -> Result<()> {
    match out {
        Output::S32 { .. } => Ok(()),
        Output::F32 { dequantize, .. } => check_dequantize(dequantize, n).map(drop),
        Output::U8 { requantize, .. } => check_requantize::<u8>(requantize, n).map(drop),
        Output::S8 { requantize, .. } => check_requantize::<i8>(requantize, n).map(drop),
        Output::U8Fixed { requantize, .. } => fixed_point::fixed_bounds::<u8>(requantize, n).map(drop),
        Output::S8Fixed { requantize, .. } => fixed_point::fixed_bounds::<i8>(requantize, n).map(drop),
    }
}

/// Checks a dequantizing pipeline; returns the activation's bounds.
pub(crate) fn check_dequantize(p: &Dequantize<'_>, n: usize) -> Result<(f32, f32)> {
    check_scale(&p.scale, n)?;
    if let Some(bias) = p.bias {
        check_bias_len(bias.len(), n)?;
        if let Some(j) = bias.iter().position(|x| !x.is_finite()) {
            return Err(Error::param(
                "bias",
                format!("bias[{j}] = {} is not finite", bias[j]),
            ));
        }
    }
    match p.activation {
        Activation::Identity => Ok((f32::NEG_INFINITY, f32::INFINITY)),
        Activation::Relu => Ok((0.0, f32::INFINITY)),
        Activation::Clamp { min, max } if min <= max => Ok((min, max)),
        Activation::Clamp { min, max } => Err(Error::param(
            "activation",
            format!("clamp bounds min = {min}, max = {max} are not ordered"),
        )),
    }
}

/// Checks a requantizing pipeline into `T`; returns the output's range.
pub(crate) fn check_requantize<T: Int8>(p: &Requantize<'_>, n: usize) -> Result<(i32, i32)> {
    let (lo, hi) = super::requant_bounds::<T>(p)?;
    check_scale(&p.scale, n)?;
    if let Some(bias) = p.bias {
        check_bias_len(bias.len(), n)?;
    }
    Ok((lo, hi))
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

/// A scale per output column, N of them: the caller's, or a per-tensor
/// scale spread over this thread's pooled buffer (no allocation per call).
enum ColScales<'a> {
    Borrowed(&'a [f32]),
    Pooled(buffers::Buf<f32>),
}

impl<'a> ColScales<'a> {
    fn new(scale: &Scale<'a>, n: usize) -> Self {
        match *scale {
            Scale::PerTensor(s) => {
                let mut buf = buffers::take::<f32>(buffers::SLOT_COLS, n);
                buf.fill(s);
                ColScales::Pooled(buf)
            }
            Scale::PerColumn(v) => ColScales::Borrowed(v),
        }
    }
}

impl Deref for ColScales<'_> {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        match self {
            ColScales::Borrowed(v) => v,
            ColScales::Pooled(b) => b,
        }
    }
}

/// Fixed-point multipliers and shifts per output column, N of each: the
/// caller's, or a per-tensor pair spread over this thread's pooled buffer
/// (multipliers, then shifts).
enum ColFixed<'a> {
    Borrowed(&'a [i32], &'a [i32]),
    Pooled(buffers::Buf<i32>, usize),
}

impl<'a> ColFixed<'a> {
    fn new(scale: &FixedScale<'a>, n: usize) -> Self {
        match *scale {
            FixedScale::PerTensor(m, s) => {
                let mut buf = buffers::take::<i32>(buffers::SLOT_COLS_FIXED, 2 * n);
                buf[..n].fill(m);
                buf[n..].fill(s);
                ColFixed::Pooled(buf, n)
            }
            FixedScale::PerColumn(m, s) => ColFixed::Borrowed(m, s),
        }
    }

    /// `(multipliers, shifts)`.
    fn get(&self) -> (&[i32], &[i32]) {
        match self {
            ColFixed::Borrowed(m, s) => (m, s),
            ColFixed::Pooled(b, n) => b.split_at(*n),
        }
    }

    /// The AVX-512 epilogue's screen constants for zero point `zp` and
    /// lowest value `lo`, prepared once per call (pooled), or `None` where
    /// some column shifts right by less than 8.
    fn screen(&self, zp: i32, lo: i32) -> Option<buffers::Buf<u32>> {
        let (m, s) = self.get();
        if m.is_empty() {
            return None;
        }
        let mut buf = buffers::take::<u32>(buffers::SLOT_COLS_FIXED, screen_len(m.len()));
        match self {
            // One pair for every column: one block, copied.
            ColFixed::Pooled(..) => {
                let mut one = [0u32; SCREEN_BLOCK];
                if !requant_fixed_screen_prep(&[m[0]; 16], &[s[0]; 16], zp, lo, &mut one) {
                    return None;
                }
                for blk in buf.chunks_exact_mut(SCREEN_BLOCK) {
                    blk.copy_from_slice(&one);
                }
                Some(buf)
            }
            ColFixed::Borrowed(..) => requant_fixed_screen_prep(m, s, zp, lo, &mut buf).then_some(buf),
        }
    }
}

/// The multipliers of a requantizing output, one per column.
enum Q8Mult<'a> {
    /// f32 scales ([`Requantize`]).
    F32(ColScales<'a>),
    /// Q31 multipliers and shifts ([`FixedPointRequantize`]), and the
    /// screen constants of the AVX-512 epilogue ([`ColFixed::screen`]).
    Fixed(ColFixed<'a>, Option<buffers::Buf<u32>>),
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
/// already zero-point corrected by the microkernel ([`IgemmTile`]). Tiles
/// the driver hands straight to C ([`Direct`]) are finished by the kernel;
/// `finish` runs the pipeline on the scratch tiles and writes C.
struct OutSink<'a, T, F> {
    c: OutPtr<T>,
    direct: &'a Direct<'a>,
    finish: F,
    /// C is written with streaming stores (fenced per task).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    stream: bool,
}

// SAFETY: `Direct::at` gives C's own element (i, j) (unit column stride) of
// a validated view the driver only addresses in range, tiles disjoint; an
// s32 C is written there by the kernel, a fused output's u8/f32 C by its
// epilogue, which `IgemmTile` picks for exactly these pointers.
unsafe impl<T: Copy + Send, F> TileSink<i32> for OutSink<'_, T, F>
where
    F: Fn(Tile<'_>, &OutPtr<T>) + Sync,
{
    fn direct(&self, i: usize, j: usize) -> Option<(*mut i32, usize)> {
        self.direct.at(i, j)
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

/// An 8-bit output type of the requantizing pipeline.
trait Narrow: Int8 + Default {
    /// Narrows requantized values (already within the type's range).
    fn narrow(src: &[i32], dst: &mut [Self]);
}

impl Narrow for u8 {
    fn narrow(src: &[i32], dst: &mut [u8]) {
        pipeline::narrow_u8(src, dst)
    }
}

impl Narrow for i8 {
    fn narrow(src: &[i32], dst: &mut [i8]) {
        pipeline::narrow_i8(src, dst)
    }
}

/// One checked call: its A operand (zero points normalized) and weights.
struct Call<'c, L> {
    ctx: &'c Context,
    a: &'c L,
    za: RowZeroPoints<'c>,
    b: &'c PackedI8Weights,
}

impl<L: Int8Lhs> Call<'_, L> {
    /// Raw s32, written by the kernel where it can.
    fn s32(&self, mut c: MatMut<'_, i32>, accumulate: bool) {
        let (ctx, b) = (self.ctx, self.b);
        let add = accumulate.then_some(i32::wrapping_add as fn(i32, i32) -> i32);
        let stream = ctx
            .kernels()
            .igemm
            .helpers
            .s32_stream
            .filter(|_| !accumulate && worth_streaming(ctx, &mut c, b.packed.packed_bytes()));
        let direct = match (accumulate, c.col_stride() == 1) {
            (false, true) => Direct::S32 {
                c: c.as_mut_ptr(),
                rs: c.row_stride(),
                stream: stream.is_some(),
            },
            _ => Direct::None,
        };
        // Tiles the kernel cannot write in place (partial panels, a strided
        // C, accumulation) are copied (streaming when C is) or added from
        // the scratch.
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
        self.run(None, OutPtr::new(&mut c, add), direct, store, stream.is_some());
    }

    /// Dequantized f32 (`lo`, `hi`: the activation's bounds).
    fn f32(&self, mut c: MatMut<'_, f32>, dequantize: &Dequantize<'_>, lo: f32, hi: f32) {
        let (ctx, b) = (self.ctx, self.b);
        let scale = ColScales::new(&dequantize.scale, b.n);
        let row_scale = self.a.row_scales();
        let helpers = ctx.kernels().igemm.helpers;
        let stream = helpers.f32_stream.is_some() && worth_streaming(ctx, &mut c, b.packed.packed_bytes());
        let store = if stream { helpers.f32_stream } else { helpers.f32 };
        let finish = |tile: Tile<'_>, c: &OutPtr<f32>| {
            let Tile {
                ld, i, j, rows, cols, ..
            } = tile;
            let (row_scale, col_scale) = (row_scale.tile(i, rows), &scale[j..j + cols]);
            let bias = dequantize.bias.map(|bb| &bb[j..j + cols]);
            if let (Some(f), Some(dst)) = (store, tile.vector_dst(c)) {
                let bias = bias.map_or(std::ptr::null(), <[f32]>::as_ptr);
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
            pipeline::dequantize_tile(tile.t, ld, row_scale, col_scale, bias, lo, hi, &mut out[..]);
            c.store(i, j, rows, cols, &out, ld);
        };
        // Full-width tiles dequantized by the kernel itself (where it can,
        // into a unit-column-stride C); the rest go through `finish`.
        let cp = OutPtr::new(&mut c, None);
        let direct = match store.is_some() && cp.cs == 1 {
            true => Direct::Fused(FusedOut::F32 {
                out: cp.ptr,
                rs: cp.rs,
                row_scale,
                scale: &scale,
                bias: dequantize.bias,
                lo,
                hi,
                stream,
            }),
            false => Direct::None,
        };
        self.run(None, cp, direct, finish, stream);
    }

    /// Requantized u8 or s8 into `[lo, hi]`.
    fn q8<T: Narrow>(&self, c: MatMut<'_, T>, p: &Requantize<'_>, lo: i32, hi: i32) {
        let mult = Q8Mult::F32(ColScales::new(&p.scale, self.b.n));
        self.q8_with(c, &mult, p.bias, p.zero_point, (lo, hi))
    }

    /// Requantized u8 or s8 into `[lo, hi]`, fixed point.
    fn q8_fixed<T: Narrow>(&self, c: MatMut<'_, T>, p: &FixedPointRequantize<'_>, lo: i32, hi: i32) {
        let cols = ColFixed::new(&p.scale, self.b.n);
        let screen = cols.screen(p.zero_point, lo);
        let mult = Q8Mult::Fixed(cols, screen);
        self.q8_with(c, &mult, p.bias, p.zero_point, (lo, hi))
    }

    /// Requantized u8 or s8 with column multipliers `mult`, integer `bias`
    /// and zero point `zp`, into `[lo, hi]`.
    fn q8_with<T: Narrow>(
        &self,
        mut c: MatMut<'_, T>,
        mult: &Q8Mult<'_>,
        bias: Option<&[i32]>,
        zp: i32,
        (lo, hi): (i32, i32),
    ) {
        let store = self.ctx.kernels().igemm.helpers.q8;
        let finish = |tile: Tile<'_>, c: &OutPtr<T>| {
            let Tile {
                ld, i, j, rows, cols, ..
            } = tile;
            match mult {
                Q8Mult::F32(scale) => {
                    if let (Some(f), Some(dst)) = (store, tile.vector_dst(c)) {
                        let col_scale = &scale[j..j + cols];
                        // SAFETY: the store belongs to an available level; the tile holds `rows` rows of `cols` at stride
                        // `ld` (checked), the scale `cols` entries (sliced), no bias (null; the sums hold it); `T` is u8
                        // or i8 (one byte), and the driver hands this task the in-range, unit-column-stride block (i, j)
                        // of C alone; `lo ≤ hi` bound the output type.
                        unsafe {
                            f(
                                rows,
                                cols,
                                tile.t.as_ptr(),
                                ld,
                                col_scale.as_ptr(),
                                std::ptr::null(),
                                zp,
                                lo,
                                hi,
                                dst.cast::<u8>(),
                                c.rs,
                            )
                        };
                        return;
                    }
                    pipeline::requantize_tile(tile.t, ld, rows, &scale[j..j + cols], zp, lo, hi);
                }
                Q8Mult::Fixed(f, _) => {
                    let (m, s) = f.get();
                    let (m, s) = (&m[j..j + cols], &s[j..j + cols]);
                    fixed_point::requantize_tile_fixed(tile.t, ld, rows, m, s, zp, lo, hi);
                }
            }
            let mut out = [T::default(); MAX_TILE];
            T::narrow(tile.t, &mut out[..rows * ld]);
            c.store(i, j, rows, cols, &out, ld);
        };
        // Full-width tiles requantized by the kernel itself (where it can,
        // into a unit-column-stride C); the rest go through `finish`.
        let cp = OutPtr::new(&mut c, None);
        let direct = match mult {
            _ if cp.cs != 1 => Direct::None,
            Q8Mult::F32(scale) if store.is_some() => Direct::Fused(FusedOut::Q8 {
                out: cp.ptr.cast::<u8>(),
                rs: cp.rs,
                scale,
                zp,
                lo,
                hi,
                // No scale of magnitude 1 or more (or NaN): see `TileRequant::hi_bytes`.
                small_scales: scale.iter().all(|s| s.abs() < 1.0),
            }),
            // The epilogue's contract: no multiplier i32::MIN (the one
            // product gemmlowp saturates; the portable loop handles it).
            Q8Mult::Fixed(f, screen) if !f.get().0.contains(&i32::MIN) => Direct::Fused(FusedOut::Q8Fixed {
                out: cp.ptr.cast::<u8>(),
                rs: cp.rs,
                mult: f.get().0,
                shift: f.get().1,
                screen: screen.as_deref(),
                zp,
                lo,
                hi,
            }),
            _ => Direct::None,
        };
        // The bias starts the accumulators (`col_add`): the tiles reach both
        // stores with it already added.
        self.run(bias, cp, direct, finish, false);
    }

    /// Runs `C = finish(compensated Σ a'·b' + col_add)` on the shared
    /// driver: `col_add`, an s32 term per column (N of them; an integer
    /// bias) that the kernels start their accumulators from, so no epilogue
    /// adds it; `direct`, what the kernel writes straight into C (a fused
    /// output only where the kernels have its epilogue); `stream`, whether
    /// `finish` writes C with streaming stores.
    fn run<T: Copy + Send, F>(
        &self,
        col_add: Option<&[i32]>,
        c: OutPtr<T>,
        direct: Direct<'_>,
        finish: F,
        stream: bool,
    ) where
        F: Fn(Tile<'_>, &OutPtr<T>) + Sync,
    {
        let (ctx, a, b, za) = (self.ctx, self.a, self.b, self.za);
        let m = a.rows();
        let kernels = ctx.kernels().igemm;
        let indirect = a.indirect();
        let ph = match indirect {
            Some((_, row_len)) => iconv_panel_rows(m, row_len, kernels.a_panel_rows),
            None => crate::gemm::blocking::int8_panel_rows(m, kernels.a_panel_rows),
        };
        let main = kernels.main_for(b.preference, m);
        let direct = match direct {
            Direct::Fused(out) if !out.fits(&main) || kernels.exact.is_some_and(|e| !out.fits(&e)) => {
                Direct::None
            }
            d => d,
        };
        // One zero point for every row (the usual case) becomes a column
        // vector the kernels start their accumulators from, and so does
        // `col_add` (wrapping, as the sums: the same bits as adding it last).
        let za_col = match za {
            RowZeroPoints::Uniform(z) if z != 0 => Some(z),
            _ => None,
        };
        // (In this thread's buffer pool: no allocation per call.)
        let colfix = (za_col.is_some() || col_add.is_some()).then(|| {
            let add = col_add.unwrap_or(&[]);
            let mut fix = buffers::take::<i32>(buffers::SLOT_COLS, b.colsum.len());
            for (j, (d, &s)) in fix.iter_mut().zip(&b.colsum).enumerate() {
                let z = za_col.map_or(0, |z| s.wrapping_mul(z).wrapping_neg());
                *d = z.wrapping_add(add.get(j).copied().unwrap_or(0));
            }
            fix
        });
        let sums = SumsBuf::take(m);
        let has_za = za.max_abs() != 0;
        let corr = (has_za || b.max_abs_zb != 0 || colfix.is_some()).then(|| Correction {
            k: b.k as i32,
            za,
            colfix: colfix.as_deref(),
            rowsum: &sums,
            colsum: &b.colsum,
            zb: (b.max_abs_zb != 0).then_some(&b.zb[..]),
        });
        let exact = kernels
            .exact
            .map(|e| IgemmTile::new(e, ph, corr.as_ref(), &direct));
        let ukr = match &exact {
            Some(e) => IgemmTile::new(main, ph, corr.as_ref(), &direct).with_exact(&b.use_main, e),
            None => IgemmTile::new(main, ph, corr.as_ref(), &direct),
        };
        let iconv = indirect.map(|(rows, row_len)| {
            assert!(
                kernels.exact.is_none() && b.max_abs_zb == 0,
                "an indirect A needs one kernel, no row sums"
            );
            (
                kernels.iconv.expect("an indirect A on a level with the kernel"),
                rows,
                row_len,
            )
        });
        let ukr = ukr.with_iconv(iconv);
        let sink = OutSink {
            c,
            direct: &direct,
            finish,
            stream,
        };
        // The indirect kernel packs nothing: each task runs its rows as
        // strips of whole output rows per weight panel, not A panels
        // through the packing driver (2.5% at 56×56×64; docs/tuning.md).
        if indirect.is_some() {
            super::small_m::run(ctx, &ukr, (m, b.n, b.k), ph, &b.packed, &sink);
            return;
        }
        if super::small_m::try_run(ctx, a, b, &ukr, ph, &sums, &sink) {
            return;
        }
        gemm::gemm(
            ctx,
            &ukr,
            &Problem {
                m,
                n: b.n,
                k: b.k,
                a: &LhsPacker { lhs: a, sums: &sums },
                b: BOperand::Prepacked(&b.packed),
                sink: &sink,
                alpha: 1,
                beta: 0,
                kc_at_least: Some(usize::MAX),
            },
        );
    }
}
