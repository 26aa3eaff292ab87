//! `dwconv_u8s8s32_rxs_scalar`: INT8 depthwise convolution row on i16
//! pairs, any R×S kernel, portable (the vector kernels' layout).

use super::dwconv_f32_rxs::DW_SCALAR_LANES;
use crate::dwconv::DwRowS16;

/// INT8 depthwise convolution row for any R×S kernel: see
/// [`crate::dwconv`].
///
/// # Safety
///
/// Every pointer of `a` must be valid as [`DwRowS16`] describes for
/// `L` = [`DW_SCALAR_LANES`] lanes, and the output ours alone.
pub unsafe fn dwconv_u8s8s32_rxs_scalar(a: &DwRowS16) {
    const L: usize = DW_SCALAR_LANES;
    let pairs = a.s.div_ceil(2);
    // SAFETY: every address below is a tap pair, weight pair or output of
    // the caller's contract.
    unsafe {
        for x in 0..a.ow {
            let mut acc = [0i32; L];
            for i in 0..a.r {
                let row = (*a.rows.add(i)).add(x * a.stride * 2 * L);
                for q in 0..pairs {
                    let w = *a.weights.add((i * pairs + q) * 2 * L).cast::<[i16; 2 * L]>();
                    let t = *row.add(2 * q * a.dil * 2 * L).cast::<[i16; 2 * L]>();
                    for c in 0..L {
                        let m = i32::from(t[2 * c]) * i32::from(w[2 * c])
                            + i32::from(t[2 * c + 1]) * i32::from(w[2 * c + 1]);
                        acc[c] = acc[c].wrapping_add(m);
                    }
                }
            }
            *a.out.add(x * a.out_stride).cast::<[i32; L]>() = acc;
        }
    }
}
