//! Set-up shared by the criterion benches and the timing examples (which
//! include this file by path): thread counts, the GEMM shapes, lowp's INT8
//! calls and kernel families, safe wrappers around the peers' calls, and the
//! CPU-time clocks and median of the timing loops.
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

/// An output type of lowp's INT8 GEMM in the benches: raw `i32`, or `u8`
/// requantized (scale 1e-4, zero point 3) with ReLU.
pub trait BenchOutput: Sized {
    /// The output pipeline that writes `c`.
    fn output(c: MatMut<'_, Self>) -> Output<'_>;
}

impl BenchOutput for i32 {
    fn output(c: MatMut<'_, i32>) -> Output<'_> {
        Output::S32 { c, accumulate: false }
    }
}

impl BenchOutput for u8 {
    fn output(c: MatMut<'_, u8>) -> Output<'_> {
        let requantize = Requantize {
            relu: true,
            ..Requantize::new(Scale::PerTensor(1e-4), 3)
        };
        Output::U8 { c, requantize }
    }
}

/// lowp's INT8 GEMM `c = a·p` for a u8 `a` (`m×k`, row-major, zero point
/// `za`), to raw s32 or requantized u8 with ReLU ([`BenchOutput`]).
pub fn lowp_igemm<T: BenchOutput>(
    ctx: &Context,
    a: &[u8],
    za: i32,
    m: usize,
    k: usize,
    p: &PackedI8Weights,
    c: &mut [T],
) {
    let a = MatRef::row_major(a, m, k).unwrap();
    let out = T::output(MatMut::row_major(c, m, p.n()).unwrap());
    igemm(ctx, a, za, p, out).unwrap();
}

/// This thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`): on a
/// shared machine other processes time-slice onto the benchmark's core, and
/// the wall clock counts their slices too.
#[cfg(unix)]
pub fn thread_cpu() -> f64 {
    cpu_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Elsewhere, the wall clock (no per-thread CPU clock in `libc` there).
#[cfg(not(unix))]
pub fn thread_cpu() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64()
}

/// The process's CPU time in seconds, all threads (0 where there is no such
/// clock): its growth over wall time is how many cores were kept busy.
pub fn process_cpu() -> f64 {
    #[cfg(unix)]
    {
        cpu_clock(libc::CLOCK_PROCESS_CPUTIME_ID)
    }
    #[cfg(not(unix))]
    0.0
}

/// The time of the CPU clock `id`, in seconds.
#[cfg(unix)]
fn cpu_clock(id: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; the clock ids are constants.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The median of `v` (the upper one of an even count); `v` not empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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

/// `len` default values starting `offset` bytes (a multiple of the element
/// size, below 64) past a 64-byte boundary: the examples' outputs, for
/// measuring aligned (`offset` 0) against misaligned rows. (The benches
/// allocate every operand with `lowp::AlignedBuffer`.) Keep the returned
/// `Vec` alive; the slice is `vec[off..off + len]`.
pub fn line_aligned_at<T: Copy + Default>(len: usize, offset: usize) -> (Vec<T>, usize) {
    let size = std::mem::size_of::<T>().max(1);
    let buf = vec![T::default(); len + 64 / size];
    let off = ((64 + offset % 64 - buf.as_ptr() as usize % 64) % 64) / size;
    (buf, off)
}
