//! sgemm on every available ISA against the oracle (`lowp_reference::sgemm`).
//!
//! Error bound (stated per element): the oracle sums in f64, so a kernel's
//! error is its own f32 rounding: |C − C_ref| ≤ (k + 4)·ε·(|α|·Σ_p|a_ip||b_pj| + |β|·|c_ij|) + tiny,
//! with ε = f32::EPSILON (2⁻²³), the standard bound for a dot product of
//! length k plus the α/β updates (one rounding each, ×2 for the β·C product
//! and the per-K-block updates).

use lowp::{sgemm, sgemm_packed, CacheSizes, Context, Isa, MatMut, MatRef, PackedB};
use proptest::prelude::*;

/// A strided layout for an `r × c` operand.
#[derive(Clone, Copy, Debug)]
enum Layout {
    RowMajor,
    ColMajor,
    /// Row-major with a padded leading dimension.
    PaddedRow(usize),
    /// Column-major with padding.
    PaddedCol(usize),
    /// Neither stride 1 (row stride, column stride multipliers).
    Strided,
}

impl Layout {
    fn strides(self, r: usize, c: usize) -> (usize, usize) {
        match self {
            Layout::RowMajor => (c.max(1), 1),
            Layout::ColMajor => (1, r.max(1)),
            Layout::PaddedRow(p) => (c + p, 1),
            Layout::PaddedCol(p) => (1, r + p),
            Layout::Strided => (2 * c.max(1) + 1, 2),
        }
    }
    fn len(self, r: usize, c: usize) -> usize {
        let (rs, cs) = self.strides(r, c);
        if r == 0 || c == 0 {
            0
        } else {
            (r - 1) * rs + (c - 1) * cs + 1
        }
    }
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        3 => Just(Layout::RowMajor),
        2 => Just(Layout::ColMajor),
        1 => (1usize..5).prop_map(Layout::PaddedRow),
        1 => (1usize..5).prop_map(Layout::PaddedCol),
        1 => Just(Layout::Strided),
    ]
}

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        2usize..8,
        prop::sample::select(vec![13, 14, 15, 16, 17, 31, 32, 33, 47, 61, 97]),
        1usize..130,
    ]
}

fn kdim() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        2usize..40,
        prop::sample::select(vec![127, 255, 256, 257, 300, 521]),
    ]
}

fn scalar() -> impl Strategy<Value = f32> {
    prop_oneof![Just(0.0f32), Just(1.0), Just(-1.0), -2.0f32..2.0]
}

/// Deterministic pseudo-random values in [-1, 1) (some exact zeros).
fn fill(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect()
}

/// Every available ISA × {1, 3} threads × {default caches, tiny caches}.
/// Tiny caches (4 KiB L1, 16 KiB L2) force the packed, blocked path with
/// several KC / MC / NC blocks even for the small shapes proptest draws.
fn contexts() -> Vec<(Isa, usize, Context)> {
    let tiny = CacheSizes {
        l1d: 4 << 10,
        l2: 16 << 10,
        l3: 64 << 10,
    };
    let mut v = Vec::new();
    for isa in Isa::available() {
        for t in [1, 3] {
            for caches in [None, Some(tiny)] {
                let mut builder = Context::builder().max_isa(isa).threads(t);
                if let Some(caches) = caches {
                    builder = builder.cache_sizes(caches);
                }
                v.push((isa, t, builder.build().unwrap()));
            }
        }
    }
    v
}

/// One sgemm problem: shape, operand layouts, scalars and the data seed.
#[derive(Clone, Copy, Debug)]
struct Problem {
    m: usize,
    n: usize,
    k: usize,
    la: Layout,
    lb: Layout,
    lc: Layout,
    alpha: f32,
    beta: f32,
    seed: u64,
}

/// `(m, n, k, la, lb, lc, alpha, beta, seed)`, the order of the fields.
type ProblemTuple = (usize, usize, usize, Layout, Layout, Layout, f32, f32, u64);

impl From<ProblemTuple> for Problem {
    fn from((m, n, k, la, lb, lc, alpha, beta, seed): ProblemTuple) -> Problem {
        Problem {
            m,
            n,
            k,
            la,
            lb,
            lc,
            alpha,
            beta,
            seed,
        }
    }
}

impl Problem {
    /// This problem on `ctx` (B prepacked when `packed`) against the
    /// oracle, within the bound stated at the top; C's padding untouched.
    fn check(&self, ctx: &Context, what: &str, packed: bool) {
        let (m, n, k, seed) = (self.m, self.n, self.k, self.seed);
        let (la, lb, lc, alpha, beta) = (self.la, self.lb, self.lc, self.alpha, self.beta);
        let (rsa, csa) = la.strides(m, k);
        let (rsb, csb) = lb.strides(k, n);
        let (rsc, csc) = lc.strides(m, n);
        let a = fill(la.len(m, k), seed);
        let b = fill(lb.len(k, n), seed + 1);
        let mut c = fill(lc.len(m, n), seed + 2);
        if beta == 0.0 {
            // Poison: β = 0 must not read C.
            c.iter_mut().for_each(|x| *x = f32::NAN);
        }
        let c0 = c.clone();
        let mut want = c.clone();
        let av = MatRef::new(&a, m, k, rsa, csa).unwrap();
        let bv = MatRef::new(&b, k, n, rsb, csb).unwrap();
        lowp_reference::sgemm::sgemm(
            alpha,
            av,
            bv,
            beta,
            MatMut::new(&mut want, m, n, rsc, csc).unwrap(),
        )
        .unwrap();
        if packed {
            let pb = PackedB::<f32>::new(ctx, bv).unwrap();
            sgemm_packed(
                ctx,
                alpha,
                av,
                &pb,
                beta,
                MatMut::new(&mut c, m, n, rsc, csc).unwrap(),
            )
            .unwrap();
        } else {
            sgemm(
                ctx,
                alpha,
                av,
                bv,
                beta,
                MatMut::new(&mut c, m, n, rsc, csc).unwrap(),
            )
            .unwrap();
        }
        let eps = f32::EPSILON as f64;
        for i in 0..m {
            for j in 0..n {
                let idx = i * rsc + j * csc;
                let abs: f64 = (0..k)
                    .map(|p| (a[i * rsa + p * csa] as f64 * b[p * rsb + j * csb] as f64).abs())
                    .sum();
                let cabs = if beta == 0.0 {
                    0.0
                } else {
                    (beta as f64 * c0[idx] as f64).abs()
                };
                let bound = (k as f64 + 4.0) * eps * (alpha.abs() as f64 * abs + cabs) + 1e-30;
                let err = (c[idx] as f64 - want[idx] as f64).abs();
                assert!(
                    err <= bound,
                    "{what} {}: m={m} n={n} k={k} {la:?}/{lb:?}/{lc:?} α={alpha} β={beta}: C[{i},{j}] = {} want {} (err {err:e} > bound {bound:e})",
                    ctx.kernels().sgemm.name(),
                    c[idx],
                    want[idx]
                );
            }
        }
        // Elements of C's buffer outside the view are untouched.
        let mut inside = vec![false; c.len()];
        for i in 0..m {
            for j in 0..n {
                inside[i * rsc + j * csc] = true;
            }
        }
        for (idx, (&x, &x0)) in c.iter().zip(&c0).enumerate() {
            if !inside[idx] {
                assert!(
                    x.to_bits() == x0.to_bits(),
                    "{what}: padding element {idx} of C was written"
                );
            }
        }
    }
}

/// Problems with M from `m` and B's layout from `lb`, the rest drawn from
/// `dim`, `kdim`, `layout` and `scalar`.
fn problems(
    m: impl Strategy<Value = usize>,
    lb: impl Strategy<Value = Layout>,
) -> impl Strategy<Value = Problem> {
    (
        m,
        dim(),
        kdim(),
        layout(),
        lb,
        layout(),
        scalar(),
        scalar(),
        any::<u64>(),
    )
        .prop_map(Problem::from)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn sgemm_matches_oracle_on_every_isa(p in problems(dim(), layout())) {
        for (isa, t, ctx) in contexts() {
            p.check(&ctx, &format!("{isa}/{t}t"), false);
        }
    }

    #[test]
    fn sgemm_packed_matches_oracle_on_every_isa(p in problems(dim(), layout())) {
        for (isa, t, ctx) in contexts() {
            p.check(&ctx, &format!("{isa}/{t}t packed"), true);
        }
    }

    #[test]
    fn gemv_shapes_match_oracle(
        p in problems(prop_oneof![1usize..=5, 13usize..=17], Just(Layout::RowMajor)),
    ) {
        for (isa, t, ctx) in contexts() {
            p.check(&ctx, &format!("{isa}/{t}t gemv"), false);
            let col_major_b = Problem { lb: Layout::ColMajor, ..p };
            col_major_b.check(&ctx, &format!("{isa}/{t}t gemv packed"), true);
        }
    }
}

/// The small-M and GEMV paths on every ISA: the B-streaming kernels
/// (5..=16 rows, row-major B, K over several of their 512-deep blocks, N
/// with partial 16/32-column strips), the row-sweep kernels (1..=4 rows,
/// row-major B, K not a multiple of their 4 rows) and the dot scans
/// (1..=4 rows, column-major B), with plain and padded layouts.
#[test]
fn small_m_and_gemv_paths_match_oracle() {
    let shapes = [
        (5, 47, 600),
        (8, 64, 1030),
        (9, 33, 7),
        (12, 100, 515),
        (16, 16, 1),
        (16, 129, 600),
        (1, 1, 9),
        (1, 100, 1027),
        (2, 15, 6),
        (2, 200, 77),
        (3, 257, 301),
        (4, 33, 1030),
    ];
    for (isa, t, ctx) in contexts() {
        for &(m, n, k) in &shapes {
            for (lb, lc) in [
                (Layout::RowMajor, Layout::RowMajor),
                (Layout::PaddedRow(3), Layout::PaddedRow(2)),
                (Layout::ColMajor, Layout::RowMajor),
                (Layout::PaddedCol(5), Layout::Strided),
            ] {
                for (alpha, beta) in [(1.0, 0.0), (-0.5, 1.0), (2.0, 0.25)] {
                    let seed = (m * 1000 + n + k) as u64;
                    let p = Problem::from((m, n, k, Layout::RowMajor, lb, lc, alpha, beta, seed));
                    p.check(&ctx, &format!("{isa}/{t}t small-m"), false);
                    // 1-3 rows: two prepacked panels a kernel call.
                    p.check(&ctx, &format!("{isa}/{t}t small-m packed"), true);
                }
            }
            let (la, lb, lc) = (Layout::ColMajor, Layout::ColMajor, Layout::RowMajor);
            let p = Problem::from((m, n, k, la, lb, lc, 1.0, 0.0, 3));
            p.check(&ctx, &format!("{isa}/{t}t small-m A col-major"), false);
        }
    }
}

/// Large K (several KC blocks), large enough to be threaded, every ISA.
#[test]
fn large_k_and_threaded_shapes() {
    for (isa, t, ctx) in contexts() {
        // 29, 31, 17 rows: 1 to 3 rows under the last full AVX-512 panel,
        // run two B panels at a time (with an odd panel left over at n = 200).
        for &(m, n, k) in &[
            (67, 129, 1100),
            (3, 700, 2000),
            (200, 45, 600),
            (16, 300, 700),
            (29, 200, 600),
            (31, 256, 300),
            (17, 96, 1100),
            // A read in place over a prepacked B in three K blocks (rows
            // 9216 bytes apart), and rows 4 KiB apart (A packed instead).
            (60, 200, 2304),
            (40, 100, 1024),
        ] {
            let row_major = Problem {
                m,
                n,
                k,
                la: Layout::RowMajor,
                lb: Layout::RowMajor,
                lc: Layout::RowMajor,
                alpha: 1.5,
                beta: 0.5,
                seed: 7,
            };
            let mixed = Problem {
                la: Layout::ColMajor,
                lb: Layout::Strided,
                lc: Layout::ColMajor,
                alpha: -1.0,
                beta: 0.0,
                seed: 8,
                ..row_major
            };
            for packed in [false, true] {
                row_major.check(&ctx, &format!("{isa}/{t}t"), packed);
                mixed.check(&ctx, &format!("{isa}/{t}t"), packed);
            }
        }
    }
}

/// The same bits for every thread count (same K order), on every ISA.
#[test]
fn results_do_not_depend_on_thread_count() {
    for isa in Isa::available() {
        // Blocked, GEMV (row sweep), small-M (B streaming), and GEMV with a
        // column-major B (dot scans).
        for &(m, n, k, bt) in &[
            (300, 260, 700, false),
            // 1 to 3 short rows with one thread (paired B panels), others
            // with more: the pairing must not change the bits.
            (30, 200, 300, false),
            (17, 256, 700, false),
            (2, 1000, 900, false),
            (40, 1000, 300, false),
            (12, 1000, 700, false),
            (3, 1000, 900, true),
        ] {
            let a = fill(m * k, 1);
            let b = fill(k * n, 2);
            let mut outs = Vec::new();
            for t in [1, 2, 3, 5] {
                let ctx = Context::builder().max_isa(isa).threads(t).build().unwrap();
                let mut c = fill(m * n, 3);
                let bv = if bt {
                    MatRef::col_major(&b, k, n).unwrap()
                } else {
                    MatRef::row_major(&b, k, n).unwrap()
                };
                sgemm(
                    &ctx,
                    0.7,
                    MatRef::row_major(&a, m, k).unwrap(),
                    bv,
                    0.3,
                    MatMut::row_major(&mut c, m, n).unwrap(),
                )
                .unwrap();
                outs.push(c.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
            assert!(
                outs.windows(2).all(|w| w[0] == w[1]),
                "{isa} {m}x{n}x{k}: thread count changed the bits"
            );
        }
    }
}

#[test]
fn beta_zero_ignores_nan_in_c_and_k_zero_scales() {
    for (_, _, ctx) in contexts() {
        let a = fill(20 * 30, 4);
        let b = fill(30 * 40, 5);
        let mut c = vec![f32::NAN; 20 * 40];
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a, 20, 30).unwrap(),
            MatRef::row_major(&b, 30, 40).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 20, 40).unwrap(),
        )
        .unwrap();
        assert!(c.iter().all(|x| x.is_finite()));
        // k = 0: C ← β·C.
        let mut c = vec![2.0f32; 6];
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&[], 2, 0).unwrap(),
            MatRef::row_major(&[], 0, 3).unwrap(),
            0.5,
            MatMut::row_major(&mut c, 2, 3).unwrap(),
        )
        .unwrap();
        assert_eq!(c, vec![1.0; 6]);
        let mut c = vec![f32::NAN; 6];
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&[], 2, 0).unwrap(),
            MatRef::row_major(&[], 0, 3).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 2, 3).unwrap(),
        )
        .unwrap();
        assert_eq!(c, vec![0.0; 6]);
        // m = 0 or n = 0: nothing happens.
        let mut c: Vec<f32> = vec![];
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a, 0, 30).unwrap(),
            MatRef::row_major(&b, 30, 40).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 0, 40).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn bad_shapes_and_foreign_packing_are_errors() {
    let ctx = Context::builder().threads(1).build().unwrap();
    let v = vec![0.0f32; 100];
    let mut c = vec![0.0f32; 100];
    let e = sgemm(
        &ctx,
        1.0,
        MatRef::row_major(&v, 3, 4).unwrap(),
        MatRef::row_major(&v, 5, 2).unwrap(),
        0.0,
        MatMut::row_major(&mut c, 3, 2).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(e, lowp::Error::ShapeMismatch { .. }) && e.to_string().contains("3x4"),
        "{e}"
    );
    let pb = PackedB::<f32>::new(&ctx, MatRef::row_major(&v, 4, 5).unwrap()).unwrap();
    let e = sgemm_packed(
        &ctx,
        1.0,
        MatRef::row_major(&v, 3, 4).unwrap(),
        &pb,
        0.0,
        MatMut::row_major(&mut c, 3, 4).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(e, lowp::Error::ShapeMismatch { .. }), "{e}");
    let levels = Isa::available();
    if levels.len() > 1 {
        let other = Context::builder().max_isa(levels[0]).threads(1).build().unwrap();
        let e = sgemm_packed(
            &other,
            1.0,
            MatRef::row_major(&v, 3, 4).unwrap(),
            &pb,
            0.0,
            MatMut::row_major(&mut c, 3, 5).unwrap(),
        )
        .unwrap_err();
        assert!(matches!(e, lowp::Error::LayoutMismatch { arg: "b", .. }), "{e}");
    }
}

/// `lowp::raw::sgemm` with alpha 1, beta 0 of the dense row-major `a`
/// (`m×k`) and `b` (`k×n`) into the C whose element (i, j) is
/// `c[i·rsc + j]`.
///
/// # Safety
/// `c[i·rsc + j]` valid for writes for `i < m`, `j < n`.
unsafe fn raw_dense_ab(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: *mut f32, rsc: isize) {
    assert!(a.len() >= m * k && b.len() >= k * n);
    let (rsa, rsb) = (k as isize, n as isize);
    // SAFETY: A and B dense and in bounds (asserted), C as the caller says.
    unsafe {
        lowp::raw::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            1,
            b.as_ptr(),
            rsb,
            1,
            0.0,
            c,
            rsc,
            1,
        )
    }
}

#[test]
fn raw_entry_matches_safe_api_including_negative_strides() {
    let (m, k, n) = (9, 17, 35);
    let a = fill(m * k, 11);
    let b = fill(k * n, 12);
    let mut want = vec![0.0f32; m * n];
    let ctx = lowp::raw::default_context();
    sgemm(
        ctx,
        1.0,
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
        0.0,
        MatMut::row_major(&mut want, m, n).unwrap(),
    )
    .unwrap();
    let mut c = vec![f32::NAN; m * n];
    // SAFETY: C dense row-major, m×n.
    unsafe { raw_dense_ab(m, k, n, &a, &b, c.as_mut_ptr(), n as isize) };
    assert_eq!(c, want);
    // C written bottom-up (negative row stride), B read right-to-left reversed twice = same.
    let mut c2 = vec![0.0f32; m * n];
    // SAFETY: element (i, j) of C is c2[(m-1-i)·n + j], all in bounds.
    unsafe { raw_dense_ab(m, k, n, &a, &b, c2.as_mut_ptr().add((m - 1) * n), -(n as isize)) };
    for i in 0..m {
        assert_eq!(&c2[(m - 1 - i) * n..(m - i) * n], &want[i * n..(i + 1) * n]);
    }
}
