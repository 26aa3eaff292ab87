//! Every usable kernel set (the widening fallbacks included, which a CPU
//! with AVX512-BF16 never selects) against the scalar set, bit for bit. The
//! scalar set is checked against the oracle crate (which this
//! crate's unit tests cannot link) by `tests/gemm_bf16.rs` at the `Scalar`
//! level, so every set matches the oracle.

use super::*;
use crate::Isa;

/// The scalar kernel set, single-threaded: the reference of these tests.
fn want_gemm(a: MatRef<'_, bf16>, b: MatRef<'_, bf16>, alpha: f32, beta: f32, c: &mut [f32]) {
    let ctx = Context::builder().threads(1).build().unwrap();
    let scalar = every_kernel()[0];
    assert_eq!(scalar.isa(), Isa::Scalar);
    let (m, n) = (a.rows(), b.cols());
    gemm_bf16_with(
        &ctx,
        &scalar,
        alpha,
        a,
        b,
        beta,
        MatMut::row_major(c, m, n).unwrap(),
    )
    .unwrap();
}

/// Random bf16 with every class mixed in (normal, subnormal, ±0, ±Inf, NaN,
/// and large magnitudes that cancel).
fn values(n: usize, seed: u64, specials: bool) -> Vec<bf16> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let r = s >> 40;
            match (specials, r % 64) {
                (true, 0) => bf16::NAN,
                (true, 1) => bf16::INFINITY,
                (true, 2) => bf16::NEG_INFINITY,
                (true, 3..=6) => bf16::from_bits((r >> 8) as u16 & 0x807f),
                (true, 7) => bf16::NEG_ZERO,
                (true, 8..=10) => bf16::from_f32(((r >> 8) % 255) as f32 * 2f32.powi(-126)),
                (true, 11..=13) => bf16::from_bits((r as u16 & 0x807f) | ((170 + (r >> 8) % 8) as u16) << 7),
                (true, 14..=15) => bf16::from_f32(((r >> 8) % 2001) as f32 / 64.0),
                // Full significands, exponents 2^-9..2^9: sums that round,
                // so the order of the additions shows.
                _ => bf16::from_bits((r as u16 & 0x807f) | ((118 + (r >> 8) % 19) as u16) << 7),
            }
        })
        .collect()
}

/// Bits, with every NaN the same (payloads are not part of the promise).
fn bits(x: &[f32]) -> Vec<u32> {
    x.iter()
        .map(|v| if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() })
        .collect()
}

fn check(kern: &GemmBf16Kernels, threads: usize, (m, k, n): (usize, usize, usize), specials: bool) {
    let ctx = Context::builder().threads(threads).build().unwrap();
    let a = values(m * k, 7 + (m * k) as u64, specials);
    let b = values(k * n, 11 + n as u64, specials);
    let c0: Vec<f32> = values(m * n, 3, false).iter().map(|x| x.to_f32()).collect();
    for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-1.5, 0.25)] {
        let mut want = c0.clone();
        let mut got = c0.clone();
        want_gemm(
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            alpha,
            beta,
            &mut want,
        );
        gemm_bf16_with(
            &ctx,
            kern,
            alpha,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            beta,
            MatMut::row_major(&mut got, m, n).unwrap(),
        )
        .unwrap();
        assert_eq!(
            bits(&got),
            bits(&want),
            "{} {m}x{k}x{n} α={alpha} β={beta}",
            kern.name()
        );
    }
}

fn every_kernel() -> Vec<GemmBf16Kernels> {
    GemmBf16Kernels::usable(Isa::best())
}

#[test]
fn every_kernel_matches_the_scalar_kernel_bit_for_bit() {
    for kern in every_kernel() {
        for shape in [
            (1, 1, 1),
            (3, 5, 7),
            (14, 32, 32),
            (17, 33, 45),
            (29, 64, 70),
            (40, 130, 97),
        ] {
            check(&kern, 1, shape, false);
            check(&kern, 1, shape, true);
        }
    }
}

/// Operands near 2^-63, so products and sums straddle the least normal f32
/// (2^-126) and the flushing of subnormal sums shows.
fn tiny(n: usize, seed: u64) -> Vec<bf16> {
    values(n, seed, false)
        .iter()
        .map(|x| bf16::from_bits((x.to_bits() & 0x807f) | (58 + x.to_bits() % 13) << 7))
        .collect()
}

#[test]
fn every_kernel_flushes_subnormal_sums_like_the_scalar_kernel() {
    let (m, k, n) = (17, 37, 45);
    let (a, b) = (tiny(m * k, 5), tiny(k * n, 9));
    let mut want = vec![0.0f32; m * n];
    let (av, bv) = (
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
    );
    want_gemm(av, bv, 1.0, 0.0, &mut want);
    let zeros = want.iter().filter(|x| **x == 0.0).count();
    assert!(
        zeros > 0 && zeros < m * n,
        "the data must make some sums subnormal, not all: {zeros}"
    );
    let ctx = Context::builder().threads(1).build().unwrap();
    for kern in every_kernel() {
        let mut got = vec![0.0f32; m * n];
        gemm_bf16_with(
            &ctx,
            &kern,
            1.0,
            av,
            bv,
            0.0,
            MatMut::row_major(&mut got, m, n).unwrap(),
        )
        .unwrap();
        assert_eq!(bits(&got), bits(&want), "{}", kern.name());
    }
}

#[test]
fn every_kernel_is_thread_count_invariant() {
    for kern in every_kernel() {
        check(&kern, 2, (70, 301, 90), true);
        check(&kern, 3, (70, 301, 90), false);
    }
}

#[test]
fn the_table_names_its_kernels() {
    let names: Vec<_> = every_kernel().iter().map(|k| k.name()).collect();
    assert_eq!(names[0], "gemm_bf16_4x8_scalar");
    if Isa::Avx512.is_available() {
        assert!(names.contains(&"gemm_bf16_8x32_avx512"));
    }
    if crate::cpu_features().avx512bf16 && Isa::Avx512.is_available() {
        assert_eq!(*names.last().unwrap(), "gemm_bf16_14x32_avx512bf16");
        let listed = every_kernel().last().unwrap().names();
        assert!(listed.contains(&("gemm_bf16_small_m", "gemm_bf16_stream_16x32_avx512bf16")));
    }
}

#[test]
fn every_conversion_kernel_rounds_like_the_scalar_one() {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut src: Vec<f32> = (0..4099)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            f32::from_bits(s as u32)
        })
        .collect();
    src.extend([
        0.0,
        -0.0,
        1e-40,
        -1e-40,
        f32::INFINITY,
        f32::MAX,
        1.0 + 1.0 / 256.0,
        f32::NAN,
    ]);
    for kern in every_kernel() {
        for n in [0, 1, 15, 16, 17, src.len()] {
            let mut got = vec![0u16; n];
            // SAFETY: both buffers hold n elements; the kernel is usable here.
            unsafe { (kern.to_bf16)(src.as_ptr(), got.as_mut_ptr(), n) };
            for (i, (&g, &x)) in got.iter().zip(&src).enumerate() {
                let w = bf16::from_bits(lowp_kernels::scalar::convert_f32_to_bf16::f32_to_bf16_rne(x));
                let same = g == w.to_bits() || (w.is_nan() && bf16::from_bits(g).is_nan());
                assert!(
                    same,
                    "{}: [{i}] {x:e} → {g:04x}, want {:04x}",
                    kern.name(),
                    w.to_bits()
                );
            }
            let mut back = vec![0f32; n];
            // SAFETY: as above.
            unsafe { (kern.to_f32)(got.as_ptr(), back.as_mut_ptr(), n) };
            for (&g, &f) in got.iter().zip(&back) {
                assert_eq!(f.to_bits(), bf16::from_bits(g).to_f32().to_bits());
            }
        }
    }
}

/// Spread rows keep the tile count MR needs, never exceed MR, and leave
/// no tile more than one row shorter than the others (but the last).
#[test]
fn balanced_mr_spreads_rows_over_as_many_tiles_as_mr_needs() {
    assert_eq!(kernels::balanced_mr(128, 14), 13);
    assert_eq!(kernels::balanced_mr(256, 14), 14);
    assert_eq!(kernels::balanced_mr(1024, 14), 14);
    for mr in [4, 8, 14] {
        for m in 1..400 {
            let b = kernels::balanced_mr(m, mr);
            assert!((1..=mr).contains(&b), "m {m} mr {mr}: {b}");
            assert_eq!(m.div_ceil(b), m.div_ceil(mr), "m {m} mr {mr}: {b}");
            let last = m - (m.div_ceil(b) - 1) * b;
            assert!(last + m.div_ceil(b) > b, "m {m} mr {mr}: {b}, last {last}");
        }
    }
}

/// The levels' A panel packers lay out the panels the element-wise packer
/// does, subnormals flushed alike: every row count up to 16, depths around
/// the 16-pair blocks, a block's short last panel, a row stride past K.
#[test]
fn every_a_panel_packer_matches_the_element_wise_packer() {
    for f in every_kernel().iter().filter_map(|k| k.pack_a_rows) {
        for (mr, m, k) in [
            (14, 14, 32),
            (14, 30, 4),
            (16, 16, 64),
            (8, 13, 34),
            (1, 3, 30),
            (14, 29, 1000),
        ] {
            let lda = k + 6;
            let a = values(m * lda, (mr * 1000 + k) as u64, true);
            let a = MatRef::new(&a, m, k, lda, 1).unwrap();
            for (rows, ks) in [(0..m, 0..k), (1..m, 2..k)] {
                let len = rows.len().div_ceil(mr) * mr * ks.len();
                let (mut want, mut got) = (vec![bf16::from_bits(1); len], vec![bf16::from_bits(1); len]);
                pack::PackABf16(a, None).pack_a(&mut want, mr, rows.clone(), ks.clone());
                pack::PackABf16(a, Some(f)).pack_a(&mut got, mr, rows.clone(), ks.clone());
                let b = |v: &[bf16]| v.iter().map(|x| x.to_bits()).collect::<Vec<u16>>();
                assert_eq!(b(&got), b(&want), "mr {mr} m {m} k {k} rows {rows:?} ks {ks:?}");
            }
        }
    }
}
