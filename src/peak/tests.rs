//! The probes against scalar replays of their loops: the accumulators must
//! match bit for bit, and the multiply-adds the replay performs must be
//! exactly half the operations the probe claims.

use super::*;

fn ctx(isa: Isa, threads: usize) -> Context {
    Context::builder().max_isa(isa).threads(threads).build().unwrap()
}

/// Compute probes exist on x86_64 only.
#[cfg(target_arch = "x86_64")]
mod compute {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn int(&mut self, lo: i32, hi: i32) -> i32 {
            lo + (self.next() % (hi - lo + 1) as u64) as i32
        }
    }

    fn f32_at(b: &[u8; 64], i: usize) -> f32 {
        f32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap())
    }
    fn i32_at(b: &[u8; 64], i: usize) -> i32 {
        i32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap())
    }
    fn i16_at(b: &[u8; 64], i: usize) -> i16 {
        i16::from_le_bytes(b[2 * i..2 * i + 2].try_into().unwrap())
    }
    fn bf16_at(b: &[u8; 64], i: usize) -> f32 {
        f32::from_bits((u16::from_le_bytes(b[2 * i..2 * i + 2].try_into().unwrap()) as u32) << 16)
    }

    /// Operands for the replay: any bytes for the integer steps (the chain then
    /// saturates sometimes), small whole numbers for the float steps so that
    /// every sum is exact whatever order the hardware adds in.
    fn operands(step: Step, rng: &mut Rng) -> [[u8; 64]; 3] {
        let mut ops = [[0u8; 64]; 3];
        for blob in ops.iter_mut() {
            match step {
                Step::FmaF32 => {
                    for i in 0..16 {
                        blob[4 * i..4 * i + 4].copy_from_slice(&(rng.int(-4, 4) as f32).to_le_bytes());
                    }
                }
                Step::DpBf16 => {
                    for i in 0..32 {
                        let bits = ((rng.int(-4, 4) as f32).to_bits() >> 16) as u16;
                        blob[2 * i..2 * i + 2].copy_from_slice(&bits.to_le_bytes());
                    }
                }
                _ => blob.iter_mut().for_each(|b| *b = rng.next() as u8),
            }
        }
        ops
    }

    fn initial_acc(step: Step, rng: &mut Rng) -> [[u8; 64]; kp::N_ACC] {
        let mut acc = [[0u8; 64]; kp::N_ACC];
        for a in acc.iter_mut() {
            for i in 0..16 {
                let v = match step {
                    Step::FmaF32 | Step::DpBf16 => (rng.int(-100, 100) as f32).to_le_bytes(),
                    _ => (rng.next() as u32).to_le_bytes(),
                };
                a[4 * i..4 * i + 4].copy_from_slice(&v);
            }
        }
        acc
    }

    /// Bytes of input per multiply-add: 4 for f32, 2 for s16 and bf16, 1 for u8.
    fn lane_bytes(step: Step) -> usize {
        match step {
            Step::FmaF32 => 4,
            Step::MaddS16 | Step::DpBf16 => 2,
            Step::DpbusdU8S8 | Step::ChainU8S8 => 1,
        }
    }

    /// Applies one step to `acc` in scalar code; returns the multiply-adds done.
    fn replay_step(
        step: Step,
        vbytes: usize,
        acc: &mut [u8; 64],
        x: &[u8; 64],
        y: &[u8; 64],
        z: &[u8; 64],
    ) -> u64 {
        let mut macs = 0u64;
        let put = |acc: &mut [u8; 64], i: usize, v: [u8; 4]| acc[4 * i..4 * i + 4].copy_from_slice(&v);
        for i in 0..vbytes / 4 {
            match step {
                Step::FmaF32 => {
                    let v = f32_at(x, i).mul_add(f32_at(y, i), f32_at(acc, i));
                    macs += 1;
                    put(acc, i, v.to_le_bytes());
                }
                Step::DpBf16 => {
                    let mut v = f32_at(acc, i);
                    for j in [2 * i + 1, 2 * i] {
                        v += bf16_at(x, j) * bf16_at(y, j);
                        macs += 1;
                    }
                    put(acc, i, v.to_le_bytes());
                }
                Step::DpbusdU8S8 => {
                    let mut s = 0i32;
                    for j in 4 * i..4 * i + 4 {
                        s += x[j] as i32 * y[j] as i8 as i32;
                        macs += 1;
                    }
                    put(acc, i, i32_at(acc, i).wrapping_add(s).to_le_bytes());
                }
                Step::ChainU8S8 => {
                    let mut s = 0i64;
                    for w in 2 * i..2 * i + 2 {
                        let mut pair = 0i32;
                        for j in 2 * w..2 * w + 2 {
                            pair += x[j] as i32 * y[j] as i8 as i32;
                            macs += 1;
                        }
                        let sat = pair.clamp(i16::MIN as i32, i16::MAX as i32) as i64;
                        s += sat * i16_at(z, w) as i64;
                    }
                    put(acc, i, i32_at(acc, i).wrapping_add(s as i32).to_le_bytes());
                }
                Step::MaddS16 => {
                    let mut s = 0i64;
                    for w in 2 * i..2 * i + 2 {
                        s += i16_at(x, w) as i64 * i16_at(y, w) as i64;
                        macs += 1;
                    }
                    put(acc, i, i32_at(acc, i).wrapping_add(s as i32).to_le_bytes());
                }
            }
        }
        macs
    }

    #[test]
    fn compute_probes_match_their_scalar_replay_and_op_count() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut ran = 0;
        for probe in available_probes() {
            let ProbeKind::Compute { step, vbytes, kernel } = probe.kind() else {
                continue;
            };
            for iters in [0usize, 1, 2, 3, 17] {
                let [x, y, z] = operands(step, &mut rng);
                let init = initial_acc(step, &mut rng);
                let mut hw = init;
                // SAFETY: `available_probes` only yields probes whose features are detected.
                let claimed_macs = unsafe { kernel(iters, &x, &y, &z, &mut hw) };
                let mut model = init;
                let mut macs = 0;
                for _ in 0..iters {
                    for a in model.iter_mut() {
                        macs += replay_step(step, vbytes, a, &x, &y, &z);
                    }
                }
                assert_eq!(hw, model, "{} after {iters} iterations", probe.name());
                assert_eq!(claimed_macs, macs, "{} after {iters} iterations", probe.name());
                // What the prepared probe claims for the same number of iterations.
                if iters > 0 {
                    let per_iter = macs / iters as u64;
                    assert_eq!(per_iter as usize, kp::N_ACC * vbytes / lane_bytes(step));
                    let cfg = PeakConfig {
                        compute_macs: (iters as u64 - 1) * per_iter + 1,
                        ..Default::default()
                    };
                    let claimed = probe.prepare(&ctx(probe.isa(), 1), &cfg).unwrap().run();
                    assert_eq!(claimed.ops, 2.0 * macs as f64, "{}", probe.name());
                    assert_eq!(claimed.bytes, 0.0);
                }
            }
            ran += 1;
        }
        if Isa::Avx2.is_available() {
            assert!(ran >= 3, "only {ran} compute probes ran");
        }
    }
}

#[test]
fn memory_probes_compute_what_they_claim() {
    let v: Vec<u64> = (0..1003u64)
        .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .collect();
    let want = v.iter().fold(0u64, |s, x| s.wrapping_add(*x));
    assert_eq!(
        lowp_kernels::scalar::peak_read_bw::peak_read_bw_u64_scalar(&v),
        want
    );
    let b: Vec<f32> = (0..101).map(|i| i as f32 * 0.5).collect();
    let c: Vec<f32> = (0..101).map(|i| 3.0 - i as f32).collect();
    let mut a = vec![0.0f32; 100];
    assert_eq!(
        lowp_kernels::scalar::peak_triad::peak_triad_f32_scalar(&mut a, &b, &c, 1.5),
        100
    );
    for i in 0..100 {
        assert_eq!(a[i], b[i] + 1.5 * c[i]);
    }
    let cfg = PeakConfig {
        memory_bytes: 1 << 16,
        ..Default::default()
    };
    for threads in [1, 2] {
        let ctx = ctx(Isa::Scalar, threads);
        let read = find("peak_read_bw").unwrap().prepare(&ctx, &cfg).unwrap().run();
        let per = (1 << 16) / (8 * threads);
        assert_eq!(read.bytes, (8 * per * threads) as f64);
        assert_eq!(read.ops, (per * threads) as f64);
        let triad = find("peak_triad").unwrap().prepare(&ctx, &cfg).unwrap().run();
        let per = (1 << 16) / (12 * threads);
        assert_eq!(triad.bytes, (12 * per * threads) as f64);
        assert_eq!(triad.ops, (2 * per * threads) as f64);
    }
}

#[test]
fn ops_scale_with_threads() {
    let cfg = PeakConfig {
        compute_macs: 1 << 12,
        ..Default::default()
    };
    for probe in available_probes().into_iter().filter(|p| !p.is_memory()) {
        let one = probe.prepare(&ctx(probe.isa(), 1), &cfg).unwrap().run();
        let two = probe.prepare(&ctx(probe.isa(), 2), &cfg).unwrap().run();
        assert_eq!(two.ops, 2.0 * one.ops, "{}", probe.name());
    }
}

#[test]
fn probes_are_gated_on_features_and_the_context_cap() {
    let scalar = ctx(Isa::Scalar, 1);
    let cfg = PeakConfig::default();
    for probe in probes() {
        if !probe.is_available() {
            let e = probe.prepare(&scalar, &cfg).unwrap_err().to_string();
            assert!(e.contains(probe.name()), "{e}");
        } else if probe.isa() > Isa::Scalar {
            let e = probe.prepare(&scalar, &cfg).unwrap_err().to_string();
            assert!(e.contains("capped at scalar"), "{e}");
        }
    }
    let bf16 = find("peak_vdpbf16ps_zmm");
    if cfg!(target_arch = "x86_64") {
        let bf16 = bf16.unwrap();
        assert_eq!(
            bf16.is_available(),
            Isa::Avx512.is_available() && cpu_features().avx512bf16
        );
        let vex = find("peak_vpdpbusd_ymm_vex").unwrap();
        assert_eq!(
            vex.is_available(),
            cpu_features().avxvnni && Isa::Avx2.is_available()
        );
    }
    let e = find("peak_read_bw")
        .unwrap()
        .prepare(
            &ctx(Isa::Scalar, 2),
            &PeakConfig {
                memory_bytes: 8,
                ..cfg
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("memory_bytes"), "{e}");
}

#[test]
fn measure_reports_rates_and_time_median_counts_samples() {
    let mut calls = 0;
    let (t, w) = time_median(2, 5, 0.0, || {
        calls += 1;
        Work { ops: 4.0, bytes: 0.0 }
    });
    assert_eq!((t.samples, t.runs_per_sample, calls, w.ops), (5, 1, 7, 4.0));
    assert!(t.min_s <= t.median_s && t.median_s <= t.max_s);
    let t = Timing::from_samples(vec![3.0, 1.0, 2.0, 10.0], 4);
    assert_eq!(
        (t.median_s, t.min_s, t.max_s, t.samples, t.runs_per_sample),
        (2.5, 1.0, 10.0, 4, 4)
    );
    let mut runs = 0;
    let (s, w) = sample(3, || {
        runs += 1;
        Work { ops: 1.0, bytes: 2.0 }
    });
    assert!(s >= 0.0 && runs == 3 && w.bytes == 2.0);
    let cfg = PeakConfig {
        compute_macs: 1 << 14,
        memory_bytes: 1 << 16,
        warmup: 1,
        reps: 3,
    };
    let ctx = ctx(Isa::best(), 1);
    let all = measure_all(&ctx, &cfg).unwrap();
    assert_eq!(all.len(), available_probes().len());
    for r in all {
        assert!(r.gops > 0.0 && r.seconds > 0.0, "{r:?}");
        assert_eq!(r.gbytes_per_s.is_some(), find(r.probe).unwrap().is_memory());
    }
}

/// The L3 probe reads half the context's L3, whatever the configured
/// memory size, and reports GB/s like the memory probe.
#[test]
fn l3_read_probe_reads_half_the_l3() {
    let ctx = Context::builder().threads(1).ignore_env().build().unwrap();
    let probe = find("peak_read_bw_l3").unwrap();
    assert!(probe.is_memory() && probe.is_available());
    let work = probe.prepare(&ctx, &PeakConfig::default()).unwrap().run();
    let want = (ctx.cache_sizes().l3 / 2 / 8 * 8) as f64;
    assert_eq!(work.bytes, want);
}
