//! The test every in-place INT8 GEMM kernel's declaration generates: each
//! entry against the igemm scalar twin run on the same rows packed into a
//! panel, bit for bit: every `m ≤ MR`, K with and without a partial last
//! k-group (the tail), a row stride wider than K, and each correction term
//! on and off.

use crate::igemm_check::{aligned, check_f32, check_q8, check_q8_fixed, cpu_has, Rng, Want, GUARD};
use crate::igemm_rows_ukernel::{IgemmRows, IgemmRowsUkernelInfo};
use crate::scalar::igemm_tile_store::TileCorrection;
use crate::scalar::igemm_u8s8s32_scalar;

/// Checks every entry of `k`; prints a note and returns when this CPU lacks
/// the kernel's features.
pub(crate) fn check_rows(k: &IgemmRowsUkernelInfo) {
    if !cpu_has(k.features) {
        println!("skipped {}: this CPU lacks {}", k.name, k.features);
        return;
    }
    let (mr, nr) = (k.mr, k.nr);
    assert_eq!(nr, 32, "{}: the twin is instantiated for NR = 32", k.name);
    let mut rng = Rng(0x51_7cc1_b727_220a);
    let ldc = nr + 5;
    for kk in [1usize, 3, 4, 7, 8, 64, 65, 127, 258] {
        let (groups, kg) = (kk / 4, kk.div_ceil(4));
        let lda = kk + 9;
        let a_mat = rng.bytes(mr * lda, |x| x);
        // The tail: each row's last kk % 4 bytes, zero-padded.
        let mut tail = vec![0u8; 4 * mr];
        for r in 0..mr {
            for q in 4 * groups..kk {
                tail[4 * r + q - 4 * groups] = a_mat[r * lda + q];
            }
        }
        // The rows packed into a panel (group stride 4·MR), K zero-padded.
        let gs = 4 * mr;
        let mut panel = vec![0u8; kg * gs];
        for r in 0..mr {
            for q in 0..kk {
                panel[q / 4 * gs + 4 * r + q % 4] = a_mat[r * lda + q];
            }
        }
        let a = IgemmRows {
            base: a_mat.as_ptr(),
            lda,
            groups,
            tail: if kk % 4 == 0 {
                core::ptr::null()
            } else {
                tail.as_ptr()
            },
        };
        let b = rng.bytes(kg * nr * 4, |x| x as i8);
        let colfix = rng.i32s(nr, 1 << 20);
        let colsum = rng.i32s(nr, 1 << 16);
        let zb = rng.i32s(nr, 255);
        let za = rng.i32s(mr, 255);
        let rowfix = rng.i32s(mr, 1 << 16);
        for terms in [0u8, 1, 2, 7, 8] {
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
                let what = |e: &str| format!("{}{e}: m = {m}, K = {kk}, correction {terms}", k.name);
                let mut want = vec![GUARD; mr * ldc];
                let mut got = want.clone();
                // SAFETY: the panel holds kg groups of gs = 4·MR bytes, `b` kg groups of NR·4, `c` MR
                // rows of `ldc ≥ NR`, the correction MR rows and NR columns; A's MR rows hold
                // `lda ≥ K` bytes, the tail 4·MR; the CPU has the kernel's features (above).
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
                let (mut buf, off) = aligned::<i32>(mr * 64);
                // SAFETY: as above, rows 64 i32 (256 bytes) apart from a 64-byte boundary.
                unsafe { (k.f_stream)(m, &a, b.as_ptr(), buf.as_mut_ptr().add(off), 64, corr) };
                for r in 0..m {
                    let row = &buf[off + r * 64..off + r * 64 + nr];
                    assert_eq!(row, &want[r * ldc..r * ldc + nr], "{} row {r}", what("_stream"));
                }
                let tile = |e: &str| Want {
                    mr,
                    nr,
                    want: &want[..],
                    ldc,
                    m,
                    what: what(e),
                };
                check_q8(&tile("_q8"), &mut rng, |rq| {
                    // SAFETY: as above; `rq` is checked by the caller.
                    unsafe { (k.f_q8)(m, &a, b.as_ptr(), corr, rq) }
                });
                check_q8_fixed(&tile("_q8_fixed"), &mut rng, |rq| {
                    // SAFETY: as above; `rq` is checked by the caller.
                    unsafe { (k.f_q8_fixed)(m, &a, b.as_ptr(), corr, rq) }
                });
                check_f32((mr, nr), &mut rng, &want[..], ldc, m, &what("_f32"), |dq| {
                    // SAFETY: as above; `dq` is checked by the caller.
                    unsafe { (k.f_f32)(m, &a, b.as_ptr(), corr, dq) }
                });
            }
        }
    }
}
