//! Set-up shared by the criterion benches and the timing examples (which
//! include this file by path): thread counts, the GEMM shapes, lowp's INT8
//! calls and kernel families, and safe wrappers around the peers' calls.
#![allow(dead_code)] // each bench or example uses a part

use lowp::igemm::{
    igemm, KernelPreference, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint,
};
use lowp::{Context, MatMut, MatRef};
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, PackedBMatrix};
use rten_tensor::NdTensorView;

/// The GEMM shapes (M, N, K) of issues 3 and 4: square 64..2048 and the
/// inference shapes. The INT8 benches skip the first, 64³.
pub const GEMM_SHAPES: [(usize, usize, usize); 7] = [
    (64, 64, 64),
    (256, 256, 256),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (1, 4096, 4096),
    (16, 4096, 4096),
    (128, 4096, 1024),
];

/// 1 thread, and every available thread when there is more than one.
pub fn thread_counts() -> Vec<usize> {
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut threads = vec![1];
    if all > 1 {
        threads.push(all);
    }
    threads
}

/// `c = a·b` (dense row-major `m×k` times `k×n`, `c` overwritten) with the
/// `gemm` crate, on `threads` rayon threads (none for 1).
#[allow(clippy::too_many_arguments)]
pub fn gemm_crate_sgemm(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32], threads: usize) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: dense row-major buffers of at least m×k, k×n, m×n (asserted).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            par,
        )
    }
}

/// `c = a·b` (dense row-major `m×k` times `k×n`, `c` overwritten) with
/// `matrixmultiply` (one thread).
pub fn matrixmultiply_sgemm(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: dense row-major buffers of at least m×k, k×n, m×n (asserted).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

/// `c = a·b` with rten-gemm: u8 `a` (`m×k`, row-major) times the prepacked
/// i8 `b`, to i32, run inside `pool`.
pub fn rten_igemm(
    pool: &rayon::ThreadPool,
    ex: &GemmExecutor<u8, i8, i32>,
    b: &PackedBMatrix<i8>,
    a: &[u8],
    m: usize,
    k: usize,
    c: &mut [i32],
) {
    pool.install(|| {
        let av = NdTensorView::from_data([m, k], a);
        ex.gemm(
            c,
            GemmInputA::Unpacked(av),
            GemmInputB::Packed(b),
            Default::default(),
        )
        .unwrap()
    })
}

/// `b` (`k×n`, row-major, zero point 0) packed on `ctx` for the kernel
/// family `preference` picks.
pub fn pack_weights(ctx: &Context, b: MatRef<'_, i8>, preference: KernelPreference) -> PackedI8Weights {
    let options = PackOptions {
        preference,
        ..Default::default()
    };
    PackedI8Weights::pack(ctx, b, WeightZeroPoint::PerTensor(0), options).unwrap()
}

/// lowp's INT8 GEMM to raw s32: `c = a·p` for a u8 `a` (`m×k`, row-major,
/// zero point `za`).
pub fn lowp_igemm_s32(
    ctx: &Context,
    a: &[u8],
    za: i32,
    m: usize,
    k: usize,
    p: &PackedI8Weights,
    c: &mut [i32],
) {
    let a = MatRef::row_major(a, m, k).unwrap();
    let out = Output::S32 {
        c: MatMut::row_major(c, m, p.n()).unwrap(),
        accumulate: false,
    };
    igemm(ctx, a, za, p, out).unwrap();
}

/// lowp's INT8 GEMM requantized to u8 with ReLU (scale 1e-4, zero point 3):
/// `c = relu(requantize(a·p))` for a u8 `a` (`m×k`, row-major, zero point `za`).
pub fn lowp_igemm_u8_relu(
    ctx: &Context,
    a: &[u8],
    za: i32,
    m: usize,
    k: usize,
    p: &PackedI8Weights,
    c: &mut [u8],
) {
    let a = MatRef::row_major(a, m, k).unwrap();
    let out = Output::U8 {
        c: MatMut::row_major(c, m, p.n()).unwrap(),
        requantize: Requantize {
            relu: true,
            ..Requantize::new(Scale::PerTensor(1e-4), 3)
        },
    };
    igemm(ctx, a, za, p, out).unwrap();
}

/// Every INT8 kernel family of `ctx`'s level, with the preference that
/// selects it: the main kernel, then the ymm alternative and the exact s16
/// kernel where the level has them.
pub fn kernel_families(ctx: &Context) -> Vec<(KernelPreference, &'static str)> {
    let t = ctx.kernels().igemm;
    let mut v = vec![(KernelPreference::Auto, t.main.name)];
    v.extend(t.alt.map(|x| (KernelPreference::Ymm, x.name)));
    v.extend(t.exact.map(|x| (KernelPreference::ExactS16, x.name)));
    v
}
