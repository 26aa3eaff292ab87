//! Post-training static quantization of a Linear+ReLU layer, end to end:
//!
//! 1. calibrate the input and the output on sample activations (histogram
//!    with the entropy threshold for the input, min-max for the output);
//! 2. quantize the weights per output channel (symmetric s8);
//! 3. prepack them, fold the bias into s32;
//! 4. run the layer as one INT8 GEMM whose output stage requantizes to u8
//!    with ReLU (fused into the tile store);
//! 5. compare with the f32 layer and print the error.
//!
//! `cargo run --release --example ptq_linear`

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint};
use lowp::quant::{
    dequantize, quantize, quantize_weights_per_channel_s8, HistogramObserver, MinMaxObserver, Observer,
    QuantDtype,
};
use lowp::{Context, MatMut, MatRef};

/// A deterministic roughly-normal value (sum of four uniforms).
fn gauss(state: &mut u64) -> f32 {
    let mut s = 0.0;
    for _ in 0..4 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s += (*state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
    }
    s * 1.7
}

/// The f32 reference: `relu(x·Wᵀ + b)`.
fn linear_relu(x: &[f32], w: &[f32], b: &[f32], m: usize, n: usize, k: usize) -> Vec<f32> {
    let mut y = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let dot: f32 = (0..k).map(|kk| x[i * k + kk] * w[j * k + kk]).sum();
            y[i * n + j] = (dot + b[j]).max(0.0);
        }
    }
    y
}

fn main() -> Result<(), lowp::Error> {
    let ctx = Context::builder().threads(1).build()?;
    let (n, k) = (64, 256);
    let mut rng = 42u64;
    let w: Vec<f32> = (0..n * k).map(|_| gauss(&mut rng) * 0.08).collect();
    let b: Vec<f32> = (0..n).map(|_| gauss(&mut rng) * 0.1).collect();
    let batch = |rng: &mut u64, m: usize| -> Vec<f32> { (0..m * k).map(|_| gauss(rng)).collect() };

    // 1. Calibration: eight batches of 32 rows.
    let mut x_obs = HistogramObserver::default();
    let mut y_obs = MinMaxObserver::default();
    for _ in 0..8 {
        let x = batch(&mut rng, 32);
        x_obs.observe(&x);
        y_obs.observe(&linear_relu(&x, &w, &b, 32, n, k));
    }
    let xp = x_obs.params_entropy(QuantDtype::U8, false)?;
    let yp = y_obs.params(QuantDtype::U8, false, false)?;
    let (sx, zx) = (xp.scale(0), xp.zero_point(0));
    let (sy, zy) = (yp.scale(0), yp.zero_point(0));
    println!(
        "input:  scale {sx:.5}, zero point {zx} (entropy threshold {:.3})",
        x_obs.entropy_threshold(128)?
    );
    println!("output: scale {sy:.5}, zero point {zy}");

    // 2. Weights: per output channel, symmetric s8.
    let mut wq = vec![0i8; n * k];
    let sw = quantize_weights_per_channel_s8(&ctx, MatRef::row_major(&w, n, k)?, &mut wq)?;

    // 3. Prepack (the GEMM takes K × N: the transpose of PyTorch's N × K);
    //    the bias in accumulator units sx·sw_j; the requantize multiplier.
    let packed = PackedI8Weights::pack(
        &ctx,
        MatRef::row_major(&wq, n, k)?.t(),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )?;
    let bq: Vec<i32> = (0..n)
        .map(|j| (b[j] / (sx * sw[j])).round_ties_even() as i32)
        .collect();
    let mult: Vec<f32> = (0..n).map(|j| sx * sw[j] / sy).collect();

    // 4. Inference on fresh data: quantize the input, one fused GEMM.
    let m = 128;
    let x = batch(&mut rng, m);
    let mut xq = vec![0u8; m * k];
    quantize(&ctx, &x, &mut xq, &xp)?;
    let mut yq = vec![0u8; m * n];
    let requantize = Requantize {
        bias: Some(&bq),
        relu: true,
        ..Requantize::new(Scale::PerColumn(&mult), zy)
    };
    igemm(
        &ctx,
        MatRef::row_major(&xq, m, k)?,
        zx,
        &packed,
        Output::U8 {
            c: MatMut::row_major(&mut yq, m, n)?,
            requantize,
        },
    )?;

    // 5. Compare with the f32 layer.
    let mut y = vec![0f32; m * n];
    dequantize(&ctx, &yq, &mut y, &yp)?;
    let want = linear_relu(&x, &w, &b, m, n, k);
    let max_err = y
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    let rms_err = (y
        .iter()
        .zip(&want)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        / y.len() as f64)
        .sqrt();
    let rms_sig = (want.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / want.len() as f64).sqrt();
    println!("{m}x{k} · {k}x{n}, Linear+ReLU, u8 in / s8 weights / u8 out");
    println!(
        "max |error| {max_err:.4} ({:.2} output steps), RMS error {rms_err:.4}",
        max_err / sy
    );
    println!("SQNR {:.1} dB", 20.0 * (rms_sig / rms_err).log10());
    Ok(())
}
