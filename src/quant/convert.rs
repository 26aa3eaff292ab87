//! Conversions between f32, s32 and u8/s8: quantize, dequantize, requantize,
//! over slices and matrix views, per tensor or per channel.
//!
//! Semantics (every ISA level gives the same bits; see `tests/quant.rs`):
//!
//! * quantize: `q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`,
//!   a true f32 division; NaN → the zero point; ±Inf saturate to
//!   `qmax`/`qmin`.
//! * dequantize: `x = ((q − zero_point) as f32)·scale` (one rounding).
//! * requantize: exactly the INT8 GEMM's requantizing output
//!   ([`crate::igemm::Requantize`]): `q = clamp(round_half_even(((v + bias_j)
//!   as f32)·scale_j) + zero_point, lo, hi)`, bias added with a wrapping
//!   i32 add, `lo`/`hi` from the type, `relu` and `clamp`.

use super::exec::Walk;
use super::params::{Granularity, QuantParams, QuantType};
use crate::error::{Error, Result};
use crate::igemm::{Requantize, Scale};
use crate::{Context, MatMut, MatRef};
use lowp_kernels::q8::Q8Args;
use lowp_kernels::scalar::{quantize_f32_q8::quantize_one, requantize_s32_q8::requantize_one};
use multiversion::multiversion;

fn check_dtype<Q: QuantType>(p: &QuantParams) -> Result<()> {
    if p.dtype() != Q::DTYPE {
        return Err(Error::param(
            "params",
            format!(
                "params are for {:?} but the quantized data is {:?}",
                p.dtype(),
                Q::DTYPE
            ),
        ));
    }
    Ok(())
}

fn check_len(arg: &'static str, len: usize, n: usize) -> Result<()> {
    if len != n {
        return Err(Error::shape(format!("{arg} has {len} elements but src has {n}")));
    }
    Ok(())
}

fn check_shape(rows: usize, cols: usize, dr: usize, dc: usize) -> Result<()> {
    if (rows, cols) != (dr, dc) {
        return Err(Error::shape(format!("dst is {dr}x{dc} but src is {rows}x{cols}")));
    }
    Ok(())
}

/// Per-channel parameters must have one entry per row (column).
fn check_channels(p: &QuantParams, rows: usize, cols: usize) -> Result<()> {
    let want = match p.granularity() {
        Granularity::PerTensor => 1,
        Granularity::PerRow => rows,
        Granularity::PerColumn => cols,
    };
    if p.channels() != want {
        return Err(Error::shape(format!(
            "params have {} channels but the {:?} quantization of a {rows}x{cols} matrix needs {want}",
            p.channels(),
            p.granularity()
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// The kernel arguments for run `r` of a walk, from column `c0`; a single
/// zero point serves every channel.
fn args(
    scales: &[f32],
    zps: &[i32],
    g: Granularity,
    r: usize,
    c0: usize,
    lo: i32,
    hi: i32,
    stream: bool,
) -> Q8Args {
    let (idx, per) = match g {
        Granularity::PerTensor => (0, false),
        Granularity::PerRow => (r, false),
        Granularity::PerColumn => (c0, true),
    };
    let one_zp = zps.len() == 1;
    Q8Args {
        scale: scales[idx..].as_ptr(),
        scale_per_element: per,
        zp: zps[if one_zp { 0 } else { idx }..].as_ptr(),
        zp_per_element: per && !one_zp,
        lo,
        hi,
        stream,
    }
}

/// Channel index of element `(i, j)`.
fn channel(g: Granularity, i: usize, j: usize) -> usize {
    match g {
        Granularity::PerTensor => 0,
        Granularity::PerRow => i,
        Granularity::PerColumn => j,
    }
}

/// Checks a per-tensor/per-channel conversion's arguments and plans its walk
/// (`None`: the element-wise path).
fn prepare<Q: QuantType, S, D>(
    p: &QuantParams,
    src: &MatRef<'_, S>,
    dst: &MatMut<'_, D>,
) -> Result<Option<Walk>> {
    let (rows, cols) = (src.rows(), src.cols());
    check_dtype::<Q>(p)?;
    check_shape(rows, cols, dst.rows(), dst.cols())?;
    check_channels(p, rows, cols)?;
    Ok(Walk::plan(
        (rows, cols),
        (src.row_stride(), src.col_stride()),
        (dst.row_stride(), dst.col_stride()),
        p.granularity(),
    ))
}

/// A slice conversion as the one-row matrix conversion `f` (`Err` unless
/// the lengths agree and `p` is per tensor; `mat` names the matrix twin).
fn as_rows<S, D>(
    src: &[S],
    dst: &mut [D],
    p: &QuantParams,
    mat: &str,
    f: impl FnOnce(MatRef<'_, S>, MatMut<'_, D>) -> Result<()>,
) -> Result<()> {
    check_len("dst", dst.len(), src.len())?;
    if p.granularity() != Granularity::PerTensor {
        return Err(Error::param(
            "params",
            format!("a slice takes per-tensor params; use {mat}"),
        ));
    }
    let n = src.len();
    f(MatRef::row_major(src, 1, n)?, MatMut::row_major(dst, 1, n)?)
}

/// Quantizes `src` into `dst` with per-tensor `p` (see the module docs).
///
/// ```
/// use lowp::quant::{quantize, QuantDtype, QuantParams};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let p = QuantParams::per_tensor(QuantDtype::U8, 0.5, 10)?;
/// let mut q = [0u8; 5];
/// quantize(&ctx, &[0.25, 0.75, -1.0, 1e9, f32::NAN], &mut q, &p)?;
/// assert_eq!(q, [10, 12, 8, 255, 10]); // 0.5 → 0 and 1.5 → 2 (ties to even)
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn quantize<Q: QuantType>(ctx: &Context, src: &[f32], dst: &mut [Q], p: &QuantParams) -> Result<()> {
    as_rows(src, dst, p, "quantize_mat", |src, dst| {
        quantize_mat(ctx, src, dst, p)
    })
}

/// Quantizes a matrix view, per tensor or per row/column channel.
pub fn quantize_mat<Q: QuantType>(
    ctx: &Context,
    src: MatRef<'_, f32>,
    mut dst: MatMut<'_, Q>,
    p: &QuantParams,
) -> Result<()> {
    let (rows, cols) = (src.rows(), src.cols());
    let plan = prepare::<Q, _, _>(p, &src, &dst)?;
    let (lo, hi) = p.range();
    let Some(w) = plan else {
        each_element(p, rows, cols, |i, j, c| {
            let q = quantize_one(*src.at(i, j), p.scale(c), p.zero_point(c), lo, hi);
            *dst.at_mut(i, j) = Q::from_i32(q);
        });
        return Ok(());
    };
    let k = ctx.kernels().quant.quantize.f;
    let (s, d) = (src.as_slice().as_ptr(), dst.as_mut_ptr().cast::<u8>());
    // SAFETY: kernel of an available ISA; `run_chunks` hands it chunks of
    // the validated views and the chunk's params; `Q` is one byte.
    run_chunks(ctx, &w, p, (s, d), (lo, hi), |s, d, len, a| unsafe {
        k(s, d, len, a)
    });
    Ok(())
}

/// The element-wise path of a per-tensor / per-channel conversion (views
/// neither orientation walks contiguously): `f(i, j, channel)` per element.
fn each_element(p: &QuantParams, rows: usize, cols: usize, mut f: impl FnMut(usize, usize, usize)) {
    for i in 0..rows {
        for j in 0..cols {
            f(i, j, channel(p.granularity(), i, j));
        }
    }
}

/// Runs `k(src chunk, dst chunk, len, args)` over walk `w` of the views at
/// `src` and `dst` (element types `S` and `D`), on the Context's threads,
/// each chunk with its own kernel arguments from `p` (bounds `lo`, `hi`).
///
/// `k` receives pointers to `len` contiguous elements of one run of the
/// views `w` was planned for (tasks get disjoint chunks), and per-element
/// params that hold `len` entries from the chunk's column.
fn run_chunks<S, D, K>(
    ctx: &Context,
    w: &Walk,
    p: &QuantParams,
    (src, dst): (*const S, *mut D),
    (lo, hi): (i32, i32),
    k: K,
) where
    K: Fn(*const S, *mut D, usize, &Q8Args) + Sync + Send,
{
    let (s_addr, d_addr) = (src as usize, dst as usize);
    let elem_bytes = std::mem::size_of::<S>() + std::mem::size_of::<D>();
    w.run(ctx, elem_bytes, |r, c0, len, stream| {
        let a = args(p.scales(), p.zero_points(), w.granularity, r, c0, lo, hi, stream);
        let s = (s_addr as *const S).wrapping_add(r * w.src_rs + c0);
        let d = (d_addr as *mut D).wrapping_add(r * w.dst_rs + c0);
        k(s, d, len, &a);
    });
}

/// Dequantizes `src` into `dst` with per-tensor `p`.
///
/// ```
/// use lowp::quant::{dequantize, QuantDtype, QuantParams};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let p = QuantParams::per_tensor(QuantDtype::S8, 0.5, -2)?;
/// let mut x = [0f32; 3];
/// dequantize(&ctx, &[-2i8, 0, -128], &mut x, &p)?;
/// assert_eq!(x, [0.0, 1.0, -63.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn dequantize<Q: QuantType>(ctx: &Context, src: &[Q], dst: &mut [f32], p: &QuantParams) -> Result<()> {
    as_rows(src, dst, p, "dequantize_mat", |src, dst| {
        dequantize_mat(ctx, src, dst, p)
    })
}

/// Dequantizes a matrix view, per tensor or per row/column channel.
pub fn dequantize_mat<Q: QuantType>(
    ctx: &Context,
    src: MatRef<'_, Q>,
    mut dst: MatMut<'_, f32>,
    p: &QuantParams,
) -> Result<()> {
    let (rows, cols) = (src.rows(), src.cols());
    let plan = prepare::<Q, _, _>(p, &src, &dst)?;
    let Some(w) = plan else {
        each_element(p, rows, cols, |i, j, c| {
            *dst.at_mut(i, j) = (src.at(i, j).to_i32() - p.zero_point(c)) as f32 * p.scale(c);
        });
        return Ok(());
    };
    let k = ctx.kernels().quant.dequantize.f;
    let (s, d) = (src.as_slice().as_ptr().cast::<u8>(), dst.as_mut_ptr());
    // SAFETY: as in `quantize_mat` (roles of f32 and bytes swapped).
    run_chunks(ctx, &w, p, (s, d), (0, 0), |s, d, len, a| unsafe {
        k(s, Q::SIGNED, d, len, a)
    });
    Ok(())
}

/// Dequantizes s32 (e.g. GEMM accumulators): `x = (v as f32)·scale`.
pub fn dequantize_s32(src: &[i32], dst: &mut [f32], scale: f32) -> Result<()> {
    check_len("dst", dst.len(), src.len())?;
    if !scale.is_finite() {
        return Err(Error::param("scale", format!("must be finite, got {scale}")));
    }
    dequantize_s32_loop(src, dst, scale);
    Ok(())
}

#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn dequantize_s32_loop(src: &[i32], dst: &mut [f32], scale: f32) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v as f32 * scale;
    }
}

/// `[lo, hi]` of a requantize pipeline for output type `Q`, validated.
pub(crate) fn requant_bounds<Q: QuantType>(p: &Requantize<'_>, cols: usize) -> Result<(i32, i32)> {
    let (qmin, qmax) = Q::DTYPE.range();
    if p.zero_point < qmin || p.zero_point > qmax {
        return Err(Error::param(
            "zero_point",
            format!("zero point {} outside the {:?} range", p.zero_point, Q::DTYPE),
        ));
    }
    let ok = |s: f32| s.is_finite() && s > 0.0;
    match p.scale {
        Scale::PerTensor(s) if !ok(s) => {
            return Err(Error::param("scale", format!("scale {s} is not finite and > 0")))
        }
        Scale::PerColumn(v) if v.len() != cols => {
            return Err(Error::shape(format!(
                "scale has {} entries but the output has {cols} columns",
                v.len()
            )))
        }
        Scale::PerColumn(v) if !v.iter().all(|&s| ok(s)) => {
            return Err(Error::param("scale", "a per-column scale is not finite and > 0"))
        }
        _ => {}
    }
    if let Some(b) = p.bias {
        check_len("bias", b.len(), cols)?;
    }
    output_bounds((qmin, qmax), p.zero_point, p.relu, p.clamp)
}

/// `[lo, hi]` of a requantizing output: the type's range, raised to the
/// zero point by `relu`, narrowed by `clamp`; `Err` naming `clamp` when empty.
pub(crate) fn output_bounds(
    (qmin, qmax): (i32, i32),
    zp: i32,
    relu: bool,
    clamp: Option<(i32, i32)>,
) -> Result<(i32, i32)> {
    let (mut lo, mut hi) = (qmin, qmax);
    if relu {
        lo = lo.max(zp);
    }
    if let Some((cl, ch)) = clamp {
        lo = lo.max(cl);
        hi = hi.min(ch);
    }
    if lo > hi {
        return Err(Error::param("clamp", format!("empty output range [{lo}, {hi}]")));
    }
    Ok((lo, hi))
}

/// Requantizes s32 values (one row: `bias` and a per-column scale index the
/// elements) with the INT8 GEMM's output semantics (module docs).
///
/// ```
/// use lowp::igemm::{Requantize, Scale};
/// use lowp::quant::requantize;
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let p = Requantize { relu: true, ..Requantize::new(Scale::PerTensor(0.5), 3) };
/// let mut q = [0u8; 4];
/// requantize(&ctx, &[5, 7, -40, 1000], &mut q, &p)?;
/// assert_eq!(q, [5, 7, 3, 255]); // 2.5 → 2 and 3.5 → 4 (ties to even), ReLU at the zero point
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn requantize<Q: QuantType>(ctx: &Context, src: &[i32], dst: &mut [Q], p: &Requantize<'_>) -> Result<()> {
    check_len("dst", dst.len(), src.len())?;
    let n = src.len();
    requantize_mat(
        ctx,
        MatRef::row_major(src, 1, n)?,
        MatMut::row_major(dst, 1, n)?,
        p,
    )
}

/// Requantizes an `M × N` matrix of s32 with the INT8 GEMM's output
/// semantics: bias and per-column scale along the columns.
pub fn requantize_mat<Q: QuantType>(
    ctx: &Context,
    src: MatRef<'_, i32>,
    mut dst: MatMut<'_, Q>,
    p: &Requantize<'_>,
) -> Result<()> {
    let (rows, cols) = (src.rows(), src.cols());
    check_shape(rows, cols, dst.rows(), dst.cols())?;
    let (lo, hi) = requant_bounds::<Q>(p, cols)?;
    let (scales, g): (&[f32], _) = match &p.scale {
        Scale::PerTensor(s) => (std::slice::from_ref(s), Granularity::PerTensor),
        Scale::PerColumn(v) => (v, Granularity::PerColumn),
    };
    let strides = (
        (src.row_stride(), src.col_stride()),
        (dst.row_stride(), dst.col_stride()),
    );
    // The kernels take the bias per element along a run: only the row
    // orientation has it so.
    let plan =
        Walk::plan((rows, cols), strides.0, strides.1, g).filter(|w| !w.transposed || p.bias.is_none());
    let Some(w) = plan else {
        for i in 0..rows {
            for j in 0..cols {
                let s = scales[channel(g, i, j)];
                let b = p.bias.map_or(0, |b| b[j]);
                *dst.at_mut(i, j) = Q::from_i32(requantize_one(*src.at(i, j), b, s, p.zero_point, lo, hi));
            }
        }
        return Ok(());
    };
    let k = ctx.kernels().quant.requantize.f;
    let (s_ptr, d_addr) = (src.as_slice().as_ptr() as usize, dst.as_mut_ptr() as usize);
    w.run(ctx, 5, |r, c0, len, stream| {
        let zp = std::slice::from_ref(&p.zero_point);
        let a = args(scales, zp, w.granularity, r, c0, lo, hi, stream);
        let bias = p.bias.map_or(std::ptr::null(), |b| b[c0..].as_ptr());
        let (s, d) = (s_ptr as *const i32, d_addr as *mut u8);
        // SAFETY: as in `quantize_mat`; the bias (when present) has `cols`
        // entries along the run (row orientation, checked length).
        unsafe { k(s.add(r * w.src_rs + c0), bias, d.add(r * w.dst_rs + c0), len, &a) };
    });
    Ok(())
}
