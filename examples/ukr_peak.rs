//! Microkernel throughput in isolation (tuning aid).
//!
//! `ukr_peak [KC] [14x32|16x16|8x32]`: an f32 kernel on L1-resident panels
//! (14x32: the tile kernel; 16x16 and 8x32: the small-M B-streaming kernels,
//! B rows read NR apart).
//! `ukr_peak igemm KG PH ROWS PANELS [CHUNK [APANELS]]`: the INT8 VNNI kernels
//! (14×32 zmm, 6×32 ymm; with `IGEMM_UKR=chain` the AVX2 chain 4×16 and
//! exact 2×16) over `KG` k-groups, A panels of `PH` rows (group stride
//! `4·PH`) split into sub-tiles of at most MR of `ROWS` rows, swept over
//! `PANELS` B panels the way the driver's macro-kernel does (B panel outer,
//! sub-tiles inner; with `CHUNK`, K cut into chunks of that many groups
//! inside each panel; with `APANELS`, that many A panels per B panel), so the data comes from the cache level those sizes
//! imply. Compare with the whole call (`lowp bench`, `igemm_min`) to see
//! what the driver costs.
fn main() {
    #[cfg(target_arch = "x86_64")]
    {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            return;
        }
        let args: Vec<String> = std::env::args().collect();
        let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let mut now = || {
            // SAFETY: valid out-pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
            ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
        };
        if args.get(1).map(String::as_str) == Some("igemm") {
            type Ukr = unsafe fn(
                usize,
                usize,
                *const u8,
                usize,
                *const i8,
                *mut i32,
                usize,
                Option<&TileCorrection>,
            );
            use lowp_kernels::scalar::igemm_tile_store::TileCorrection;
            let (kg, ph, rows, panels) = (arg(2, 64), arg(3, 42), arg(4, 42), arg(5, 1));
            let chunk = arg(6, kg).max(1);
            let apanels = arg(7, 1).max(1);
            // `IGEMM_UKR=chain` times the AVX2 kernels (16-column
            // panels); otherwise the VNNI ones (32 columns). The kernels of a
            // family run interleaved, round by round.
            use lowp_kernels::x86_64::{avx2, avx512vnni};
            let chain = std::env::var("IGEMM_UKR").is_ok_and(|v| v == "chain");
            let (nr, kernels): (usize, Vec<(&str, usize, Ukr)>) = if chain {
                let k4: Ukr = avx2::igemm_u8s8s32_chain_4x16_avx2;
                let k2: Ukr = avx2::igemm_u8s8s32_exact_2x16_avx2;
                (16, vec![("chain_4x16", 4, k4), ("exact_2x16", 2, k2)])
            } else {
                if !std::arch::is_x86_feature_detected!("avx512vnni") {
                    return;
                }
                let k14: Ukr = avx512vnni::igemm_u8s8s32_14x32_avx512vnni;
                let k6: Ukr = avx512vnni::igemm_u8s8s32_6x32_avx512vnni_ymm;
                (32, vec![("14x32", 14, k14), ("6x32_ymm", 6, k6)])
            };
            let a = vec![1u8; 4 * ph * kg * apanels];
            let b = vec![1i8; 4 * nr * kg * panels];
            let mut c = vec![0i32; ph * nr];
            let work = 2.0 * (rows * nr * 4 * kg * panels * apanels) as f64;
            let reps = (2e9 / work).ceil() as usize;
            let mut best = vec![0f64; kernels.len()];
            for _ in 0..7 {
                for (&(_, mr, f), best) in kernels.iter().zip(&mut best) {
                    let t0 = now();
                    for _ in 0..reps {
                        for (p, ap) in (0..panels).flat_map(|p| (0..apanels).map(move |q| (p, q))) {
                            let a = &a[ap * 4 * ph * kg..];
                            for g0 in (0..kg).step_by(chunk) {
                                let cg = chunk.min(kg - g0);
                                let mut i = 0;
                                while i < rows {
                                    let mm = mr.min(rows - i);
                                    // SAFETY: a holds ph rows × kg groups, b panels ×
                                    // kg·4·nr bytes, c ph × nr i32; the CPU has
                                    // the kernel family's features.
                                    unsafe {
                                        f(
                                            mm,
                                            cg,
                                            a.as_ptr().add(4 * i + 4 * ph * g0),
                                            4 * ph,
                                            b.as_ptr().add(4 * nr * (p * kg + g0)),
                                            c.as_mut_ptr().add(nr * i),
                                            nr,
                                            None,
                                        )
                                    };
                                    i += mm;
                                }
                            }
                        }
                    }
                    *best = best.max(work * reps as f64 / (now() - t0) / 1e9);
                }
            }
            for ((name, _, _), best) in kernels.iter().zip(&best) {
                println!("igemm {name} kg={kg} ph={ph} rows={rows} panels={panels} chunk={chunk} apanels={apanels}: {best:.1} GOP/s (best of 7)");
            }
            return;
        }
        use lowp_kernels::x86_64::avx512::sgemm_f32_14x32::sgemm_f32_14x32_avx512 as k14;
        use lowp_kernels::x86_64::avx512::sgemm_f32_16x16_bstream::sgemm_f32_16x16_bstream_avx512 as k16;
        use lowp_kernels::x86_64::avx512::sgemm_f32_8x32_bstream::sgemm_f32_8x32_bstream_avx512 as k8;
        let kc = arg(1, 256);
        let which = args.get(2).cloned().unwrap_or_else(|| "14x32".into());
        let (mr, nr) = match which.as_str() {
            "16x16" => (16, 16),
            "8x32" => (8, 32),
            _ => (14, 32),
        };
        let a = vec![0.001f32; mr * kc];
        let b = vec![0.001f32; nr * kc];
        let mut c = vec![0.0f32; mr * nr];
        let reps = 200_000_000 / kc / mr;
        let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        let t0 = now();
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
        let dt = now() - t0;
        let flops = 2.0 * (mr * nr * kc) as f64 * reps as f64;
        println!("{which} kc={kc}: {:.1} GFLOP/s", flops / dt / 1e9);
    }
}
