//! `dwconv_f32_rxs_scalar`: FP32 depthwise convolution row, any R×S kernel,
//! portable (the same layout and tap order as the vector kernels).

use crate::dwconv::DwRowF32;

/// Channels per block of the portable kernels.
pub const DW_SCALAR_LANES: usize = 8;

/// FP32 depthwise convolution row for any R×S kernel: see
/// [`crate::dwconv`] (a multiply, then an add, per tap).
///
/// # Safety
///
/// Every pointer of `a` must be valid as [`DwRowF32`] describes for
/// `L` = [`DW_SCALAR_LANES`] lanes, and the output ours alone.
pub unsafe fn dwconv_f32_rxs_scalar(a: &DwRowF32) {
    const L: usize = DW_SCALAR_LANES;
    // SAFETY: every address below is a tap, weight, bias or output of the
    // caller's contract.
    unsafe {
        let bias = *a.bias.cast::<[f32; L]>();
        for x in 0..a.ow {
            let mut acc = bias;
            for i in 0..a.r {
                let row = (*a.rows.add(i)).add(x * a.stride * L);
                for j in 0..a.s {
                    let w = *a.weights.add((i * a.s + j) * L).cast::<[f32; L]>();
                    let t = *row.add(j * a.dil * L).cast::<[f32; L]>();
                    for c in 0..L {
                        acc[c] += t[c] * w[c];
                    }
                }
            }
            if a.clamp {
                for y in &mut acc {
                    *y = y.max(a.lo).min(a.hi);
                }
            }
            *a.out.add(x * a.out_stride).cast::<[f32; L]>() = acc;
        }
    }
}
