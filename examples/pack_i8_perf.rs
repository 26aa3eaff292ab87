//! Times `PackedI8Weights::pack` on the common layouts: row-major `K × N`
//! and column-major (N vectors of length K, as `PackedDatabase` packs a
//! database chunk), s8 and u8, at the best ISA level, 1 thread.
//!
//! `cargo run --release --example pack_i8_perf -- [k] [n] [reps]`
//! (defaults 128 262144 5). Prints the median ms per pack and GB/s of
//! weights read.

use lowp::igemm::{Int8, PackOptions, PackedI8Weights, WeightZeroPoint};
use lowp::{Context, MatRef};
use std::time::Instant;

fn time<T: Int8>(ctx: &Context, b: MatRef<'_, T>, reps: usize) -> Result<f64, lowp::Error> {
    let mut t = Vec::new();
    for _ in 0..reps.max(1) {
        let x = Instant::now();
        let p = PackedI8Weights::pack(ctx, b, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
        t.push(x.elapsed().as_secs_f64());
        std::hint::black_box(&p);
    }
    t.sort_by(f64::total_cmp);
    Ok(t[t.len() / 2])
}

fn main() -> Result<(), lowp::Error> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let arg = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (k, n, reps) = (arg(0, 128), arg(1, 262_144), arg(2, 5));
    let ctx = Context::builder().threads(1).build()?;
    let s: Vec<i8> = (0..k * n)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 13) as i8)
        .collect();
    let u: Vec<u8> = s.iter().map(|&x| x as u8).collect();
    let gb = (k * n) as f64 / 1e9;
    let rows = [
        ("s8 row-major", time(&ctx, MatRef::row_major(&s, k, n)?, reps)?),
        (
            "s8 col-major",
            time(&ctx, MatRef::row_major(&s, n, k)?.t(), reps)?,
        ),
        ("u8 row-major", time(&ctx, MatRef::row_major(&u, k, n)?, reps)?),
        (
            "u8 col-major",
            time(&ctx, MatRef::row_major(&u, n, k)?.t(), reps)?,
        ),
    ];
    for (name, sec) in rows {
        println!(
            "{name}: K={k} N={n} {} {:9.3} ms {:7.2} GB/s",
            ctx.isa(),
            sec * 1e3,
            gb / sec
        );
    }
    Ok(())
}
