//! The test every indirect convolution kernel's declaration generates:
//! each entry against the igemm scalar twin run on the rows it reads,
//! gathered into a packed panel, bit for bit: every `m ≤ MR`, one tap and
//! several, padding taps (the zero row), runs that start anywhere in a
//! pixel, and each correction term on and off; the strip entries the same
//! way, `m` rows cut into two or three tiles where it divides.

use crate::iconv_ukernel::{IconvRows, IconvUkernelInfo, PAD};
use crate::igemm_check::{cpu_has, Rng};
use crate::in_place_check::{check_in_place, strip_as_tiles, InPlaceCase, InPlaceEntries, StripRows};

/// Checks every entry of `k`; prints a note and returns when this CPU lacks
/// the kernel's features.
pub(crate) fn check_iconv(k: &IconvUkernelInfo) {
    if !cpu_has(k.features) {
        println!("skipped {}: this CPU lacks {}", k.name, k.features);
        return;
    }
    let entries = InPlaceEntries {
        name: k.name,
        f: k.f,
        f_stream: None,
        f_q8: k.f_q8,
        f_q8_fixed: k.f_q8_fixed,
        f_f32: k.f_f32,
    };
    let strips = strip_as_tiles(k.name, &k.strip);
    let (mr, nr) = (k.mr, k.nr);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // `even`: every tap's real rows are consecutive pixels (one output
    // row's), padding rows first and last: the kernel may step from the
    // first real row (`row_step`).
    // Even rows are also run at a pixel width of 64–512 bytes (a full
    // tile's step as a constant); the last two shapes reach 256 and 512.
    let shapes = [
        (1, 1),
        (1, 16),
        (3, 5),
        (9, 2),
        (9, 16),
        (27, 8),
        (5, 60),
        (3, 120),
    ];
    let pow2 = |cg: usize| (cg + 5).next_power_of_two().max(64);
    let cases = shapes.iter().flat_map(|&(t, g)| {
        let cg = 4 * g;
        [
            (t, g, false, cg + 5),
            (t, g, true, cg + 5),
            (t, g, true, pow2(cg)),
        ]
    });
    for (case, (taps, groups, even, cw)) in cases.enumerate() {
        let cg = 4 * groups;
        // Pixels of `cw` channels; the runs start at channel 3.
        let (pixels, c0) = (23, 3);
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
            // No padding row, one first, one last, both, or drawn.
            let (lo, hi) = match (t + case) % 5 {
                0 => (0, mr),
                1 => (1, mr),
                2 => (0, mr - 1),
                3 => (1, mr - 1),
                _ => {
                    let lo = (rng.next() % (mr as u64 / 2 + 1)) as usize;
                    (lo, lo + (rng.next() % (mr - lo + 1) as u64) as usize)
                }
            };
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
            let t = InPlaceCase {
                mr,
                nr,
                a: &a,
                panel: &panel,
                kg,
                b: &b,
                case: format!("taps = {taps}, groups = {groups}, skip {skip}, even {even}, step {cw}"),
            };
            // SAFETY: every run of `a` lies in `input` (or is `zero`), cg
            // bytes; the CPU has the kernel's features (above).
            unsafe { check_in_place(&entries, &t, &[0, 1, 7, 8], &mut rng) };
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
                case: format!("strip, {}", t.case),
            };
            // SAFETY: as above (the strip's tiles are the same MR rows).
            unsafe { check_in_place(&strips, &st, &[0, 1, 7, 8], &mut rng) };
        }
    }
}
