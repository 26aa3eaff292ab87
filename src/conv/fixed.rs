//! The INT8 convolution's fixed-point (gemmlowp / TFLite) requantizing
//! outputs ([`ConvOutput::U8Fixed`] / [`ConvOutput::S8Fixed`]): the GEMM
//! algorithms hand them to igemm's `Output::U8Fixed` / `S8Fixed` (fused
//! into the kernels' epilogue where they have one, the indirect kernel
//! included); the depthwise and grouped kernels, whose stores have no
//! fixed-point form, run to s32 and requantize each output row after.

use super::layer::Layer;
use super::ConvOutput;
use crate::error::Result;
use crate::quant::{fixed_point, requantize_fixed, FixedPointRequantize, FixedScale};
use std::ops::Range;

impl ConvOutput<'_> {
    /// Whether this is a fixed-point output.
    pub(super) fn is_fixed(&self) -> bool {
        matches!(self, ConvOutput::U8Fixed { .. } | ConvOutput::S8Fixed { .. })
    }

    /// Checks a fixed-point output's pipeline against `k` output channels
    /// (`Err` naming `scale`, `shift`, `bias`, `zero_point` or `clamp`);
    /// `None` for the other outputs.
    pub(super) fn check_fixed(&self, k: usize) -> Option<Result<()>> {
        let (p, signed) = match self {
            ConvOutput::U8Fixed { requantize, .. } => (requantize, false),
            ConvOutput::S8Fixed { requantize, .. } => (requantize, true),
            _ => return None,
        };
        Some(check_channels(p, k).and_then(|()| match signed {
            false => fixed_point::fixed_bounds::<u8>(p, k).map(drop),
            true => fixed_point::fixed_bounds::<i8>(p, k).map(drop),
        }))
    }

    /// The s32 results `sums` (`rows × k`, row-major, from the s32 run)
    /// requantized into this fixed-point output, row by row.
    pub(super) fn requantize_rows(&mut self, sums: &[i32], k: usize) -> Result<()> {
        match self {
            ConvOutput::U8Fixed { output, requantize } => rows(sums, output, requantize, k),
            ConvOutput::S8Fixed { output, requantize } => rows(sums, output, requantize, k),
            _ => Ok(()),
        }
    }
}

/// `Err` naming `requantize` unless per-channel multipliers, shifts and the
/// bias have `k` elements (as the other pipelines' per-channel arrays).
fn check_channels(p: &FixedPointRequantize<'_>, k: usize) -> Result<()> {
    if let FixedScale::PerColumn(m, s) = p.scale {
        Layer::check_len("requantize", m.len(), k, "per-channel multipliers (K)")?;
        Layer::check_len("requantize", s.len(), k, "per-channel shifts (K)")?;
    }
    if let Some(b) = p.bias {
        Layer::check_len("requantize", b.len(), k, "bias (K)")?;
    }
    Ok(())
}

fn rows<Q: crate::quant::QuantType>(
    sums: &[i32],
    out: &mut [Q],
    p: &FixedPointRequantize<'_>,
    k: usize,
) -> Result<()> {
    for (s, o) in sums.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        requantize_fixed(s, o, p)?;
    }
    Ok(())
}

/// Group `cols`' part of a fixed-point requantization (per-column
/// multipliers, shifts and bias sliced).
pub(super) fn fixed_of<'a>(p: &FixedPointRequantize<'a>, cols: Range<usize>) -> FixedPointRequantize<'a> {
    FixedPointRequantize {
        scale: match p.scale {
            FixedScale::PerColumn(m, s) => FixedScale::PerColumn(&m[cols.clone()], &s[cols.clone()]),
            s => s,
        },
        bias: p.bias.map(|b| &b[cols]),
        ..*p
    }
}
