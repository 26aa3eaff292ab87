//! Min-of-N timing of the INT8 GEMM against rten-gemm, for machines too
//! busy for criterion's means: implementations are interleaved rep by rep,
//! and the fastest rep of each is reported (GOP/s, 2·M·N·K operations; with
//! one thread the time is the process's CPU time, which ignores time slices
//! lost to other processes).
//!
//! `cargo run --release --example igemm_min -- M N K REPS [THREADS] [kernels]`
//! With `kernels`, every kernel family of every available level runs too.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{kernel_families, line_aligned_at, lowp_igemm, pack_weights, rten_igemm};
use lowp::igemm::{igemm, Activation, Dequantize, KernelPreference, Output, Scale};
use lowp::{Context, Isa, MatMut, MatRef};
use rten_gemm::GemmExecutor;
use rten_tensor::NdTensorView;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (m, n, k, reps, threads) = (arg(1, 256), arg(2, 1024), arg(3, 1024), arg(4, 20), arg(5, 1));
    let kernels = args.iter().any(|a| a == "kernels");
    // `IGEMM_MIN_ZA=z`: the activations' zero point (default 0; the
    // `lowp bench` igemm cases use 128, which adds the zero-point correction).
    let za: i32 = std::env::var("IGEMM_MIN_ZA")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let a: Vec<u8> = (0..m * k).map(|i| (i * 7 % 251) as u8).collect();
    // |w| ≤ 42: every chain panel is safe, so the chain kernels run.
    let b: Vec<i8> = (0..k * n).map(|i| ((i * 13 % 85) as i32 - 42) as i8).collect();
    let bm = MatRef::row_major(&b, k, n).unwrap();
    let ops = 2.0 * (m * n * k) as f64;
    let ctx = Context::builder().threads(threads).ignore_env().build().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();

    // `IGEMM_MIN_ALIGN=b`: the s32 and f32 outputs (rten's too) start `b` bytes past a
    // 64-byte boundary (default 0: line aligned, as `lowp bench` and the
    // criterion benches allocate them).
    let align: usize = std::env::var("IGEMM_MIN_ALIGN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (mut cbuf, coff) = line_aligned_at::<i32>(m * n, align);
    let c = &mut cbuf[coff..coff + m * n];
    let (mut fbuf, foff) = line_aligned_at::<f32>(m * n, align);
    let f = &mut fbuf[foff..foff + m * n];
    let (mut rbuf, roff) = line_aligned_at::<i32>(m * n, align);
    let rc = &mut rbuf[roff..roff + m * n];
    type Job<'a> = (String, Box<dyn FnMut() + 'a>);
    let mut jobs: Vec<Job<'_>> = Vec::new();
    let p = pack_weights(&ctx, bm, KernelPreference::Auto);
    let mut q = vec![0u8; m * n];
    let (ctx1, p1) = (ctx.clone(), p.clone());
    let a1 = &a;
    jobs.push((
        format!("lowp_s32 {}", ctx.kernels().igemm.main.name),
        Box::new(move || lowp_igemm(&ctx1, a1, za, m, k, &p1, c)),
    ));
    let (ctx2, p2) = (ctx.clone(), p.clone());
    jobs.push((
        "lowp_requant_u8_relu".to_string(),
        Box::new(move || lowp_igemm(&ctx2, a1, za, m, k, &p2, &mut q)),
    ));
    let (ctx3, p3) = (ctx.clone(), p.clone());
    let bias = vec![0.5f32; n];
    let scales = vec![1e-3f32; n];
    jobs.push((
        "lowp_dequant_f32_bias_relu".to_string(),
        Box::new(move || {
            let out = Output::F32 {
                c: MatMut::row_major(&mut *f, m, n).unwrap(),
                dequantize: Dequantize {
                    scale: Scale::PerColumn(&scales),
                    bias: Some(&bias),
                    activation: Activation::Relu,
                },
            };
            igemm(&ctx3, MatRef::row_major(a1, m, k).unwrap(), za, &p3, out).unwrap();
        }),
    ));
    let ex = GemmExecutor::<u8, i8, i32>::default();
    let rb = ex.prepack_b(NdTensorView::from_data([k, n], &b[..]));
    let name = format!("rten {}", ex.kernel_name());
    let pool_ref = &pool;
    jobs.push((
        name,
        Box::new(move || rten_igemm(pool_ref, &ex, &rb, a1, m, k, rc)),
    ));
    if kernels {
        for isa in Isa::available().into_iter().filter(|&i| i != Isa::Scalar) {
            let kctx = Context::builder()
                .max_isa(isa)
                .threads(threads)
                .ignore_env()
                .build()
                .unwrap();
            for (pref, kname) in kernel_families(&kctx) {
                let kp = pack_weights(&kctx, bm, pref);
                let kctx = kctx.clone();
                let mut kc = vec![0i32; m * n];
                jobs.push((
                    format!("kernel {kname}"),
                    Box::new(move || lowp_igemm(&kctx, a1, za, m, k, &kp, &mut kc)),
                ));
            }
        }
    }
    // `IGEMM_MIN_ONLY=substring` keeps only the matching implementations.
    if let Ok(only) = std::env::var("IGEMM_MIN_ONLY") {
        jobs.retain(|(name, _)| name.contains(&only));
    }
    // One thread: the process's CPU time, so time slices lost to other
    // work on a shared machine do not count (caches they pollute still do).
    let cpu_time = || {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: valid out-pointer.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    };
    let mut best = vec![f64::MAX; jobs.len()];
    for _ in 0..reps {
        for (j, (_, f)) in jobs.iter_mut().enumerate() {
            let (t0, c0) = (Instant::now(), cpu_time());
            f();
            let dt = if threads == 1 {
                cpu_time() - c0
            } else {
                t0.elapsed().as_secs_f64()
            };
            best[j] = best[j].min(dt);
        }
    }
    for ((name, _), t) in jobs.iter().zip(&best) {
        println!(
            "{m}x{n}x{k} threads={threads} {name:48} {:8.1} GOP/s",
            ops / t / 1e9
        );
    }
}
