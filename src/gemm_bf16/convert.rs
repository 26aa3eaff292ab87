//! Vectorized f32 ↔ bf16 slice conversions, through the Context's kernels.

use crate::context::Context;
use crate::error::{Error, Result};
use half::bf16;

/// Checks that `dst` (argument name `what`) is as long as `src`.
fn same_len(n: usize, m: usize) -> Result<()> {
    if n != m {
        return Err(Error::shape(format!(
            "dst has {m} elements, src {n}: need the same length"
        )));
    }
    Ok(())
}

/// Rounds f32 to bf16 the way `vcvtneps2bf16` does: to nearest, ties to
/// even; subnormals to a zero of their sign; NaNs stay NaN (quiet); ±Inf,
/// and values past the largest bf16, give ±Inf. `Err(ShapeMismatch)` when
/// `dst` is not as long as `src`.
///
/// ```
/// use half::bf16;
/// use lowp::{convert_f32_to_bf16, Context};
/// let ctx = Context::builder().threads(1).build()?;
/// let mut out = [bf16::ZERO; 2];
/// convert_f32_to_bf16(&ctx, &[1.0, 1.0 + 1.0 / 256.0], &mut out)?;
/// assert_eq!(out, [bf16::ONE, bf16::ONE]); // a tie, to the even neighbour
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn convert_f32_to_bf16(ctx: &Context, src: &[f32], dst: &mut [bf16]) -> Result<()> {
    same_len(src.len(), dst.len())?;
    // SAFETY: both slices hold `src.len()` elements (checked); bf16 is a
    // transparent u16; the kernel belongs to an ISA the CPU has.
    unsafe { (ctx.kernels().gemm_bf16.to_bf16)(src.as_ptr(), dst.as_mut_ptr().cast(), src.len()) };
    Ok(())
}

/// Widens bf16 to f32 (exact). `Err(ShapeMismatch)` when `dst` is not as
/// long as `src`.
pub fn convert_bf16_to_f32(ctx: &Context, src: &[bf16], dst: &mut [f32]) -> Result<()> {
    same_len(src.len(), dst.len())?;
    // SAFETY: as in `convert_f32_to_bf16`.
    unsafe { (ctx.kernels().gemm_bf16.to_f32)(src.as_ptr().cast(), dst.as_mut_ptr(), src.len()) };
    Ok(())
}
