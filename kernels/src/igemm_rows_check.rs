//! The test every in-place INT8 GEMM kernel's declaration generates: each
//! entry against the igemm scalar twin run on the same rows packed into a
//! panel, bit for bit: every `m ≤ MR`, K with and without a partial last
//! k-group (the tail), a row stride wider than K, and each correction term
//! on and off; the strip entries the same way, `m` rows cut into two or
//! three tiles where it divides.

use crate::igemm_check::{cpu_has, Rng};
use crate::igemm_rows_ukernel::{IgemmRows, IgemmRowsUkernelInfo};
use crate::in_place_check::{check_in_place, strip_as_tiles, InPlaceCase, InPlaceEntries, StripRows};

/// Checks every entry of `k`; prints a note and returns when this CPU lacks
/// the kernel's features.
pub(crate) fn check_rows(k: &IgemmRowsUkernelInfo) {
    if !cpu_has(k.features) {
        println!("skipped {}: this CPU lacks {}", k.name, k.features);
        return;
    }
    let entries = InPlaceEntries {
        name: k.name,
        f: k.f,
        f_stream: Some(k.f_stream),
        f_q8: k.f_q8,
        f_q8_fixed: k.f_q8_fixed,
        f_f32: k.f_f32,
    };
    let strips = strip_as_tiles(k.name, &k.strip);
    let (mr, nr) = (k.mr, k.nr);
    let mut rng = Rng(0x51_7cc1_b727_220a);
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
        let t = InPlaceCase {
            mr,
            nr,
            a: &a,
            panel: &panel,
            kg,
            b: &b,
            case: format!("K = {kk}"),
        };
        // SAFETY: A's MR rows hold `lda ≥ K` bytes, the tail 4·MR; the CPU
        // has the kernel's features (above).
        unsafe { check_in_place(&entries, &t, &[0, 1, 2, 7, 8], &mut rng) };
        let sa = StripRows {
            rows: a,
            strip: k.strip,
        };
        let st = InPlaceCase {
            mr,
            nr,
            a: &sa,
            panel: &panel,
            kg,
            b: &b,
            case: format!("strip, K = {kk}"),
        };
        // SAFETY: as above (the strip's tiles are the same MR rows).
        unsafe { check_in_place(&strips, &st, &[0, 1, 2, 7, 8], &mut rng) };
    }
}
