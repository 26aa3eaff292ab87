//! Ad-hoc sgemm timing (tuning aid; the criterion bench is `benches/sgemm.rs`).
//! `cargo run --release --example sgemm_perf -- M N K THREADS [lowp|lowp_bt|gemm|mm|packed] [reps]`

#[path = "../benches/common/mod.rs"]
mod common;

use common::{gemm_crate_sgemm, line_aligned_at, matrixmultiply_sgemm};
use lowp::{sgemm, sgemm_packed, Context, MatMut, MatRef, PackedB};
use std::sync::OnceLock;
use std::time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let p = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (m, n, k, t) = (p(1, 512), p(2, 512), p(3, 512), p(4, 1));
    let which = args.get(5).cloned().unwrap_or_else(|| "lowp".into());
    let reps = p(6, 0);
    let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32 * 0.1).collect();
    // SGEMM_PERF_ALIGN=b: C starts b bytes past a 64-byte boundary
    // (default 0: line aligned, as the benches allocate it).
    let align: usize = std::env::var("SGEMM_PERF_ALIGN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (mut cbuf, off) = line_aligned_at::<f32>(m * n, align);
    let c = &mut cbuf[off..off + m * n];
    // LOWP_L1D / LOWP_L2 (bytes) override the detected cache sizes used for blocking.
    let mut caches = Context::builder().threads(1).build().unwrap().cache_sizes();
    if let Some(v) = std::env::var("LOWP_L1D").ok().and_then(|v| v.parse().ok()) {
        caches.l1d = v;
    }
    if let Some(v) = std::env::var("LOWP_L2").ok().and_then(|v| v.parse().ok()) {
        caches.l2 = v;
    }
    let ctx = Context::builder().threads(t).cache_sizes(caches).build().unwrap();
    let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&b, k, n).unwrap()).unwrap();
    let flops = 2.0 * (m * n * k) as f64;
    let reps = if reps > 0 {
        reps
    } else {
        ((3e9 / flops) as usize).clamp(3, 2000)
    };
    let mut run = || match which.as_str() {
        "lowp" => sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            0.0,
            MatMut::row_major(&mut *c, m, n).unwrap(),
        )
        .unwrap(),
        // B column-major (the same buffer read as its transpose's storage).
        "lowp_bt" => sgemm(
            &ctx,
            1.0,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::col_major(&b, k, n).unwrap(),
            0.0,
            MatMut::row_major(&mut *c, m, n).unwrap(),
        )
        .unwrap(),
        "packed" => sgemm_packed(
            &ctx,
            1.0,
            MatRef::row_major(&a, m, k).unwrap(),
            &packed,
            0.0,
            MatMut::row_major(&mut *c, m, n).unwrap(),
        )
        .unwrap(),
        "mm" => matrixmultiply_sgemm(m, n, k, &a, &b, c),
        "gemm" => gemm_crate_sgemm(m, n, k, &a, &b, c, t),
        _ => panic!("unknown impl"),
    };
    run();
    // With LOWP_CPU_TIME=1, time by this thread's CPU time (robust to other
    // processes on a loaded machine; only meaningful for 1 thread).
    let cpu = std::env::var("LOWP_CPU_TIME").is_ok();
    let now = || {
        if cpu {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
            ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
        } else {
            EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64()
        }
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = now();
        for _ in 0..reps {
            run();
        }
        times.push((now() - t0) / reps as f64);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let med = times[2];
    println!(
        "{which} m={m} n={n} k={k} t={t}: {:.1} us  {:.1} GFLOP/s (best {:.1})",
        med * 1e6,
        flops / med / 1e9,
        flops / times[0] / 1e9
    );
}
