//! The BF16 GEMM on every available ISA level and thread count against the
//! oracle (`lowp_reference::gemm_bf16`), bit for bit: the kernels follow
//! `vdpbf16ps` exactly, so the only freedom left is a NaN's payload (every
//! NaN compares equal here). The AVX512-BF16 kernel runs on the AVX-512
//! levels when the CPU has it; the widening fallbacks it displaces are
//! checked by the crate's unit tests (`gemm_bf16::tests`).

use half::bf16;
use lowp::{
    convert_bf16_to_f32, convert_f32_to_bf16, gemm_bf16, gemm_bf16_f32, gemm_bf16_packed, Context, Error,
    Isa, MatMut, MatRef, PackedB,
};
use lowp_reference as reference;
use proptest::prelude::*;

/// Every available level, with 1 and 3 threads.
fn contexts() -> Vec<(Isa, usize, Context)> {
    let mut v = Vec::new();
    for isa in Isa::available() {
        for t in [1, 3] {
            v.push((
                isa,
                t,
                Context::builder().max_isa(isa).threads(t).build().unwrap(),
            ));
        }
    }
    v
}

/// Row stride and column stride of an `r × c` operand: `(row-major?, pad)`.
fn strides((row_major, pad): (bool, usize), r: usize, c: usize) -> (usize, usize) {
    if row_major {
        (c.max(1) + pad, 1)
    } else {
        (1, r.max(1) + pad)
    }
}

fn len(l: (bool, usize), r: usize, c: usize) -> usize {
    let (rs, cs) = strides(l, r, c);
    if r == 0 || c == 0 {
        0
    } else {
        (r - 1) * rs + (c - 1) * cs + 1
    }
}

/// A bf16 of any class: mostly ordinary values, with subnormals, zeros of
/// both signs, ±Inf, NaN and huge values that cancel.
fn value() -> impl Strategy<Value = bf16> {
    prop_oneof![
        4 => (-1000i32..1000).prop_map(|x| bf16::from_f32(x as f32 / 64.0)),
        // Full significands, exponents 2^-9..2^9: sums that round.
        10 => (any::<u16>(), 118u16..137).prop_map(|(x, e)| bf16::from_bits((x & 0x807f) | e << 7)),
        2 => any::<u16>().prop_map(bf16::from_bits),
        1 => (any::<u16>()).prop_map(|x| bf16::from_bits(x & 0x807f)),
        1 => prop::sample::select(vec![bf16::NAN, bf16::INFINITY, bf16::NEG_INFINITY, bf16::NEG_ZERO, bf16::MAX]),
        1 => (any::<u16>(), 165u16..175).prop_map(|(x, e)| bf16::from_bits((x & 0x807f) | e << 7)),
    ]
}

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        1usize..6,
        prop::sample::select(vec![13, 14, 15, 17, 31, 32, 33, 47, 61, 97])
    ]
}

fn layout() -> impl Strategy<Value = (bool, usize)> {
    (any::<bool>(), prop_oneof![3 => Just(0usize), 1 => 1usize..4])
}

#[derive(Debug, Clone)]
struct Problem {
    m: usize,
    k: usize,
    n: usize,
    la: (bool, usize),
    lb: (bool, usize),
    lc: (bool, usize),
    a: Vec<bf16>,
    b: Vec<bf16>,
    c: Vec<f32>,
    alpha: f32,
    beta: f32,
}

fn problems() -> impl Strategy<Value = Problem> {
    (dim(), dim(), dim()).prop_flat_map(problem)
}

/// The shapes of the small-M streaming kernel (B prepacked, 1..=16 rows):
/// odd K, K past one and two of its 64-pair chunks, N not a multiple of
/// the 32-column panels.
fn small_m_problems() -> impl Strategy<Value = Problem> {
    (
        1usize..=16,
        prop_oneof![
            1usize..12,
            prop::sample::select(vec![127, 128, 129, 130, 255, 257, 300])
        ],
        prop_oneof![1usize..100, prop::sample::select(vec![32, 64, 96])],
    )
        .prop_flat_map(problem)
}

fn problem((m, k, n): (usize, usize, usize)) -> impl Strategy<Value = Problem> {
    (Just((m, k, n)), layout(), layout(), layout()).prop_flat_map(|((m, k, n), la, lb, lc)| {
        (
            prop::collection::vec(value(), len(la, m, k)),
            prop::collection::vec(value(), len(lb, k, n)),
            prop::collection::vec(value().prop_map(|x| x.to_f32()), len(lc, m, n)),
            prop::sample::select(vec![1.0f32, 0.0, -0.5, 3.25, f32::NAN]),
            prop::sample::select(vec![0.0f32, 1.0, -2.0, 0.125]),
        )
            .prop_map(move |(a, b, c, alpha, beta)| Problem {
                m,
                k,
                n,
                la,
                lb,
                lc,
                a,
                b,
                c,
                alpha,
                beta,
            })
    })
}

/// Bits, every NaN the same.
/// `len` bf16 values in [−10, 10.6], spread by a multiplicative hash of the
/// index and `seed` (large shapes, where proptest would be slow).
fn hashed(len: usize, seed: u32) -> Vec<bf16> {
    (0..len as u32)
        .map(|i| bf16::from_f32(((i.wrapping_mul(2654435761) ^ seed) % 2001) as f32 / 97.0 - 10.0))
        .collect()
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter()
        .map(|v| if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() })
        .collect()
}

impl Problem {
    fn a(&self) -> MatRef<'_, bf16> {
        let (rs, cs) = strides(self.la, self.m, self.k);
        MatRef::new(&self.a, self.m, self.k, rs, cs).unwrap()
    }
    fn b(&self) -> MatRef<'_, bf16> {
        let (rs, cs) = strides(self.lb, self.k, self.n);
        MatRef::new(&self.b, self.k, self.n, rs, cs).unwrap()
    }
    fn c<'a>(&self, c: &'a mut [f32]) -> MatMut<'a, f32> {
        let (rs, cs) = strides(self.lc, self.m, self.n);
        MatMut::new(c, self.m, self.n, rs, cs).unwrap()
    }
    fn want(&self) -> Vec<f32> {
        let mut c = self.c.clone();
        reference::gemm_bf16::gemm_bf16(self.alpha, self.a(), self.b(), self.beta, self.c(&mut c)).unwrap();
        c
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn gemm_bf16_matches_the_oracle_bit_for_bit_on_every_isa(p in problems()) {
        let want = bits(&p.want());
        for (isa, t, ctx) in contexts() {
            let mut got = p.c.clone();
            gemm_bf16(&ctx, p.alpha, p.a(), p.b(), p.beta, p.c(&mut got)).unwrap();
            prop_assert_eq!(&bits(&got), &want, "{}/{}t", isa, t);
        }
    }

    #[test]
    fn gemm_bf16_packed_matches_the_oracle_bit_for_bit_on_every_isa(p in problems()) {
        let want = bits(&p.want());
        for (isa, t, ctx) in contexts() {
            let packed = PackedB::<bf16>::new(&ctx, p.b()).unwrap();
            let mut got = p.c.clone();
            gemm_bf16_packed(&ctx, p.alpha, p.a(), &packed, p.beta, p.c(&mut got)).unwrap();
            prop_assert_eq!(&bits(&got), &want, "{}/{}t packed", isa, t);
        }
    }

    #[test]
    fn small_m_packed_matches_the_oracle_bit_for_bit_on_every_isa(p in small_m_problems()) {
        let want = bits(&p.want());
        for (isa, t, ctx) in contexts() {
            let packed = PackedB::<bf16>::new(&ctx, p.b()).unwrap();
            let mut got = p.c.clone();
            gemm_bf16_packed(&ctx, p.alpha, p.a(), &packed, p.beta, p.c(&mut got)).unwrap();
            prop_assert_eq!(&bits(&got), &want, "{}/{}t {}x{}x{}", isa, t, p.m, p.k, p.n);
        }
    }

    /// B given unpacked: packed per call a few panels at a time for the
    /// streaming kernel (8..=16 rows), by the row-pair packer where the
    /// level has one.
    #[test]
    fn small_m_with_b_packed_per_call_matches_the_oracle_bit_for_bit_on_every_isa(p in small_m_problems()) {
        let want = bits(&p.want());
        for (isa, t, ctx) in contexts() {
            let mut got = p.c.clone();
            gemm_bf16(&ctx, p.alpha, p.a(), p.b(), p.beta, p.c(&mut got)).unwrap();
            prop_assert_eq!(&bits(&got), &want, "{}/{}t {}x{}x{}", isa, t, p.m, p.k, p.n);
        }
    }

    #[test]
    fn gemm_bf16_f32_is_converting_first(p in problems(), noise in any::<u16>()) {
        // f32 operands with low bits set, so the rounding matters.
        let widen = |x: &bf16| f32::from_bits(x.to_f32().to_bits() ^ u32::from(noise));
        let a32: Vec<f32> = p.a.iter().map(widen).collect();
        let b32: Vec<f32> = p.b.iter().map(widen).collect();
        let round = |v: &[f32]| v.iter().map(|&x| reference::gemm_bf16::f32_to_bf16(x)).collect::<Vec<_>>();
        let q = Problem { a: round(&a32), b: round(&b32), ..p.clone() };
        let want = bits(&q.want());
        let (ra, ca) = strides(p.la, p.m, p.k);
        let (rb, cb) = strides(p.lb, p.k, p.n);
        for (isa, t, ctx) in contexts() {
            let packed = PackedB::from_f32(&ctx, MatRef::new(&b32, p.k, p.n, rb, cb).unwrap()).unwrap();
            let mut got = p.c.clone();
            let a = MatRef::new(&a32, p.m, p.k, ra, ca).unwrap();
            gemm_bf16_f32(&ctx, p.alpha, a, &packed, p.beta, p.c(&mut got)).unwrap();
            prop_assert_eq!(&bits(&got), &want, "{}/{}t f32", isa, t);
        }
    }

    #[test]
    fn conversions_match_the_oracle_on_every_isa(x in prop::collection::vec(any::<u32>().prop_map(f32::from_bits), 0..100)) {
        for (isa, _, ctx) in contexts() {
            let mut h = vec![bf16::ZERO; x.len()];
            convert_f32_to_bf16(&ctx, &x, &mut h).unwrap();
            for (&g, &v) in h.iter().zip(&x) {
                let w = reference::gemm_bf16::f32_to_bf16(v);
                prop_assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()), "{}: {:e}", isa, v);
            }
            let mut back = vec![0f32; x.len()];
            convert_bf16_to_f32(&ctx, &h, &mut back).unwrap();
            for (&g, &f) in h.iter().zip(&back) {
                prop_assert_eq!(f.to_bits(), g.to_f32().to_bits());
            }
        }
    }
}

/// Deep K (several of the caches' K blocks, which the kernels must not
/// split) and shapes past one A block, on every level and thread count;
/// B blocks both narrow (packed in bands of row pairs) and wide (a pair of
/// rows at a time), A read in place (K even, short rows; rows up to an L1
/// apart, as 31×1000×40 and, C wider than 32 panels, 30×1000×1100; rows
/// spread over the tiles, as 128 = 9 × 13 + 11) and packed.
#[test]
fn deep_k_and_large_shapes_match_the_oracle() {
    for &(m, k, n) in &[
        (200, 2001, 70),
        (33, 4096, 65),
        (45, 300, 290),
        (17, 301, 160),
        (31, 1000, 40),
        (30, 1000, 1100),
        (128, 256, 96),
    ] {
        let (a, b) = (hashed(m * k, 1), hashed(k * n, 2));
        let a = MatRef::row_major(&a, m, k).unwrap();
        let b = MatRef::row_major(&b, k, n).unwrap();
        let mut want = vec![1.0f32; m * n];
        reference::gemm_bf16::gemm_bf16(0.5, a, b, 2.0, MatMut::row_major(&mut want, m, n).unwrap()).unwrap();
        for (isa, t, ctx) in contexts() {
            let mut got = vec![1.0f32; m * n];
            gemm_bf16(&ctx, 0.5, a, b, 2.0, MatMut::row_major(&mut got, m, n).unwrap()).unwrap();
            assert_eq!(bits(&got), bits(&want), "{isa}/{t}t {m}x{k}x{n}");
        }
    }
}

/// Two threads split M (the 2 × 1 grid) and each thread's rows pass one A
/// block at K = 1024 (the classic order, two A blocks a thread; the second
/// thread ends on a 2-row tile): B per call and prepacked, bit for bit.
#[test]
fn two_threads_with_several_a_blocks_each_match_the_oracle() {
    let (m, k, n) = (1026, 1024, 96);
    let (a, b) = (hashed(m * k, 3), hashed(k * n, 4));
    let a = MatRef::row_major(&a, m, k).unwrap();
    let b = MatRef::row_major(&b, k, n).unwrap();
    let mut want = vec![1.0f32; m * n];
    reference::gemm_bf16::gemm_bf16(1.0, a, b, 0.0, MatMut::row_major(&mut want, m, n).unwrap()).unwrap();
    for isa in Isa::available() {
        let ctx = Context::builder().max_isa(isa).threads(2).build().unwrap();
        let packed = PackedB::<bf16>::new(&ctx, b).unwrap();
        let mut got = vec![f32::NAN; m * n];
        gemm_bf16(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut got, m, n).unwrap()).unwrap();
        assert_eq!(bits(&got), bits(&want), "{isa}/2t per call");
        let mut got = vec![f32::NAN; m * n];
        gemm_bf16_packed(
            &ctx,
            1.0,
            a,
            &packed,
            0.0,
            MatMut::row_major(&mut got, m, n).unwrap(),
        )
        .unwrap();
        assert_eq!(bits(&got), bits(&want), "{isa}/2t prepacked");
    }
}

#[test]
fn errors_name_the_argument() {
    let ctx = Context::builder().threads(1).build().unwrap();
    let (a, b) = ([bf16::ONE; 6], [bf16::ONE; 6]);
    let mut c = [0.0f32; 4];
    let a23 = MatRef::row_major(&a, 2, 3).unwrap();
    let b23 = MatRef::row_major(&b, 2, 3).unwrap();
    let err = gemm_bf16(&ctx, 1.0, a23, b23, 0.0, MatMut::row_major(&mut c, 2, 2).unwrap()).unwrap_err();
    assert!(
        matches!(err, Error::ShapeMismatch { .. }) && err.to_string().contains("b is 2x3"),
        "{err}"
    );
    let mut short = [bf16::ZERO; 2];
    let err = convert_f32_to_bf16(&ctx, &[1.0; 3], &mut short).unwrap_err();
    assert!(err.to_string().contains("dst"), "{err}");
    // A B packed on another level is refused, naming b.
    let levels = Isa::available();
    if let [first, .., last] = levels[..] {
        let other = Context::builder().max_isa(first).threads(1).build().unwrap();
        let here = Context::builder().max_isa(last).threads(1).build().unwrap();
        let packed = PackedB::<bf16>::new(&other, MatRef::row_major(&b, 3, 2).unwrap()).unwrap();
        let err = gemm_bf16_packed(
            &here,
            1.0,
            a23,
            &packed,
            0.0,
            MatMut::row_major(&mut c, 2, 2).unwrap(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::LayoutMismatch { arg: "b", .. }), "{err}");
    }
}

/// Operands near 2^-67: products and sums straddle the least normal f32, so
/// the flushing of subnormal sums decides the bits, on every level.
#[test]
fn subnormal_sums_flush_on_every_isa() {
    let (m, k, n) = (20, 41, 35);
    let gen = |len: usize, s: u32| -> Vec<bf16> {
        (0..len as u32)
            .map(|i| {
                let h = i.wrapping_mul(2654435761) ^ s;
                bf16::from_bits((h as u16 & 0x807f) | (54 + (h >> 16) as u16 % 13) << 7)
            })
            .collect()
    };
    let (a, b) = (gen(m * k, 3), gen(k * n, 4));
    let (a, b) = (
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
    );
    let mut want = vec![0.0f32; m * n];
    reference::gemm_bf16::gemm_bf16(1.0, a, b, 0.0, MatMut::row_major(&mut want, m, n).unwrap()).unwrap();
    assert!(want.contains(&0.0) && want.iter().any(|x| *x != 0.0));
    for (isa, t, ctx) in contexts() {
        let mut got = vec![0.0f32; m * n];
        gemm_bf16(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut got, m, n).unwrap()).unwrap();
        assert_eq!(bits(&got), bits(&want), "{isa}/{t}t");
    }
}

/// Subnormal A elements read as zero where the `vdpbf16ps` tile reads A in
/// place (row-major, even K, short rows) as where it is packed (odd K): a
/// Subnormal B entries (both signs) are read as zero by every packer,
/// the row-pair packer of the small-M path (12 rows, B per call) and the
/// driver's (40 rows) included: against A = 2^100 they would otherwise give
/// normal products.
#[test]
fn subnormal_b_reads_as_zero_when_packed_per_call() {
    for &(m, k, n) in &[(12, 9, 70), (12, 64, 33), (40, 9, 70)] {
        let a = vec![bf16::from_f32(2f32.powi(100)); m * k];
        // Rows of B alternately subnormal and ones; the last row (odd K)
        // subnormal.
        let b: Vec<bf16> = (0..k * n)
            .map(|i| {
                let sub = (i / n) % 2 == 0;
                bf16::from_bits(match (sub, i % 3) {
                    (true, 0) => 0x0001 + i as u16 % 0x7f,
                    (true, _) => 0x8001 + i as u16 % 0x7f,
                    (false, _) => 0x3f80,
                })
            })
            .collect();
        let (a, b) = (
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
        );
        let mut want = vec![0.0f32; m * n];
        reference::gemm_bf16::gemm_bf16(1.0, a, b, 0.0, MatMut::row_major(&mut want, m, n).unwrap()).unwrap();
        assert_eq!(want[0], (k / 2) as f32 * 2f32.powi(100));
        for (isa, t, ctx) in contexts() {
            let mut got = vec![0.0f32; m * n];
            gemm_bf16(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut got, m, n).unwrap()).unwrap();
            assert_eq!(bits(&got), bits(&want), "{isa}/{t}t {m}x{k}x{n}");
        }
    }
}

/// subnormal times 2^100 would otherwise be a normal product.
#[test]
fn subnormal_inputs_read_as_zero_in_place_and_packed() {
    for &(m, k, n) in &[(15, 8, 40), (15, 9, 40)] {
        let a: Vec<bf16> = (0..m * k)
            // Even rows all subnormal (a normal product would survive the
            // sum there), odd rows ones.
            .map(|i| {
                bf16::from_bits(if (i / k) % 2 == 0 {
                    0x8001 + i as u16 % 0x7f
                } else {
                    0x3f80
                })
            })
            .collect();
        let b = vec![bf16::from_f32(2f32.powi(100)); k * n];
        let (a, b) = (
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
        );
        let mut want = vec![0.0f32; m * n];
        reference::gemm_bf16::gemm_bf16(1.0, a, b, 0.0, MatMut::row_major(&mut want, m, n).unwrap()).unwrap();
        assert!(want[..n].iter().all(|&x| x == 0.0) && want[n] != 0.0);
        for (isa, t, ctx) in contexts() {
            let mut got = vec![0.0f32; m * n];
            gemm_bf16(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut got, m, n).unwrap()).unwrap();
            assert_eq!(bits(&got), bits(&want), "{isa}/{t}t {m}x{k}x{n}");
        }
    }
}

/// `alpha = 1`, `beta = 0` (the tile stores its sums without the multiply
/// by alpha) and its neighbours, which must not take that store: `alpha = 1`
/// with `beta ≠ 0`, `alpha ≠ 1` with `beta = 0`. Full 14-row tiles with A
/// read in place (256³), A packed (odd K, padded rows, column-major), C
/// with padded rows or column-major; B packed per call and prepacked. C
/// starts as NaN, which `beta = 0` must not read.
#[test]
fn alpha_one_beta_zero_and_its_neighbours_match_the_oracle() {
    let gen = |len: usize, s: u32| -> Vec<bf16> {
        (0..len as u32)
            .map(|i| bf16::from_f32(((i.wrapping_mul(2654435761) ^ s) % 2001) as f32 / 97.0 - 10.0))
            .collect()
    };
    // (m, k, n, A layout, C layout): layouts as `strides` takes them.
    for &(m, k, n, la, lc) in &[
        (256, 256, 256, (true, 0), (true, 0)),
        (45, 301, 70, (true, 0), (true, 3)),
        (29, 64, 97, (true, 5), (false, 0)),
        (30, 33, 64, (false, 1), (true, 1)),
    ] {
        let lb = (true, 0);
        for &(alpha, beta) in &[(1.0f32, 0.0f32), (1.0, 1.0), (1.0, -2.0), (-1.0, 0.0), (2.0, 0.0)] {
            let c0 = if beta == 0.0 { f32::NAN } else { 0.75 };
            let p = Problem {
                m,
                k,
                n,
                la,
                lb,
                lc,
                a: gen(len(la, m, k), 5),
                b: gen(len(lb, k, n), 6),
                c: vec![c0; len(lc, m, n)],
                alpha,
                beta,
            };
            let want = p.want();
            // Every element of C finite (the padding between rows may not be).
            assert!(
                want.iter().filter(|x| x.is_finite()).count() >= m * n,
                "{m}x{k}x{n}"
            );
            for (isa, t, ctx) in contexts() {
                let packed = PackedB::<bf16>::new(&ctx, p.b()).unwrap();
                let mut got = p.c.clone();
                gemm_bf16(&ctx, alpha, p.a(), p.b(), beta, p.c(&mut got)).unwrap();
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{isa}/{t}t {m}x{k}x{n} α={alpha} β={beta}"
                );
                let mut got = p.c.clone();
                gemm_bf16_packed(&ctx, alpha, p.a(), &packed, beta, p.c(&mut got)).unwrap();
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "{isa}/{t}t {m}x{k}x{n} α={alpha} β={beta} packed"
                );
            }
        }
    }
}
