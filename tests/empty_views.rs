//! Calls with an empty output (N = 0 or M = 0) do nothing and succeed, as
//! the docs say: the dense constructors give such outputs a zero stride,
//! which an empty view may have (it addresses nothing, so cannot overlap).

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
use lowp::{sgemm, Context, MatMut, MatRef};

fn ctx() -> Context {
    Context::builder().threads(1).ignore_env().build().unwrap()
}

#[test]
fn sgemm_with_an_empty_output_does_nothing() {
    let ctx = ctx();
    let a = [1.0f32; 6];
    for (m, n) in [(3, 0), (0, 3), (0, 0)] {
        let b = vec![1.0f32; 2 * n];
        let c = MatMut::<f32>::row_major(&mut [], m, n).unwrap();
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a[..m * 2], m, 2).unwrap(),
            MatRef::row_major(&b, 2, n).unwrap(),
            0.0,
            c,
        )
        .unwrap_or_else(|e| panic!("{m}x{n}: {e}"));
        let c = MatMut::<f32>::col_major(&mut [], m, n).unwrap();
        sgemm(
            &ctx,
            1.0,
            MatRef::col_major(&a[..m * 2], m, 2).unwrap(),
            MatRef::col_major(&b, 2, n).unwrap(),
            1.0,
            c,
        )
        .unwrap_or_else(|e| panic!("{m}x{n}: {e}"));
    }
}

#[test]
fn igemm_with_an_empty_output_does_nothing() {
    let ctx = ctx();
    let w: Vec<i8> = vec![];
    let packed = PackedI8Weights::pack(
        &ctx,
        MatRef::row_major(&w, 4, 0).unwrap(),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
    .unwrap();
    let x = [7u8; 12];
    let c = MatMut::<i32>::row_major(&mut [], 3, 0).unwrap();
    igemm(
        &ctx,
        MatRef::row_major(&x, 3, 4).unwrap(),
        0,
        &packed,
        Output::S32 { c, accumulate: false },
    )
    .unwrap();
}

/// `raw::sgemm` still writes a non-empty C around an empty K, and an empty
/// C leaves memory alone.
#[test]
fn raw_sgemm_with_empty_k_scales_c() {
    let mut c = [2.0f32; 4];
    // SAFETY: A and B are never read (K = 0); C is a live 2×2 row-major array.
    unsafe {
        lowp::raw::sgemm(
            2,
            0,
            2,
            1.0,
            std::ptr::null(),
            0,
            1,
            std::ptr::null(),
            2,
            1,
            0.5,
            c.as_mut_ptr(),
            2,
            1,
        )
    };
    assert_eq!(c, [1.0; 4]);
}
