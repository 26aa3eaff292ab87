//! Every public entry point names its operands in errors (issue 20): views
//! users build without a name (`MatRef::row_major`) still produce messages
//! that say which of a, b, c, x, y, query, db, input, output… is at fault.

use lowp::conv::{Conv2dParams, ConvF32, ConvWeights};
use lowp::dot::{dot_f32, scan_scores, Metric};
use lowp::igemm::{igemm, Activation, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
use lowp::quant::{quantize, QuantDtype, QuantParams};
use lowp::{gemm_bf16, sgemm, sgemm_packed, Context, Error, MatMut, MatRef, PackedB};

fn ctx() -> Context {
    Context::builder().threads(1).build().unwrap()
}

/// `err`'s message names every operand in `names` as a whole word.
fn assert_names(err: Error, names: &[&str]) {
    let msg = err.to_string();
    let words: Vec<&str> = msg.split(|c: char| !c.is_alphanumeric() && c != '_').collect();
    for name in names {
        assert!(words.contains(name), "{msg:?} does not name {name}");
    }
}

/// sgemm's error for operands of shapes `a`, `b`, `c` (rows, cols), each
/// built without a name.
fn sgemm_err(a: (usize, usize), b: (usize, usize), c: (usize, usize)) -> Error {
    let (ad, bd, mut cd) = (
        vec![0f32; a.0 * a.1],
        vec![0f32; b.0 * b.1],
        vec![0f32; c.0 * c.1],
    );
    sgemm(
        &ctx(),
        1.0,
        MatRef::row_major(&ad, a.0, a.1).unwrap(),
        MatRef::row_major(&bd, b.0, b.1).unwrap(),
        0.0,
        MatMut::row_major(&mut cd, c.0, c.1).unwrap(),
    )
    .unwrap_err()
}

#[test]
fn sgemm_names_a_b_and_c() {
    // The inner dimensions disagree; then C's shape does.
    assert_names(sgemm_err((2, 3), (4, 2), (2, 2)), &["a", "b"]);
    assert_names(sgemm_err((2, 3), (3, 2), (4, 2)), &["c"]);
    let ctx = ctx();
    let (a, b) = (vec![0f32; 6], vec![0f32; 6]);
    let mut c = vec![0f32; 6];
    let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&b, 3, 2).unwrap()).unwrap();
    let e = sgemm_packed(
        &ctx,
        1.0,
        MatRef::row_major(&a, 3, 2).unwrap(),
        &packed,
        0.0,
        MatMut::row_major(&mut c, 3, 2).unwrap(),
    )
    .unwrap_err();
    assert_names(e, &["a", "b"]);
}

#[test]
fn gemm_bf16_names_a_and_b() {
    let ctx = ctx();
    let z = half::bf16::ZERO;
    let (a, b) = (vec![z; 6], vec![z; 8]);
    let mut c = vec![0f32; 4];
    let e = gemm_bf16(
        &ctx,
        1.0,
        MatRef::row_major(&a, 2, 3).unwrap(),
        MatRef::row_major(&b, 4, 2).unwrap(),
        0.0,
        MatMut::row_major(&mut c, 2, 2).unwrap(),
    )
    .unwrap_err();
    assert_names(e, &["a", "b"]);
}

#[test]
fn igemm_names_a_b_and_c() {
    let ctx = ctx();
    let w = vec![1i8; 8];
    let packed = PackedI8Weights::pack(
        &ctx,
        MatRef::row_major(&w, 4, 2).unwrap(),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
    .unwrap();
    // igemm's error for an unnamed `a` (rows, cols) with zero point `za`
    // and an unnamed s32 `c` (rows, cols); B is 4x2.
    let err = |a: (usize, usize), za: i32, c: (usize, usize)| {
        let (ad, mut cd) = (vec![1u8; a.0 * a.1], vec![0i32; c.0 * c.1]);
        let out = Output::S32 {
            c: MatMut::row_major(&mut cd, c.0, c.1).unwrap(),
            accumulate: false,
        };
        igemm(&ctx, MatRef::row_major(&ad, a.0, a.1).unwrap(), za, &packed, out).unwrap_err()
    };
    assert_names(err((2, 3), 0, (2, 2)), &["a", "b"]);
    assert_names(err((2, 4), 0, (4, 1)), &["c"]);
    assert_names(err((2, 4), 300, (2, 2)), &["a_zero_point"]);
}

#[test]
fn dots_and_scans_name_their_operands() {
    let ctx = ctx();
    assert_names(dot_f32(&ctx, &[1.0; 3], &[1.0; 4]).unwrap_err(), &["a", "b"]);
    let db = vec![0f32; 12];
    let mut out = vec![0f32; 4];
    let e = scan_scores(
        &ctx,
        &[1.0; 2],
        MatRef::row_major(&db, 4, 3).unwrap(),
        Metric::InnerProduct,
        &mut out,
    )
    .unwrap_err();
    assert_names(e, &["query", "db"]);
    let mut short = vec![0f32; 3];
    let e = scan_scores(
        &ctx,
        &[1.0; 3],
        MatRef::row_major(&db, 4, 3).unwrap(),
        Metric::InnerProduct,
        &mut short,
    )
    .unwrap_err();
    assert_names(e, &["out", "db"]);
}

#[test]
fn conv_and_quant_name_their_buffers() {
    let ctx = ctx();
    let p = Conv2dParams::new(1, 4, 4, 2, 3, 3, 3);
    let conv = ConvF32::new(&ctx, &p, ConvWeights::ohwi(&[0.5; 3 * 3 * 3 * 2])).unwrap();
    let mut out = vec![0f32; p.output_len().unwrap()];
    let e = conv
        .run(&ctx, &[0.0; 5], None, Activation::Identity, &mut out)
        .unwrap_err();
    assert_names(e, &["input"]);
    let mut short = vec![0f32; 1];
    let e = conv
        .run(&ctx, &[0.0; 32], None, Activation::Identity, &mut short)
        .unwrap_err();
    assert_names(e, &["output"]);
    let q = QuantParams::per_tensor(QuantDtype::U8, 0.5, 3).unwrap();
    let mut dst = vec![0u8; 3];
    assert_names(
        quantize(&ctx, &[1.0; 4], &mut dst, &q).unwrap_err(),
        &["src", "dst"],
    );
}
