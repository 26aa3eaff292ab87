//! Microkernel throughput in isolation, operands in L1 (tuning aid).
//! `ukr_peak [KC] [14x32|16x16|8x32]` (14x32: the tile kernel; 16x16 and
//! 8x32: the small-M B-streaming kernels, B rows read NR apart).
fn main() {
    #[cfg(target_arch = "x86_64")]
    {
        use lowp_kernels::x86_64::avx512::sgemm_f32_14x32::sgemm_f32_14x32_avx512 as k14;
        use lowp_kernels::x86_64::avx512::sgemm_f32_16x16_bstream::sgemm_f32_16x16_bstream_avx512 as k16;
        use lowp_kernels::x86_64::avx512::sgemm_f32_8x32_bstream::sgemm_f32_8x32_bstream_avx512 as k8;
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let kc: usize = std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(256);
        let which = std::env::args().nth(2).unwrap_or_else(|| "14x32".into());
        let (mr, nr) = match which.as_str() {
            "16x16" => (16, 16),
            "8x32" => (8, 32),
            _ => (14, 32),
        };
        let a = vec![0.001f32; mr * kc];
        let b = vec![0.001f32; nr * kc];
        let mut c = vec![0.0f32; mr * nr];
        let reps = 200_000_000 / kc / mr;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let now = |ts: &mut libc::timespec| {
            // SAFETY: valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, ts) };
            ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
        };
        let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        let t0 = now(&mut ts);
        for _ in 0..reps {
            // SAFETY: buffers sized for each kernel's contract (MR·kc of A,
            // kc rows of NR floats of B, an MR × NR C); the CPU has avx512f.
            unsafe {
                match mr {
                    16 => k16(kc, ap, bp, nr, 0, cp, nr, mr, 1.0, 1.0),
                    8 => k8(kc, ap, bp, nr, 0, cp, nr, mr, 1.0, 1.0),
                    _ => k14(kc, ap, bp, cp, nr, 1.0, 1.0),
                }
            }
        }
        let dt = now(&mut ts) - t0;
        let flops = 2.0 * (mr * nr * kc) as f64 * reps as f64;
        println!("{which} kc={kc}: {:.1} GFLOP/s", flops / dt / 1e9);
    }
}
