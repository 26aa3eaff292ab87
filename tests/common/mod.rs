//! Helpers shared by the integration tests (each test file is its own crate
//! and uses a part): contexts per ISA level, a seeded generator, 8-bit
//! element types from bytes, and the INT8 GEMM's common calls.
#![allow(dead_code)]

mod conv_fixed;

use lowp::igemm::{igemm, Int8, KernelPreference, Output, PackOptions, Saturation};
use lowp::igemm::{PackedI8Weights, WeightZeroPoint};
use lowp::{Context, Isa, MatMut, MatRef};

/// A context capped at `isa` with `threads` threads, ignoring the
/// environment (`LOWP_MAX_ISA`, `LOWP_NUM_THREADS`).
pub fn ctx(isa: Isa, threads: usize) -> Context {
    Context::builder()
        .max_isa(isa)
        .threads(threads)
        .ignore_env()
        .build()
        .unwrap()
}

/// [`ctx`] for every available level, lowest first.
pub fn contexts(threads: usize) -> Vec<Context> {
    Isa::available()
        .into_iter()
        .map(|isa| ctx(isa, threads))
        .collect()
}

/// A context capped at each available level (lowest first) with `threads`
/// threads, honoring the environment: the `LOWP_MAX_ISA=avx2` CI run caps
/// these too, so the dot tests run the capped dispatch the way users get it.
pub fn env_contexts(threads: usize) -> Vec<Context> {
    Isa::available()
        .into_iter()
        .map(|isa| Context::builder().max_isa(isa).threads(threads).build().unwrap())
        .collect()
}

/// splitmix64: deterministic values from a seed (0 included), with the
/// float and index draws of the dot tests.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64-bit value.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A float in `[-1, 1)` (24 random bits).
    pub fn f32(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }

    /// An index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// xorshift64*: deterministic values from a proptest seed. Each test file
/// adds the draws it needs (bytes, ranges, floats) in its own `impl Rng`.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64-bit value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// An 8-bit element made from a byte's bits (`u8` as is, `i8` reinterpreted).
pub trait FromByte: Int8 + lowp_reference::igemm::Int8 {
    /// The element with the bits of `b`.
    fn from_byte(b: u8) -> Self;
}

impl FromByte for u8 {
    fn from_byte(b: u8) -> u8 {
        b
    }
}

impl FromByte for i8 {
    fn from_byte(b: u8) -> i8 {
        b as i8
    }
}

/// Default packing options but for the saturation mode.
pub fn with_saturation(saturation: Saturation) -> PackOptions {
    PackOptions {
        saturation,
        ..Default::default()
    }
}

/// Default packing options but for the kernel preference.
pub fn with_preference(preference: KernelPreference) -> PackOptions {
    PackOptions {
        preference,
        ..Default::default()
    }
}

/// `b` packed on `ctx` with zero point(s) `zb` and default options.
pub fn pack<B: Int8>(
    ctx: &Context,
    b: MatRef<'_, B>,
    zb: WeightZeroPoint<'_>,
) -> lowp::Result<PackedI8Weights> {
    PackedI8Weights::pack(ctx, b, zb, PackOptions::default())
}

/// A row-major `rows × cols` s32 output, overwritten (not accumulated).
pub fn s32_out(c: &mut [i32], rows: usize, cols: usize) -> Output<'_> {
    Output::S32 {
        c: MatMut::row_major(c, rows, cols).unwrap(),
        accumulate: false,
    }
}

/// `a·p` (activation zero point `za`) as raw s32 in a fresh row-major
/// output, which starts zeroed.
pub fn igemm_s32<A: Int8>(ctx: &Context, a: MatRef<'_, A>, za: i32, p: &PackedI8Weights) -> Vec<i32> {
    let (m, n) = (a.rows(), p.n());
    let mut got = vec![0i32; m * n];
    igemm(ctx, a, za, p, s32_out(&mut got, m, n)).unwrap();
    got
}

/// Checks a convolution's f32 (per-channel scale, bias, clamp), u8 (bias,
/// ReLU) and s8 (per-channel scale) outputs, and the fixed-point ones
/// ([`conv_fixed::check_conv_fixed`]), bit for bit against the
/// oracle's pipelines applied to its s32 result `want` (`k` output
/// channels); `run` runs the plan into an output.
pub fn check_conv_pipelines(k: usize, want: &[i32], what: &str, run: impl Fn(lowp::conv::ConvOutput<'_>)) {
    use lowp::conv::ConvOutput;
    use lowp::igemm::{Activation, Dequantize, Requantize, Scale};
    use lowp_reference::igemm::{dequantize_one, requantize_one};
    let scales: Vec<f32> = (0..k).map(|j| 1.0 / (64.0 + 7.0 * j as f32)).collect();
    let fbias: Vec<f32> = (0..k).map(|j| j as f32 - 2.5).collect();
    let dq = Dequantize {
        scale: Scale::PerColumn(&scales),
        bias: Some(&fbias),
        activation: Activation::Clamp {
            min: -20.0,
            max: 30.0,
        },
    };
    let mut f = vec![0f32; want.len()];
    run(ConvOutput::F32 {
        output: &mut f,
        dequantize: dq,
    });
    for (i, (&y, &v)) in f.iter().zip(want).enumerate() {
        let e = dequantize_one(v, i % k, &dq.scale, dq.bias, dq.activation);
        assert_eq!(y.to_bits(), e.to_bits(), "f32 {what} at {i}");
    }
    let ibias: Vec<i32> = (0..k).map(|j| 100 * j as i32 - 300).collect();
    let rq = Requantize {
        bias: Some(&ibias),
        relu: true,
        ..Requantize::new(Scale::PerTensor(1.0 / 300.0), 5)
    };
    let mut q = vec![0u8; want.len()];
    run(ConvOutput::U8 {
        output: &mut q,
        requantize: rq,
    });
    for (i, (&y, &v)) in q.iter().zip(want).enumerate() {
        assert_eq!(
            y as i32,
            requantize_one(v, i % k, &rq, 0, 255),
            "u8 {what} at {i}"
        );
    }
    let rq = Requantize::new(Scale::PerColumn(&scales), -3);
    let mut q = vec![0i8; want.len()];
    run(ConvOutput::S8 {
        output: &mut q,
        requantize: rq,
    });
    for (i, (&y, &v)) in q.iter().zip(want).enumerate() {
        assert_eq!(
            y as i32,
            requantize_one(v, i % k, &rq, -128, 127),
            "s8 {what} at {i}"
        );
    }
    conv_fixed::check_conv_fixed(k, want, what, &run);
}

/// Asserts `|got[i] − act(want[i])| ≤ tol·mag[i]` for every `i` (an f32
/// result against the oracle's value and magnitude `Σ|x||w| + |bias|`, the
/// activation applied as `f32::max`/`min`); `what` names the case.
pub fn assert_activated_close(
    got: &[f32],
    want: &[f32],
    mag: &[f32],
    act: lowp::igemm::Activation,
    tol: f32,
    what: &dyn Fn() -> String,
) {
    use lowp::igemm::Activation;
    for (i, ((&y, &v), &m)) in got.iter().zip(want).zip(mag).enumerate() {
        let v = match act {
            Activation::Identity => v,
            Activation::Relu => v.max(0.0),
            Activation::Clamp { min, max } => v.max(min).min(max),
        };
        assert!(
            (y - v).abs() <= tol * m,
            "{} {act:?} at {i}: got {y}, want {v}",
            what()
        );
    }
}
