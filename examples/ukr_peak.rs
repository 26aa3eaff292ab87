//! Microkernel throughput in isolation (tuning aid).
fn main() {
    #[cfg(target_arch = "x86_64")]
    {
        use lowp_kernels::x86_64::avx512::sgemm_f32_14x32::sgemm_f32_14x32_avx512 as k14;
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let kc: usize = std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(256);
        let a = vec![0.001f32; 14 * kc];
        let b = vec![0.001f32; 32 * kc];
        let mut c = vec![0.0f32; 14 * 32];
        let reps = 200_000_000 / kc / 14;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let now = |ts: &mut libc::timespec| {
            // SAFETY: valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, ts) };
            ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
        };
        let t0 = now(&mut ts);
        for _ in 0..reps {
            // SAFETY: buffers sized for the 14x32 contract; CPU has avx512f.
            unsafe { k14(kc, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), 32, 1.0, 1.0) };
        }
        let dt = now(&mut ts) - t0;
        let flops = 2.0 * 14.0 * 32.0 * kc as f64 * reps as f64;
        println!("kc={kc}: {:.1} GFLOP/s", flops / dt / 1e9);
    }
}
