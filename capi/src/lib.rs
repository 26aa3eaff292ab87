//! C ABI for lowp (header: `capi/include/lowp.h`).
//!
//! - `cblas_sgemm`: the CBLAS signature and semantics (row/column major,
//!   transposes, α/β), so C code linked against a CBLAS can link this instead.
//! - `cblas_gemm_s8u8s32`: oneMKL's signature and semantics,
//!   `C := α·(op(A) + oa)·(op(B) + ob) + β·C + C_offset` with u8 A, s8 B,
//!   s32 C and `CblasFixOffset` / `CblasColOffset` / `CblasRowOffset`.
//! - lowp-native calls for INT8 weights packed once and run many times with
//!   a requantized u8 output: `lowp_i8_weights_pack`, `lowp_i8_gemm_u8`,
//!   `lowp_i8_weights_free`.
//!
//! Every call runs on one process-wide context ([`lowp::raw::default_context`]:
//! `LOWP_MAX_ISA`, `LOWP_NUM_THREADS`). Errors never unwind into C: the
//! lowp-native calls return a status code, the CBLAS-shaped ones (which
//! return `void`) leave C untouched; both record a message that
//! `lowp_last_error` returns (per thread). A panic inside lowp is caught
//! and reported as `LOWP_STATUS_INTERNAL`.

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint};
use lowp::{sgemm, Error, MatMut, MatRef};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod views;
use views::{operand, operand_mut, Layout};

/// Success.
pub const LOWP_STATUS_OK: c_int = 0;
/// A bad argument: shape, leading dimension, enum value, scale, zero point.
pub const LOWP_STATUS_INVALID_ARGUMENT: c_int = 1;
/// A required pointer was NULL.
pub const LOWP_STATUS_NULL_POINTER: c_int = 2;
/// The machine refused (threads could not be created, no usable ISA level).
pub const LOWP_STATUS_RUNTIME: c_int = 3;
/// A bug in lowp (a caught panic); the message says where.
pub const LOWP_STATUS_INTERNAL: c_int = 4;

/// CBLAS `CblasRowMajor`.
pub const CBLAS_ROW_MAJOR: c_int = 101;
/// CBLAS `CblasColMajor`.
pub const CBLAS_COL_MAJOR: c_int = 102;
/// CBLAS `CblasNoTrans`.
pub const CBLAS_NO_TRANS: c_int = 111;
/// CBLAS `CblasTrans`.
pub const CBLAS_TRANS: c_int = 112;
/// CBLAS `CblasConjTrans` (the transpose, for real matrices).
pub const CBLAS_CONJ_TRANS: c_int = 113;
/// oneMKL `CblasRowOffset`: `oc` holds N values, one per column (added to every row).
pub const CBLAS_ROW_OFFSET: c_int = 171;
/// oneMKL `CblasColOffset`: `oc` holds M values, one per row (added to every column).
pub const CBLAS_COL_OFFSET: c_int = 172;
/// oneMKL `CblasFixOffset`: `oc[0]` is added to every element.
pub const CBLAS_FIX_OFFSET: c_int = 173;

/// Why a call failed: a status code and its message.
pub(crate) struct Fail(c_int, String);

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        let code = match e {
            Error::UnsupportedIsa { .. } | Error::Threading { .. } | Error::Topology { .. } => {
                LOWP_STATUS_RUNTIME
            }
            _ => LOWP_STATUS_INVALID_ARGUMENT,
        };
        Fail(code, e.to_string())
    }
}

pub(crate) fn invalid(msg: impl Into<String>) -> Fail {
    Fail(LOWP_STATUS_INVALID_ARGUMENT, msg.into())
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Runs `f`, catching panics; records the message of a failure and returns
/// its status code.
fn guard(call: &str, f: impl FnOnce() -> Result<(), Fail>) -> c_int {
    let (code, msg) = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => (LOWP_STATUS_OK, String::new()),
        Ok(Err(Fail(code, msg))) => (code, format!("{call}: {msg}")),
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            (LOWP_STATUS_INTERNAL, format!("{call}: internal error: {what}"))
        }
    };
    let text = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
    code
}

/// The message of the calling thread's last failed call ("" after a
/// success). Valid until the thread's next lowp call.
#[no_mangle]
pub extern "C" fn lowp_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// [`lowp_last_error`] as a Rust string (for Rust callers and tests).
pub fn lowp_last_error_str() -> String {
    LAST_ERROR.with(|e| e.borrow().to_string_lossy().into_owned())
}

fn dim(arg: &str, v: c_int) -> Result<usize, Fail> {
    usize::try_from(v).map_err(|_| invalid(format!("{arg} = {v} is negative")))
}

fn transpose(arg: &str, t: c_int) -> Result<bool, Fail> {
    match t {
        CBLAS_NO_TRANS => Ok(false),
        CBLAS_TRANS | CBLAS_CONJ_TRANS => Ok(true),
        _ => Err(invalid(format!(
            "{arg} = {t} is not CblasNoTrans, CblasTrans or CblasConjTrans"
        ))),
    }
}

/// `C ← α·op(A)·op(B) + β·C` (CBLAS `cblas_sgemm`): `op(A)` is `M × K`,
/// `op(B)` is `K × N`, C is `M × N`, all in `layout` with leading
/// dimensions `lda`, `ldb`, `ldc`. With `β = 0`, C is not read.
///
/// On a bad argument C is left untouched and `lowp_last_error` says why.
///
/// # Safety
/// As for any CBLAS: the arrays hold the elements their shapes and leading
/// dimensions address; C overlaps neither A nor B.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cblas_sgemm(
    layout: c_int,
    trans_a: c_int,
    trans_b: c_int,
    m: c_int,
    n: c_int,
    k: c_int,
    alpha: f32,
    a: *const f32,
    lda: c_int,
    b: *const f32,
    ldb: c_int,
    beta: f32,
    c: *mut f32,
    ldc: c_int,
) {
    guard("cblas_sgemm", || {
        let layout = Layout::from_c(layout)?;
        let (m, n, k) = (dim("m", m)?, dim("n", n)?, dim("k", k)?);
        let (ta, tb) = (transpose("trans_a", trans_a)?, transpose("trans_b", trans_b)?);
        // SAFETY: the caller guarantees each array holds what its shape and
        // leading dimension address (the CBLAS contract).
        let av = unsafe { operand("a", a, layout, ta, m, k, lda)? };
        // SAFETY: as above.
        let bv = unsafe { operand("b", b, layout, tb, k, n, ldb)? };
        // SAFETY: as above; C overlaps neither A nor B.
        let cv = unsafe { operand_mut("c", c, layout, m, n, ldc)? };
        sgemm(lowp::raw::default_context(), alpha, av, bv, beta, cv)?;
        Ok(())
    });
}

/// oneMKL `cblas_gemm_s8u8s32`:
/// `C := α·(op(A) + oa)·(op(B) + ob) + β·C + C_offset`, A u8 (`M × K`
/// after `op`), B s8 (`K × N`), C s32; `offsetc` picks `C_offset`:
/// `CblasFixOffset` adds `oc[0]` everywhere, `CblasColOffset` adds `oc[i]`
/// to row `i` (M values), `CblasRowOffset` adds `oc[j]` to column `j`
/// (N values).
///
/// The product is exact (s32, wrapping like the hardware). With `α = 1` and
/// `β ∈ {0, 1}` the whole result is exact integer arithmetic (wrapping);
/// otherwise `α·P + β·C + offset` is evaluated in f64, rounded half to even
/// and saturated to s32. With `β = 0`, C is not read.
///
/// # Safety
/// As [`cblas_sgemm`]; `oc` holds the values `offsetc` reads.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cblas_gemm_s8u8s32(
    layout: c_int,
    trans_a: c_int,
    trans_b: c_int,
    offsetc: c_int,
    m: c_int,
    n: c_int,
    k: c_int,
    alpha: f32,
    a: *const u8,
    lda: c_int,
    oa: i8,
    b: *const i8,
    ldb: c_int,
    ob: i8,
    beta: f32,
    c: *mut i32,
    ldc: c_int,
    oc: *const i32,
) {
    guard("cblas_gemm_s8u8s32", || {
        let layout = Layout::from_c(layout)?;
        let (m, n, k) = (dim("m", m)?, dim("n", n)?, dim("k", k)?);
        let (ta, tb) = (transpose("trans_a", trans_a)?, transpose("trans_b", trans_b)?);
        let oc_len = match offsetc {
            CBLAS_FIX_OFFSET => 1,
            CBLAS_COL_OFFSET => m,
            CBLAS_ROW_OFFSET => n,
            _ => {
                return Err(invalid(format!(
                    "offsetc = {offsetc} is not CblasFixOffset, CblasColOffset or CblasRowOffset"
                )))
            }
        };
        // SAFETY: the caller guarantees each array holds what its shape and
        // leading dimension address (the oneMKL contract).
        let av = unsafe { operand("a", a, layout, ta, m, k, lda)? };
        // SAFETY: as above.
        let bv = unsafe { operand("b", b, layout, tb, k, n, ldb)? };
        // SAFETY: as above; C overlaps neither A nor B.
        let mut cv = unsafe { operand_mut("c", c, layout, m, n, ldc)? };
        if m == 0 || n == 0 {
            return Ok(());
        }
        if oc.is_null() {
            return Err(Fail(LOWP_STATUS_NULL_POINTER, "oc is NULL".into()));
        }
        // SAFETY: the caller guarantees `oc` holds the values offsetc reads.
        let oc = unsafe { std::slice::from_raw_parts(oc, oc_len) };
        let p = s8u8_product(av, oa, bv, ob)?;
        let exact = alpha == 1.0 && (beta == 0.0 || beta == 1.0);
        for i in 0..m {
            for j in 0..n {
                let off = oc[match offsetc {
                    CBLAS_FIX_OFFSET => 0,
                    CBLAS_COL_OFFSET => i,
                    _ => j,
                }];
                let pij = p[i * n + j];
                let cij = cv.get_mut(i, j).expect("in the view");
                *cij = if exact {
                    let acc = if beta == 1.0 { cij.wrapping_add(pij) } else { pij };
                    acc.wrapping_add(off)
                } else {
                    let old = if beta == 0.0 {
                        0.0
                    } else {
                        beta as f64 * *cij as f64
                    };
                    (alpha as f64 * pij as f64 + old + off as f64).round_ties_even() as i32
                };
            }
        }
        Ok(())
    });
}

/// `(A + oa)·(B + ob)` (M × N, row-major, wrapping s32) by lowp's INT8
/// GEMM on `A·B` plus the offset terms
/// `oa·Σ_k B[k][j] + ob·Σ_k A[i][k] + K·oa·ob`.
fn s8u8_product(a: MatRef<'_, u8>, oa: i8, b: MatRef<'_, i8>, ob: i8) -> Result<Vec<i32>, Fail> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let mut p = vec![0i32; m * n];
    if k > 0 {
        let ctx = lowp::raw::default_context();
        let packed = PackedI8Weights::pack(ctx, b, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
        let out = Output::S32 {
            c: MatMut::named("c", &mut p, m, n, n, 1)?,
            accumulate: false,
        };
        igemm(ctx, a, 0, &packed, out)?;
    }
    let (oa, ob) = (oa as i32, ob as i32);
    let col_sum = |j: usize| {
        (0..k).fold(0i32, |s, kk| {
            s.wrapping_add(*b.get(kk, j).expect("in view") as i32)
        })
    };
    let row_sum = |i: usize| {
        (0..k).fold(0i32, |s, kk| {
            s.wrapping_add(*a.get(i, kk).expect("in view") as i32)
        })
    };
    let cols: Vec<i32> = (0..n).map(|j| oa.wrapping_mul(col_sum(j))).collect();
    let kab = (k as i32).wrapping_mul(oa).wrapping_mul(ob);
    for i in 0..m {
        let r = ob.wrapping_mul(row_sum(i)).wrapping_add(kab);
        for (pij, cj) in p[i * n..(i + 1) * n].iter_mut().zip(&cols) {
            *pij = pij.wrapping_add(*cj).wrapping_add(r);
        }
    }
    Ok(p)
}

/// Packed s8 weights (`K × N`), opaque to C.
pub struct LowpI8Weights {
    packed: PackedI8Weights,
}

/// Packs `K × N` s8 weights (row-major, leading dimension `ldw ≥ N`) with
/// zero point `zero_point` once, for many [`lowp_i8_gemm_u8`] calls; `*out`
/// receives the handle (free it with [`lowp_i8_weights_free`]).
///
/// # Safety
/// `w` holds `(K − 1)·ldw + N` elements; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lowp_i8_weights_pack(
    w: *const i8,
    k: usize,
    n: usize,
    ldw: usize,
    zero_point: i32,
    out: *mut *mut LowpI8Weights,
) -> c_int {
    guard("lowp_i8_weights_pack", || {
        if out.is_null() {
            return Err(Fail(LOWP_STATUS_NULL_POINTER, "out is NULL".into()));
        }
        let ld = c_int::try_from(ldw).map_err(|_| invalid(format!("ldw = {ldw} is too large")))?;
        let (kc, nc) = (
            c_int::try_from(k).map_err(|_| invalid("k is too large"))?,
            c_int::try_from(n).map_err(|_| invalid("n is too large"))?,
        );
        // SAFETY: the caller guarantees `w` holds the addressed elements.
        let wv = unsafe { operand("w", w, Layout::Row, false, dim("k", kc)?, dim("n", nc)?, ld)? };
        let ctx = lowp::raw::default_context();
        let packed = PackedI8Weights::pack(
            ctx,
            wv,
            WeightZeroPoint::PerTensor(zero_point),
            PackOptions::default(),
        )?;
        // SAFETY: the caller guarantees `out` is writable.
        unsafe { *out = Box::into_raw(Box::new(LowpI8Weights { packed })) };
        Ok(())
    })
}

/// Frees weights from [`lowp_i8_weights_pack`] (NULL: nothing).
///
/// # Safety
/// `w` is NULL or a handle from `lowp_i8_weights_pack`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lowp_i8_weights_free(w: *mut LowpI8Weights) {
    if !w.is_null() {
        // SAFETY: the caller guarantees `w` came from Box::into_raw above.
        drop(unsafe { Box::from_raw(w) });
    }
}

/// `Y = requantize((X − x_zero_point)·(W − zero point))`: u8 activations X
/// (`M × K`, row-major, `ldx ≥ K`) times packed weights, requantized to u8
/// Y (`M × N`, `ldy ≥ N`): `y = round_half_even((v + bias_j)·scale_j) +
/// y_zero_point`, saturated, clamped at `y_zero_point` when `relu` ≠ 0.
/// `scales` holds 1 (per tensor) or N (per column) values; `bias` is NULL or
/// N values.
///
/// # Safety
/// `w` is a live handle; the arrays hold the elements their shapes address;
/// Y overlaps nothing else.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lowp_i8_gemm_u8(
    w: *const LowpI8Weights,
    x: *const u8,
    m: usize,
    ldx: usize,
    x_zero_point: i32,
    scales: *const f32,
    n_scales: usize,
    bias: *const i32,
    y_zero_point: i32,
    relu: c_int,
    y: *mut u8,
    ldy: usize,
) -> c_int {
    guard("lowp_i8_gemm_u8", || {
        if w.is_null() || scales.is_null() {
            let arg = if w.is_null() { "w" } else { "scales" };
            return Err(Fail(LOWP_STATUS_NULL_POINTER, format!("{arg} is NULL")));
        }
        // SAFETY: the caller guarantees `w` is a live handle.
        let packed = unsafe { &(*w).packed };
        let (k, n) = (packed.k(), packed.n());
        let int = |arg: &str, v: usize| {
            c_int::try_from(v).map_err(|_| invalid(format!("{arg} = {v} is too large")))
        };
        let mc = int("m", m)?;
        // SAFETY: the caller guarantees X holds the addressed elements.
        let xv = unsafe { operand("x", x, Layout::Row, false, dim("m", mc)?, k, int("ldx", ldx)?)? };
        // SAFETY: the caller guarantees Y holds the addressed elements and
        // overlaps nothing else.
        let yv = unsafe { operand_mut("y", y, Layout::Row, m, n, int("ldy", ldy)?)? };
        if n_scales != 1 && n_scales != n {
            return Err(invalid(format!("n_scales = {n_scales}: need 1 or N = {n}")));
        }
        // SAFETY: the caller guarantees `scales` holds n_scales values.
        let sc = unsafe { std::slice::from_raw_parts(scales, n_scales) };
        let scale = if n_scales == 1 && n != 1 {
            Scale::PerTensor(sc[0])
        } else {
            Scale::PerColumn(sc)
        };
        let mut rq = Requantize::new(scale, y_zero_point);
        rq.relu = relu != 0;
        if !bias.is_null() {
            // SAFETY: the caller guarantees a non-NULL `bias` holds N values.
            rq.bias = Some(unsafe { std::slice::from_raw_parts(bias, n) });
        }
        igemm(
            lowp::raw::default_context(),
            xv,
            x_zero_point,
            packed,
            Output::U8 {
                c: yv,
                requantize: rq,
            },
        )?;
        Ok(())
    })
}
