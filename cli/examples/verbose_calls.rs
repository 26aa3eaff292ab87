//! A few GEMM calls that take different paths, for the per-call log:
//!
//! ```sh
//! LOWP_VERBOSE=1 cargo run --release --example verbose_calls
//! LOWP_VERBOSE=1 LOWP_MAX_ISA=avx2 cargo run --release --example verbose_calls
//! ```
//!
//! Each call prints one `lowp_verbose,exec,…` line on stderr: op, ISA level,
//! shape, path (sgemm: gemv / small_m / unpacked / tiles; INT8: the panels
//! run by the main kernel — vnni or chain — and by the exact s16 path),
//! kernel(s), threads and time.

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
use lowp::{sgemm, Context, MatMut, MatRef};

fn main() -> Result<(), lowp::Error> {
    let ctx = Context::default();
    if !lowp::verbose::enabled() {
        eprintln!("(set LOWP_VERBOSE=1 to see one line per call)");
    }
    // FP32: a matrix-vector product, a small-M GEMM, a large one with a
    // column-major B (packed tiles).
    for (m, k, n) in [(1, 512, 512), (8, 512, 512), (256, 256, 256)] {
        let a = vec![1.0f32; m * k];
        let b = vec![0.5f32; k * n];
        let mut c = vec![0.0f32; m * n];
        let bv = if m > 16 {
            MatRef::col_major(&b, k, n)?
        } else {
            MatRef::row_major(&b, k, n)?
        };
        sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a, m, k)?,
            bv,
            0.0,
            MatMut::row_major(&mut c, m, n)?,
        )?;
    }
    // INT8: small weights (every panel chain-safe on AVX2) and full-range
    // ones (panels the vpmaddubsw chain could saturate go the exact path).
    let (k, n) = (256, 512);
    let small: Vec<i8> = (0..k * n).map(|i| (i % 7) as i8 - 3).collect();
    let full: Vec<i8> = (0..k * n).map(|i| (i * 97 % 256) as u8 as i8).collect();
    for w in [&small, &full] {
        let packed = PackedI8Weights::pack(
            &ctx,
            MatRef::row_major(w, k, n)?,
            WeightZeroPoint::PerTensor(0),
            PackOptions::default(),
        )?;
        for m in [1, 64] {
            let x = vec![100u8; m * k];
            let mut c = vec![0i32; m * n];
            igemm(
                &ctx,
                MatRef::row_major(&x, m, k)?,
                128,
                &packed,
                Output::S32 {
                    c: MatMut::row_major(&mut c, m, n)?,
                    accumulate: false,
                },
            )?;
        }
    }
    Ok(())
}
