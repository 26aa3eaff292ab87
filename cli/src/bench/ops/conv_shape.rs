//! The `--shapes` syntax of the convolution ops: an entry with a `:` is a
//! convolution layer (batch 1, NHWC), `MxNxK` entries are for the GEMM ops.
//!
//! ```text
//! HxWxC:KxRxS[:sSTRIDE][:pPAD][:gGROUPS]        2-D, e.g. 56x56x64:64x3x3
//! DxHxWxC:KxTxRxS[:sSTRIDE][:pPAD][:gGROUPS]    3-D, e.g. 32x32x32x32:32x3x3x3
//! ```
//!
//! The stride and padding apply to every spatial axis (default: stride 1,
//! padding `R/2`, `S/2` (and `T/2`), the "same" padding of odd kernels);
//! groups default to 1.

use crate::CliResult;
use lowp::conv::{Conv3dParams, Padding3d};

/// A parsed layer: its parameters and whether it is 3-D.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvShape {
    /// The layer (a 2-D one has `d = t = 1`).
    pub params: Conv3dParams,
    /// Whether the entry named a depth (the `conv3d_*` ops).
    pub three_d: bool,
}

/// A 2-D layer `H×W×C → K`, `R×R` kernel, stride 1, "same" padding.
pub fn layer_2d(h: usize, w: usize, c: usize, k: usize, r: usize) -> ConvShape {
    let p = Conv3dParams::new(1, 1, h, w, c, k, 1, r, r);
    ConvShape {
        params: p.with_padding(Padding3d::symmetric(0, r / 2, r / 2)),
        three_d: false,
    }
}

/// Whether a `--shapes` entry is meant for the convolution ops.
pub fn is_conv_spec(s: &str) -> bool {
    s.contains(':')
}

fn dims(part: &str) -> Option<Vec<usize>> {
    part.split(['x', 'X']).map(|d| d.trim().parse().ok()).collect()
}

/// Parses one entry (see the module docs); `Err` names the entry.
pub fn parse(spec: &str) -> CliResult<ConvShape> {
    let bad = |why: &str| -> CliResult<ConvShape> {
        Err(format!(
            "--shapes: {spec:?} is not a convolution HxWxC:KxRxS[:sSTRIDE][:pPAD][:gGROUPS] \
             (3-D: DxHxWxC:KxTxRxS...): {why}"
        )
        .into())
    };
    let mut parts = spec.trim().split(':');
    let (Some(input), Some(kernel)) = (parts.next().and_then(dims), parts.next().and_then(dims)) else {
        return bad("the input and kernel parts must be whole numbers joined by x");
    };
    let (d, h, w, c, k, t, r, s) = match (&input[..], &kernel[..]) {
        (&[h, w, c], &[k, r, s]) => (1, h, w, c, k, 1, r, s),
        (&[d, h, w, c], &[k, t, r, s]) => (d, h, w, c, k, t, r, s),
        _ => return bad("give HxWxC with KxRxS, or DxHxWxC with KxTxRxS"),
    };
    let three_d = input.len() == 4;
    let (mut stride, mut pad, mut groups) = (1, None, 1);
    for opt in parts {
        let (key, value) = opt.split_at(opt.len().min(1));
        let Ok(v) = value.trim().parse::<usize>() else {
            return bad(&format!("{opt:?} is not sN, pN or gN"));
        };
        match key {
            "s" => stride = v,
            "p" => pad = Some(v),
            "g" => groups = v,
            _ => return bad(&format!("{opt:?} is not sN, pN or gN")),
        }
    }
    let padding = match pad {
        Some(p) => Padding3d::symmetric(if three_d { p } else { 0 }, p, p),
        None => Padding3d::symmetric(t / 2, r / 2, s / 2),
    };
    let params = Conv3dParams::new(1, d, h, w, c, k, t, r, s)
        .with_stride(if three_d { stride } else { 1 }, stride, stride)
        .with_padding(padding)
        .with_groups(groups);
    if let Err(e) = params.validate() {
        return bad(&e.to_string());
    }
    Ok(ConvShape { params, three_d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_2d_and_3d_layers_with_options() {
        assert_eq!(parse("56x56x64:64x3x3").unwrap(), layer_2d(56, 56, 64, 64, 3));
        let p = parse("8x9x4:6x1x3:s2:p0:g2").unwrap();
        assert!(!p.three_d);
        let q = p.params;
        assert_eq!((q.d, q.h, q.w, q.c, q.k, q.t, q.r, q.s), (1, 8, 9, 4, 6, 1, 1, 3));
        assert_eq!(
            (q.stride, q.groups, q.padding),
            ((1, 2, 2), 2, Padding3d::uniform(0))
        );
        let p = parse("4x5x6x3:2x3x3x3").unwrap();
        assert!(p.three_d);
        assert_eq!(p.params.padding, Padding3d::uniform(1));
        assert_eq!((p.params.d, p.params.t), (4, 3));
    }

    #[test]
    fn refuses_malformed_entries() {
        for s in [
            "56x56:64x3x3",
            "56x56x64:64x3",
            "56x56x64:64x3x3:q1",
            "56x56x64:64x3x3:s",
            "8x8x4:4x3x3:g3",
            "a:b",
        ] {
            let e = parse(s).unwrap_err().to_string();
            assert!(e.contains("--shapes") && e.contains(s), "{s}: {e}");
        }
    }
}
