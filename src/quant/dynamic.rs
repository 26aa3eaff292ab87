//! Weight quantization (per output channel, symmetric s8) and dynamic
//! activation quantization (per row or per tensor, asymmetric u8), as
//! PyTorch's dynamic quantized `Linear` does them; used by
//! [`crate::igemm::QuantizedLinear`].

use super::observer::minmax::min_max as min_max_nan_skipping;
use super::{quantize, QuantDtype, QuantParams};
use crate::error::{Error, Result};
use crate::{Context, MatMut, MatRef};

/// Symmetric s8 quantization of one weight row into `[-127, 127]`: returns
/// its scale `max|w|/127` (1 for an all-zero row; at least the smallest
/// positive f32 so that it is a valid scale).
pub(crate) fn quantize_weight_row(ctx: &Context, w: &[f32], q: &mut [i8]) -> f32 {
    let amax = w.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    let scale = if amax > 0.0 {
        (amax / 127.0).max(f32::from_bits(1))
    } else {
        1.0
    };
    let p = QuantParams::per_tensor(QuantDtype::S8, scale, 0)
        .and_then(|p| p.with_range(-127, 127))
        .expect("a finite positive scale and zero point 0 are valid");
    quantize(ctx, w, q, &p).expect("q has the row's length");
    scale
}

/// Per-output-channel symmetric s8 weights: `w` is `N × K` (one output
/// channel per row, PyTorch's layout, any strides); `q` receives the
/// row-major `N × K` values in `[-127, 127]`; returns the `N` scales
/// (`max|w_j|/127`; 1 for an all-zero row). `Err` naming `w` for a
/// non-finite weight, `q` for a wrong length.
///
/// ```
/// use lowp::quant::quantize_weights_per_channel_s8;
/// use lowp::MatRef;
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let w = [1.0f32, -0.5, 0.0, 0.0];
/// let mut q = [0i8; 4];
/// let s = quantize_weights_per_channel_s8(&ctx, MatRef::row_major(&w, 2, 2)?, &mut q)?;
/// assert_eq!((s, q), (vec![1.0 / 127.0, 1.0], [127, -64, 0, 0])); // −63.5 → −64
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn quantize_weights_per_channel_s8(ctx: &Context, w: MatRef<'_, f32>, q: &mut [i8]) -> Result<Vec<f32>> {
    let (n, k) = (w.rows(), w.cols());
    if q.len() != n * k {
        return Err(Error::shape(format!(
            "q has {} elements but w is {n}x{k}",
            q.len()
        )));
    }
    let mut row = vec![0f32; k];
    let mut scales = Vec::with_capacity(n);
    for j in 0..n {
        for (kk, r) in row.iter_mut().enumerate() {
            *r = *w.at(j, kk);
        }
        if let Some(kk) = row.iter().position(|x| !x.is_finite()) {
            return Err(Error::param(
                "w",
                format!("w[{j}][{kk}] = {} is not finite", row[kk]),
            ));
        }
        scales.push(quantize_weight_row(ctx, &row, &mut q[j * k..(j + 1) * k]));
    }
    Ok(scales)
}

/// `(scale, zero point)` of a dynamic asymmetric u8 quantization covering
/// `[min(lo, 0), max(hi, 0)]`: `scale = range/255` (no lower floor, so tiny
/// activations keep their precision), `(1, 0)` for an empty or non-finite
/// range.
pub fn dynamic_params_u8(lo: f32, hi: f32) -> (f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let scale = (hi - lo) / 255.0;
    if scale > 0.0 && scale.is_finite() {
        (scale, (-lo / scale).round_ties_even().clamp(0.0, 255.0) as i32)
    } else {
        (1.0, 0)
    }
}

/// `(min, max)` of a row, NaN skipped (`(+inf, −inf)` when empty).
fn min_max(x: &[f32]) -> (f32, f32) {
    min_max_nan_skipping(x)
}

/// Quantizes a row with [`dynamic_params_u8`]'s parameters.
fn quantize_row(ctx: &Context, x: &[f32], scale: f32, zp: i32, q: &mut [u8]) {
    let p = QuantParams::per_tensor(QuantDtype::U8, scale, zp).expect("dynamic params are valid");
    quantize(ctx, x, q, &p).expect("q has the row's length");
}

/// Dynamic quantization of activations `x` (`M × K`, any strides) into
/// row-major u8 `q`: per row (one `(scale, zero point)` per row, returned
/// `M` times) or per tensor (one pair, returned once). `Err` naming `x` for
/// a non-finite value, `q` for a wrong shape.
pub fn quantize_dynamic_u8(
    ctx: &Context,
    x: MatRef<'_, f32>,
    mut q: MatMut<'_, u8>,
    per_row: bool,
) -> Result<Vec<(f32, i32)>> {
    let (m, k) = (x.rows(), x.cols());
    if (q.rows(), q.cols()) != (m, k) {
        return Err(Error::shape(format!(
            "q is {}x{} but x is {m}x{k}",
            q.rows(),
            q.cols()
        )));
    }
    let mut row = vec![0f32; k];
    let mut out = vec![0u8; k];
    let read = |i: usize, row: &mut [f32]| -> Result<()> {
        for (kk, r) in row.iter_mut().enumerate() {
            *r = *x.at(i, kk);
        }
        match row.iter().position(|v| !v.is_finite()) {
            Some(kk) => Err(Error::param(
                "x",
                format!("x[{i}][{kk}] = {} is not finite", row[kk]),
            )),
            None => Ok(()),
        }
    };
    let mut tensor = None;
    if !per_row {
        let (mut lo, mut hi) = (0.0f32, 0.0f32);
        for i in 0..m {
            read(i, &mut row)?;
            let (l, h) = min_max(&row);
            (lo, hi) = (lo.min(l), hi.max(h));
        }
        tensor = Some(dynamic_params_u8(lo, hi));
    }
    let mut params = Vec::with_capacity(if per_row { m } else { 1 });
    for i in 0..m {
        read(i, &mut row)?;
        let (s, z) = tensor.unwrap_or_else(|| {
            let (l, h) = min_max(&row);
            dynamic_params_u8(l, h)
        });
        quantize_row(ctx, &row, s, z, &mut out);
        for (kk, &v) in out.iter().enumerate() {
            *q.at_mut(i, kk) = v;
        }
        if per_row || i == 0 {
            params.push((s, z));
        }
    }
    if !per_row && m == 0 {
        params.extend(tensor);
    }
    Ok(params)
}
