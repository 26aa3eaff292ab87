//! The C entry points (called through the rlib) give what the Rust API
//! gives on the same operands: bit-identical for sgemm (same kernels, same
//! views), exact for the INT8 calls.

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint};
use lowp::{sgemm, MatMut, MatRef};
use lowp_capi::*;

fn vals(n: usize, seed: u32) -> Vec<u32> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            x >> 8
        })
        .collect()
}

#[test]
fn cblas_sgemm_matches_sgemm_on_transposed_views() {
    let ctx = lowp::raw::default_context();
    let (m, n, k) = (37, 29, 45);
    let a: Vec<f32> = vals(m * k, 1)
        .iter()
        .map(|v| (v % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let b: Vec<f32> = vals(k * n, 2)
        .iter()
        .map(|v| (v % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let c0: Vec<f32> = vals(m * n, 3).iter().map(|v| (v % 100) as f32).collect();
    // A stored K×M row-major (op = transpose), B stored N×K column-major... as
    // a row-major K×N with ld n; C column-major M×N.
    let mut c_api = c0.clone();
    // SAFETY: the arrays hold what the shapes and leading dimensions address.
    unsafe {
        cblas_sgemm(
            CBLAS_ROW_MAJOR,
            CBLAS_TRANS,
            CBLAS_NO_TRANS,
            m as i32,
            n as i32,
            k as i32,
            0.75,
            a.as_ptr(),
            m as i32,
            b.as_ptr(),
            n as i32,
            0.25,
            c_api.as_mut_ptr(),
            n as i32,
        )
    };
    assert_eq!(lowp_capi::lowp_last_error_str(), "");
    let mut c_rust = c0.clone();
    sgemm(
        ctx,
        0.75,
        MatRef::row_major(&a, k, m).unwrap().t(),
        MatRef::row_major(&b, k, n).unwrap(),
        0.25,
        MatMut::row_major(&mut c_rust, m, n).unwrap(),
    )
    .unwrap();
    assert_eq!(c_api, c_rust);
}

#[test]
fn gemm_s8u8s32_matches_igemm_with_zero_points() {
    let ctx = lowp::raw::default_context();
    let (m, n, k) = (19, 70, 33);
    let a: Vec<u8> = vals(m * k, 4).iter().map(|&v| v as u8).collect();
    let b: Vec<i8> = vals(k * n, 5).iter().map(|&v| v as u8 as i8).collect();
    let (oa, ob) = (-7i8, 9i8);
    let mut c_api = vec![0i32; m * n];
    let oc = [0i32];
    // SAFETY: the arrays hold what the shapes and leading dimensions address.
    unsafe {
        cblas_gemm_s8u8s32(
            CBLAS_COL_MAJOR,
            CBLAS_TRANS,
            CBLAS_TRANS,
            CBLAS_FIX_OFFSET,
            m as i32,
            n as i32,
            k as i32,
            1.0,
            a.as_ptr(),
            k as i32,
            oa,
            b.as_ptr(),
            n as i32,
            ob,
            0.0,
            c_api.as_mut_ptr(),
            m as i32,
            oc.as_ptr(),
        )
    };
    assert_eq!(lowp_capi::lowp_last_error_str(), "");
    // Column-major transposed A (lda = K) is A row-major M×K; likewise B is
    // row-major K×N; C is column-major M×N. Adding oa is zero point −oa.
    let packed = PackedI8Weights::pack(
        ctx,
        MatRef::row_major(&b, k, n).unwrap(),
        WeightZeroPoint::PerTensor(-(ob as i32)),
        PackOptions::default(),
    )
    .unwrap();
    let mut c_rust = vec![0i32; m * n];
    igemm(
        ctx,
        MatRef::row_major(&a, m, k).unwrap(),
        -(oa as i32),
        &packed,
        Output::S32 {
            c: MatMut::col_major(&mut c_rust, m, n).unwrap(),
            accumulate: false,
        },
    )
    .unwrap();
    assert_eq!(c_api, c_rust);
}

#[test]
fn packed_weights_match_igemm_requantized() {
    let ctx = lowp::raw::default_context();
    let (m, n, k) = (3, 50, 64);
    let w: Vec<i8> = vals(k * n, 6).iter().map(|&v| v as u8 as i8).collect();
    let x: Vec<u8> = vals(m * k, 7).iter().map(|&v| v as u8).collect();
    let scales: Vec<f32> = (0..n).map(|j| 0.002 + j as f32 * 1e-4).collect();
    let mut handle = std::ptr::null_mut();
    // SAFETY: `w` holds K×N elements; `handle` is writable.
    let st = unsafe { lowp_i8_weights_pack(w.as_ptr(), k, n, n, -2, &mut handle) };
    assert_eq!(st, LOWP_STATUS_OK, "{}", lowp_capi::lowp_last_error_str());
    let mut y_api = vec![0u8; m * n];
    // SAFETY: a live handle; the arrays hold what their shapes address.
    let st = unsafe {
        lowp_i8_gemm_u8(
            handle,
            x.as_ptr(),
            m,
            k,
            120,
            scales.as_ptr(),
            n,
            std::ptr::null(),
            7,
            1,
            y_api.as_mut_ptr(),
            n,
        )
    };
    assert_eq!(st, LOWP_STATUS_OK, "{}", lowp_capi::lowp_last_error_str());
    // SAFETY: the handle came from lowp_i8_weights_pack and is freed once.
    unsafe { lowp_i8_weights_free(handle) };
    let packed = PackedI8Weights::pack(
        ctx,
        MatRef::row_major(&w, k, n).unwrap(),
        WeightZeroPoint::PerTensor(-2),
        PackOptions::default(),
    )
    .unwrap();
    let mut y_rust = vec![0u8; m * n];
    let mut rq = Requantize::new(Scale::PerColumn(&scales), 7);
    rq.relu = true;
    igemm(
        ctx,
        MatRef::row_major(&x, m, k).unwrap(),
        120,
        &packed,
        Output::U8 {
            c: MatMut::row_major(&mut y_rust, m, n).unwrap(),
            requantize: rq,
        },
    )
    .unwrap();
    assert_eq!(y_api, y_rust);
    assert!(y_api.iter().any(|&v| v > 7) && y_api.iter().all(|&v| v >= 7));
}

#[test]
fn errors_are_status_codes_with_messages() {
    let mut handle = std::ptr::null_mut();
    let w = [0i8; 4];
    // SAFETY: `w` holds 4 elements; the call must refuse ldw < n.
    let st = unsafe { lowp_i8_weights_pack(w.as_ptr(), 2, 2, 1, 0, &mut handle) };
    assert_eq!(st, LOWP_STATUS_INVALID_ARGUMENT);
    assert!(
        lowp_capi::lowp_last_error_str().contains("ldw"),
        "{}",
        lowp_capi::lowp_last_error_str()
    );
    assert!(handle.is_null());
    // SAFETY: the weights pointer is NULL: refused before any read.
    let st = unsafe { lowp_i8_weights_pack(std::ptr::null(), 2, 2, 2, 0, &mut handle) };
    assert_eq!(
        st,
        LOWP_STATUS_NULL_POINTER,
        "{}",
        lowp_capi::lowp_last_error_str()
    );
    // SAFETY: as above; a zero point out of range is refused.
    let st = unsafe { lowp_i8_weights_pack(w.as_ptr(), 2, 2, 2, 300, &mut handle) };
    assert_eq!(
        st,
        LOWP_STATUS_INVALID_ARGUMENT,
        "{}",
        lowp_capi::lowp_last_error_str()
    );
}
