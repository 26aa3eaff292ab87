//! Fake quantization: quantize then dequantize with the same rounding, for
//! QAT-style experiments and for measuring quantization error.

use super::{dequantize, quantize, QuantDtype, QuantParams};
use crate::error::{Error, Result};
use crate::Context;

/// `y = dequantize(quantize(x))` with per-tensor `p`, bit-identical to the
/// two calls (through an L1-sized buffer, one pass over memory).
///
/// ```
/// use lowp::quant::{fake_quantize, QuantDtype, QuantParams};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let p = QuantParams::per_tensor(QuantDtype::S8, 0.5, 0)?;
/// let mut y = [0f32; 3];
/// fake_quantize(&ctx, &[0.3, 0.75, 100.0], &mut y, &p)?;
/// assert_eq!(y, [0.5, 1.0, 63.5]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn fake_quantize(ctx: &Context, x: &[f32], y: &mut [f32], p: &QuantParams) -> Result<()> {
    if y.len() != x.len() {
        return Err(Error::shape(format!(
            "y has {} elements but x has {}",
            y.len(),
            x.len()
        )));
    }
    const BLOCK: usize = 4096;
    let mut bu = [0u8; BLOCK];
    let mut bs = [0i8; BLOCK];
    for (xs, ys) in x.chunks(BLOCK).zip(y.chunks_mut(BLOCK)) {
        let n = xs.len();
        match p.dtype() {
            QuantDtype::U8 => {
                quantize(ctx, xs, &mut bu[..n], p)?;
                dequantize(ctx, &bu[..n], ys, p)?;
            }
            QuantDtype::S8 => {
                quantize(ctx, xs, &mut bs[..n], p)?;
                dequantize(ctx, &bs[..n], ys, p)?;
            }
        }
    }
    Ok(())
}
