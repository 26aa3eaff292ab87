//! The test every indirect convolution kernel's declaration generates:
//! each entry against the igemm scalar twin run on the rows it reads,
//! gathered into a packed panel, bit for bit: every `m ≤ MR`, one tap and
//! several, padding taps (the zero row), runs that start anywhere in a
//! pixel, and each correction term on and off.

use crate::iconv_ukernel::{IconvRows, IconvUkernelInfo, PAD};
use crate::igemm_check::{check_f32, check_q8, check_q8_fixed, cpu_has, Rng, Want, GUARD};
use crate::scalar::igemm_tile_store::TileCorrection;
use crate::scalar::igemm_u8s8s32_scalar;

/// Checks every entry of `k`; prints a note and returns when this CPU lacks
/// the kernel's features.
pub(crate) fn check_iconv(k: &IconvUkernelInfo) {
    if !cpu_has(k.features) {
        println!("skipped {}: this CPU lacks {}", k.name, k.features);
        return;
    }
    let (mr, nr) = (k.mr, k.nr);
    assert_eq!(nr, 32, "{}: the twin is instantiated for NR = 32", k.name);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let ldc = nr + 5;
    // `even`: every tap's real rows are consecutive pixels (one output
    // row's), padding rows first and last: the kernel may step from the
    // first real row (`row_step`).
    let shapes = [(1, 1), (1, 16), (3, 5), (9, 2), (9, 16), (27, 8)];
    for (taps, groups, even) in shapes.iter().flat_map(|&(t, g)| [(t, g, false), (t, g, true)]) {
        let cg = 4 * groups;
        // Pixels of `cw` channels; the runs start at channel 3.
        let (pixels, cw, c0) = (23, cg + 5, 3);
        let input = rng.bytes(pixels * cw, |x| x);
        let zero = vec![rng.next() as u8; cg];
        // Per tap: padding rows scattered, first, last, or every row.
        let mut offsets = vec![0usize; mr * taps];
        for t in (0..taps).filter(|_| !even) {
            let (mode, cut) = (rng.next() % 4, (rng.next() % mr as u64) as usize);
            for r in 0..mr {
                let pad = match mode {
                    0 => rng.next().is_multiple_of(6),
                    1 => r < cut,
                    2 => r >= cut,
                    _ => true,
                };
                offsets[r * taps + t] = if pad {
                    PAD
                } else {
                    (rng.next() % pixels as u64) as usize * cw
                };
            }
        }
        for t in (0..taps).filter(|_| even) {
            let lo = (rng.next() % (mr as u64 / 2 + 1)) as usize;
            let hi = lo + (rng.next() % (mr - lo + 1) as u64) as usize;
            let start = (rng.next() % (pixels - mr) as u64) as usize;
            for r in 0..mr {
                offsets[r * taps + t] = if (lo..hi).contains(&r) {
                    (start + r) * cw
                } else {
                    PAD
                };
            }
        }
        let kg = taps * groups;
        let b = rng.bytes(kg * nr * 4, |x| x as i8);
        // The rows gathered into a packed panel (group stride 4·MR).
        let gs = 4 * mr;
        let mut panel = vec![0u8; kg * gs];
        for r in 0..mr {
            for t in 0..taps {
                let o = offsets[r * taps + t];
                let run = if o == PAD {
                    &zero[..]
                } else {
                    &input[c0 + o..c0 + o + cg]
                };
                for (q, &x) in run.iter().enumerate() {
                    panel[(t * groups + q / 4) * gs + 4 * r + q % 4] = x;
                }
            }
        }
        // What a padding row adds at each tap (the zero row's byte times
        // the tap's weights), for the runs that skip padding rows.
        let pad_sums: Vec<i32> = (0..taps * nr)
            .map(|x| {
                let (t, j) = (x / nr, x % nr);
                (t * groups..(t + 1) * groups)
                    .flat_map(|g| (0..4).map(move |q| g * nr * 4 + 4 * j + q))
                    .fold(0i32, |acc, i| acc.wrapping_add(zero[0] as i32 * b[i] as i32))
            })
            .collect();
        for skip in [false, true] {
            let a = IconvRows {
                offsets: offsets.as_ptr(),
                taps,
                groups,
                base: input[c0..].as_ptr(),
                zero: zero.as_ptr(),
                pad_sums: if skip {
                    pad_sums.as_ptr()
                } else {
                    core::ptr::null()
                },
                pad_stride: nr,
                row_step: if skip && even { cw } else { 0 },
            };
            let colfix = rng.i32s(nr, 1 << 20);
            let colsum = rng.i32s(nr, 1 << 16);
            let zb = rng.i32s(nr, 255);
            let za = rng.i32s(mr, 255);
            let rowfix = rng.i32s(mr, 1 << 16);
            for terms in [0u8, 1, 7, 8] {
                let on = |bit: u8| terms & bit != 0;
                let fx = TileCorrection {
                    colfix: if on(1) { colfix.as_ptr() } else { core::ptr::null() },
                    za: if on(2) { za.as_ptr() } else { core::ptr::null() },
                    colsum: colsum.as_ptr(),
                    rowfix: rowfix.as_ptr(),
                    zb: if on(4) { zb.as_ptr() } else { core::ptr::null() },
                };
                let corr = (terms < 8).then_some(&fx);
                for m in 1..=mr {
                    let what = |e: &str| {
                        format!(
                        "{}{e}: m = {m}, taps = {taps}, groups = {groups}, correction {terms}, skip {skip}, even {even}",
                        k.name
                    )
                    };
                    let mut want = vec![GUARD; mr * ldc];
                    let mut got = want.clone();
                    // SAFETY: the panel holds kg groups of gs = 4·MR bytes, `b` kg groups of NR·4,
                    // `c` MR rows of `ldc ≥ NR`, the correction MR rows and NR columns; every run
                    // of `a` lies in `input` (or is `zero`), cg bytes; the CPU has the kernel's
                    // features (above).
                    unsafe {
                        igemm_u8s8s32_scalar::<32>(
                            false,
                            m,
                            kg,
                            panel.as_ptr(),
                            gs,
                            b.as_ptr(),
                            want.as_mut_ptr(),
                            ldc,
                            corr,
                        );
                        (k.f)(m, &a, b.as_ptr(), got.as_mut_ptr(), ldc, corr);
                    }
                    assert_eq!(got, want, "{}", what(""));
                    let tile = Want {
                        mr,
                        nr,
                        want: &want[..],
                        ldc,
                        m,
                        what: what("_q8"),
                    };
                    check_q8(&tile, &mut rng, |rq| {
                        // SAFETY: as above; `rq` is checked by the caller.
                        unsafe { (k.f_q8)(m, &a, b.as_ptr(), corr, rq) }
                    });
                    check_q8_fixed(
                        &Want {
                            what: what("_q8_fixed"),
                            ..tile
                        },
                        &mut rng,
                        |rq| {
                            // SAFETY: as above; `rq` is checked by the caller.
                            unsafe { (k.f_q8_fixed)(m, &a, b.as_ptr(), corr, rq) }
                        },
                    );
                    check_f32((mr, nr), &mut rng, &want[..], ldc, m, &what("_f32"), |dq| {
                        // SAFETY: as above; `dq` is checked by the caller.
                        unsafe { (k.f_f32)(m, &a, b.as_ptr(), corr, dq) }
                    });
                }
            }
        }
    }
}
