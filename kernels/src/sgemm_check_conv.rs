//! The f32 kernels an implicit-GEMM convolution adds to sgemm's: the
//! pointer A packer (rows through an indirection, null rows as zeros) and
//! the tile output stage (bias, clamp) of each level, against plain twins
//! of their contracts; exact (bound: 0 ulp), with what they must not touch
//! in the compared buffers.

use crate::sgemm_check::{bits, skip, values, KS};
use crate::x86_64::avx512;

/// A value no kernel computes here: marks what must stay untouched.
const UNTOUCHED: f32 = -7.0e30;

/// `dst[p·14 + i] = rows[i][p]` (0 for a null row) for every depth, nothing
/// written past `14·kc`; rows scattered in any order.
#[test]
fn sgemm_f32_pack_a_14_indirect_avx512() {
    const MR: usize = 14;
    let name = "sgemm_f32_pack_a_14_indirect_avx512";
    if skip(name, crate::level::AVX512) {
        return;
    }
    for kc in KS.into_iter().chain([15, 16, 17, 33]) {
        let src = values(20 * (kc + 1), kc as u32 + 11);
        // Row i reads source row (7·i) mod 20; rows 0, 5 and 13 are padding.
        let start = |i: usize| (![0, 5, 13].contains(&i)).then_some((7 * i) % 20 * (kc + 1));
        let ptrs: Vec<*const f32> = (0..MR)
            .map(|i| start(i).map_or(std::ptr::null(), |s| src[s..].as_ptr()))
            .collect();
        let mut want = vec![UNTOUCHED; (kc + 2) * MR];
        for p in 0..kc {
            for i in 0..MR {
                want[p * MR + i] = start(i).map_or(0.0, |s| src[s + p]);
            }
        }
        let mut got = vec![UNTOUCHED; (kc + 2) * MR];
        // SAFETY: 14 pointers, each null or to kc + 1 ≥ kc elements of
        // `src`; `got` holds (kc + 2)·14 ≥ 14·kc, apart; the CPU has the features.
        unsafe {
            avx512::sgemm_f32_pack_a_14::sgemm_f32_pack_a_14_indirect_avx512(
                ptrs.as_ptr(),
                kc,
                got.as_mut_ptr(),
            )
        };
        assert_eq!(bits(&got), bits(&want), "{name}: kc = {kc}");
    }
}

/// `(rows, cols, c, rsc, bias, clamp)`.
type BiasClampFn = unsafe fn(usize, usize, *mut f32, usize, Option<&[f32]>, Option<(f32, f32)>);

/// Every edge shape (the vector kernel's masked columns), with and without
/// bias and clamp; NaN sums become `lo` under a clamp (as `f32::max`) and
/// stay NaN without; C past the shape untouched.
fn check_bias_clamp(name: &str, features: &[&str], f: BiasClampFn) {
    if skip(name, features) {
        return;
    }
    let rsc = 41;
    let bias = values(40, 3);
    for (rows, cols) in [
        (0, 0),
        (0, 5),
        (3, 0),
        (1, 1),
        (2, 15),
        (3, 16),
        (4, 17),
        (14, 32),
        (5, 40),
    ] {
        for b in [None, Some(&bias[..cols])] {
            for clamp in [None, Some((0.0, f32::INFINITY)), Some((-0.25, 0.5))] {
                let mut got = values(14 * rsc, 7);
                got[0] = f32::NAN;
                got[rsc + 2] = f32::NAN;
                let mut want = got.clone();
                for i in 0..rows {
                    for j in 0..cols {
                        let y = &mut want[i * rsc + j];
                        let v = *y + b.map_or(0.0, |b| b[j]);
                        *y = clamp.map_or(v, |(lo, hi)| v.max(lo).min(hi));
                    }
                }
                // SAFETY: `got` holds 14 rows of rsc ≥ cols; the bias `cols`;
                // the CPU has the features.
                unsafe { f(rows, cols, got.as_mut_ptr(), rsc, b, clamp) };
                let at = format!(
                    "rows = {rows}, cols = {cols}, bias {}, clamp {clamp:?}",
                    b.is_some()
                );
                assert_eq!(bits(&got), bits(&want), "{name}: {at}");
            }
        }
    }
}

#[test]
fn sgemm_f32_tile_bias_clamp_scalar() {
    check_bias_clamp(
        "sgemm_f32_tile_bias_clamp_scalar",
        &[],
        crate::scalar::sgemm_f32_tile_bias_clamp::sgemm_f32_tile_bias_clamp_scalar,
    );
}

#[test]
fn sgemm_f32_tile_bias_clamp_avx512() {
    check_bias_clamp(
        "sgemm_f32_tile_bias_clamp_avx512",
        crate::level::AVX512,
        avx512::sgemm_f32_tile_bias_clamp::sgemm_f32_tile_bias_clamp_avx512,
    );
}
