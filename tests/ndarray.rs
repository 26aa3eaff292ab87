//! `lowp::ndarray` against the plain-slice API, over every kind of layout:
//! row- and column-major, transposed, padded sub-views, stepped and
//! negative strides, for inputs and outputs. Values are small integers, so
//! every f32 sum is exact and results must be equal whatever the path.
#![cfg(feature = "ndarray")]

use lowp::dot::Metric;
use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint};
use lowp::{sgemm, Context, MatMut, MatRef};
use ndarray::{s, Array2, ArrayView2, ShapeBuilder};

fn ctx() -> Context {
    Context::builder().threads(2).ignore_env().build().unwrap()
}

fn int_array(rows: usize, cols: usize, seed: i64) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        (((i as i64 * 7 + j as i64 * 3 + seed) % 9) - 4) as f32
    })
}

/// Every way to present `x` (logically the same matrix) as a view:
/// owned arrays in both orders, and views with gaps, steps, reversals.
/// A name, the array holding the data, and how to view it.
type Layout<T> = (
    &'static str,
    Array2<T>,
    Box<dyn Fn(&Array2<T>) -> ArrayView2<'_, T>>,
);

fn layouts<T: Clone + Default>(x: &Array2<T>) -> Vec<Layout<T>> {
    let (r, c) = x.dim();
    let fortran = {
        let mut f = Array2::<T>::default((r, c).f());
        f.assign(x);
        f
    };
    let mut padded = Array2::<T>::default((r, c + 3));
    padded.slice_mut(s![.., ..c]).assign(x);
    let mut stepped = Array2::<T>::default((2 * r, c));
    stepped.slice_mut(s![..;2, ..]).assign(x);
    let mut reversed = Array2::<T>::default((r, c));
    reversed.slice_mut(s![..;-1, ..]).assign(x);
    let transposed = x.t().to_owned();
    vec![
        ("row-major", x.clone(), Box::new(|a| a.view())),
        ("col-major", fortran, Box::new(|a| a.view())),
        ("transposed", transposed, Box::new(|a| a.t())),
        ("padded", padded, Box::new(move |a| a.slice(s![.., ..c]))),
        ("stepped", stepped, Box::new(|a| a.slice(s![..;2, ..]))),
        ("reversed", reversed, Box::new(|a| a.slice(s![..;-1, ..]))),
    ]
}

#[test]
fn sgemm_on_every_layout_equals_the_slice_api() {
    let ctx = ctx();
    let (m, k, n) = (23, 41, 19);
    let (a, b, c0) = (int_array(m, k, 1), int_array(k, n, 2), int_array(m, n, 3));
    let mut want = c0.as_standard_layout().into_owned();
    sgemm(
        &ctx,
        2.0,
        MatRef::row_major(a.as_slice().unwrap(), m, k).unwrap(),
        MatRef::row_major(b.as_slice().unwrap(), k, n).unwrap(),
        0.5,
        MatMut::row_major(want.as_slice_mut().unwrap(), m, n).unwrap(),
    )
    .unwrap();
    for (na, sa, va) in layouts(&a) {
        for (nb, sb, vb) in layouts(&b) {
            for (nc, mut sc, _) in layouts(&c0) {
                // The output, laid out as `nc` says.
                let mut out = match nc {
                    "transposed" => sc.view_mut().reversed_axes(),
                    "padded" => sc.slice_mut(s![.., ..n]),
                    "stepped" => sc.slice_mut(s![..;2, ..]),
                    "reversed" => sc.slice_mut(s![..;-1, ..]),
                    _ => sc.view_mut(),
                };
                lowp::ndarray::sgemm(&ctx, 2.0, va(&sa), vb(&sb), 0.5, out.view_mut()).unwrap();
                assert_eq!(out, want, "a {na}, b {nb}, c {nc}");
            }
        }
    }
    // Shapes are still checked, naming the operands.
    let mut c = Array2::<f32>::zeros((m, n + 1));
    let e = lowp::ndarray::sgemm(&ctx, 1.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap_err();
    assert!(e.to_string().contains('c'), "{e}");
}

#[test]
fn igemm_on_every_layout_equals_the_slice_api() {
    let ctx = ctx();
    let (m, k, n) = (9, 70, 37);
    let a: Array2<u8> = Array2::from_shape_fn((m, k), |(i, j)| (i * 31 + j * 17) as u8);
    let w: Array2<i8> = Array2::from_shape_fn((k, n), |(i, j)| (i * 13 + j * 29) as u8 as i8);
    let packed = PackedI8Weights::pack(
        &ctx,
        MatRef::row_major(w.as_slice().unwrap(), k, n).unwrap(),
        WeightZeroPoint::PerTensor(3),
        PackOptions::default(),
    )
    .unwrap();
    let mut want = vec![0i32; m * n];
    igemm(
        &ctx,
        MatRef::row_major(a.as_slice().unwrap(), m, k).unwrap(),
        100,
        &packed,
        Output::S32 {
            c: MatMut::row_major(&mut want, m, n).unwrap(),
            accumulate: false,
        },
    )
    .unwrap();
    let want = Array2::from_shape_vec((m, n), want).unwrap();
    for (nw, sw, vw) in layouts(&w) {
        let p = lowp::ndarray::pack_weights(
            &ctx,
            vw(&sw),
            WeightZeroPoint::PerTensor(3),
            PackOptions::default(),
        )
        .unwrap();
        for (na, sa, va) in layouts(&a) {
            let mut c = Array2::<i32>::zeros((n, m));
            lowp::ndarray::igemm_s32(&ctx, va(&sa), 100, &p, c.view_mut().reversed_axes(), false).unwrap();
            assert_eq!(c.t(), want, "w {nw}, a {na}");
            let mut c = Array2::<i32>::zeros((m, n + 2));
            lowp::ndarray::igemm_s32(&ctx, va(&sa), 100, &p, c.slice_mut(s![.., 1..n + 1]), false).unwrap();
            assert_eq!(c.slice(s![.., 1..n + 1]), want, "w {nw}, a {na}, padded c");
            assert!(c.column(0).iter().chain(c.column(n + 1)).all(|&v| v == 0));
        }
    }
    // Requantized output through the same views.
    let mut y_want = vec![0u8; m * n];
    let rq = Requantize::new(Scale::PerTensor(0.01), 5);
    igemm(
        &ctx,
        MatRef::row_major(a.as_slice().unwrap(), m, k).unwrap(),
        100,
        &packed,
        Output::U8 {
            c: MatMut::row_major(&mut y_want, m, n).unwrap(),
            requantize: rq,
        },
    )
    .unwrap();
    let mut y = Array2::<u8>::zeros((m, n).f());
    lowp::ndarray::igemm_u8(&ctx, a.view(), 100, &packed, y.view_mut(), rq).unwrap();
    assert_eq!(y, Array2::from_shape_vec((m, n), y_want).unwrap());
}

#[test]
fn scans_on_every_layout_equal_the_slice_api() {
    let ctx = ctx();
    let (rows, d) = (300, 24);
    let db: Array2<i8> = Array2::from_shape_fn((rows, d), |(i, j)| ((i * 7 + j * 11) % 255) as u8 as i8);
    let query: Vec<i8> = (0..d).map(|j| (j as i8) - 12).collect();
    let want = lowp::dot::scan_top_k(
        &ctx,
        &query,
        MatRef::row_major(db.as_slice().unwrap(), rows, d).unwrap(),
        Metric::InnerProduct,
        10,
    )
    .unwrap();
    let mut want_scores = vec![0i32; rows];
    lowp::dot::scan_scores(
        &ctx,
        &query,
        MatRef::row_major(db.as_slice().unwrap(), rows, d).unwrap(),
        Metric::InnerProduct,
        &mut want_scores,
    )
    .unwrap();
    let queries = Array2::from_shape_fn((3, d), |(_, j)| query[j]);
    for (name, s, v) in layouts(&db) {
        let got = lowp::ndarray::scan_top_k(&ctx, &query, v(&s), Metric::InnerProduct, 10).unwrap();
        assert_eq!(got, want, "{name}");
        let mut scores = vec![0i32; rows];
        lowp::ndarray::scan_scores(&ctx, &query, v(&s), Metric::InnerProduct, &mut scores).unwrap();
        assert_eq!(scores, want_scores, "{name}");
        let many =
            lowp::ndarray::scan_many_top_k(&ctx, queries.t().t(), v(&s), Metric::InnerProduct, 10).unwrap();
        assert!(many.iter().all(|l| *l == want), "{name}");
    }
}
