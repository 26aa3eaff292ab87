//! The convolution's fixed-point (gemmlowp / TFLite) outputs against the
//! oracle's output stage, for [`super::check_conv_pipelines`].

use lowp::conv::ConvOutput;
use lowp::quant::{FixedPointRequantize, FixedScale};
use lowp_reference::quant::{quantize_multiplier, requantize_fixed_one};

/// Checks `run`'s `ConvOutput::U8Fixed` (per-channel multipliers from
/// small real scales, bias, ReLU) and `S8Fixed` (per tensor, an exact half:
/// every other value a tie; clamp) and `S8Fixed` with per-channel extremes
/// (`i32::MIN`, a left shift, shift −31) bit for bit against
/// `requantize_fixed_one` over the s32 result `want` (`k` channels).
pub fn check_conv_fixed(k: usize, want: &[i32], what: &str, run: &impl Fn(ConvOutput<'_>)) {
    let (mult, shift): (Vec<i32>, Vec<i32>) = (0..k)
        .map(|j| quantize_multiplier(1.0 / (300.0 + 97.0 * j as f64)))
        .unzip();
    let bias: Vec<i32> = (0..k).map(|j| 211 * j as i32 - 1000).collect();
    let rq = FixedPointRequantize {
        scale: FixedScale::PerColumn(&mult, &shift),
        bias: Some(&bias),
        zero_point: 7,
        relu: true,
        clamp: None,
    };
    let mut q = vec![0u8; want.len()];
    run(ConvOutput::U8Fixed {
        output: &mut q,
        requantize: rq,
    });
    for (i, (&y, &v)) in q.iter().zip(want).enumerate() {
        assert_eq!(
            y as i32,
            requantize_fixed_one(v, i % k, &rq, 0, 255),
            "u8 fixed {what} at {i}"
        );
    }
    let (xm, xs): (Vec<i32>, Vec<i32>) = (0..k)
        .map(|j| match j % 4 {
            0 => (i32::MIN, -12),
            1 => (1 << 30, 2),
            2 => (i32::MAX, -31),
            _ => (-(3 << 28), -9),
        })
        .unzip();
    let ties = FixedPointRequantize {
        clamp: Some((-100, 90)),
        ..FixedPointRequantize::new(1 << 30, -9, -3)
    };
    let extremes = FixedPointRequantize {
        scale: FixedScale::PerColumn(&xm, &xs),
        ..FixedPointRequantize::new(0, 0, 4)
    };
    for (name, rq) in [("ties", ties), ("extremes", extremes)] {
        let mut q = vec![0i8; want.len()];
        run(ConvOutput::S8Fixed {
            output: &mut q,
            requantize: rq,
        });
        for (i, (&y, &v)) in q.iter().zip(want).enumerate() {
            let e = requantize_fixed_one(v, i % k, &rq, -128, 127);
            assert_eq!(y as i32, e, "s8 fixed ({name}) {what} at {i}");
        }
    }
}
