//! A batch-1 layer sequence (issue 21): BERT-base's feed-forward block at
//! M = 1, 8, 32 tokens, 768 → 3072 (ReLU) → 768, the two GEMMs back to back.
//! `mlp_u8`: u8 × s8 prepacked, the hidden layer requantized to u8 with ReLU
//! and the output requantized to u8; `mlp_f32`: `sgemm_packed` and a ReLU
//! pass; `mlp_qlinear`: two [`QuantizedLinear`] forwards (f32 in and out).
//! Each also runs its two layers alone (`…_up`: 768 → 3072, `…_down`:
//! 3072 → 768), so `mlp / (up + down)` is the overhead between layers.

use super::data::{checked_runner, f32s, s8s, u8s};
use crate::bench::case::{peak_fma_f32, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use crate::CliResult;
use lowp::igemm::{
    igemm, ActivationQuantization, Output, PackOptions, PackedI8Weights, QuantizedLinear, Requantize, Scale,
    WeightZeroPoint,
};
use lowp::peak::Work;
use lowp::{sgemm_packed, AlignedBuffer, Context, Isa, MatMut, MatRef, PackedB};
use serde_json::json;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "mlp",
    about: "BERT-base FFN 768→3072→768 at M = 1, 8, 32: mlp_u8, mlp_f32, mlp_qlinear, each layer alone too",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const MODEL: usize = 768;
const HIDDEN: usize = 3072;
const TOKENS: &[usize] = &[1, 8, 32];

/// Which layers one timed run does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Both,
    Up,
    Down,
}

/// One feed-forward block's weights and buffers on one context.
trait Block {
    /// 768 → 3072 with ReLU, into the hidden buffer.
    fn up(&mut self) -> lowp::Result<()>;
    /// 3072 → 768 from the hidden buffer.
    fn down(&mut self) -> lowp::Result<()>;
}

type MakeBlock = fn(&Context, usize) -> CliResult<Box<dyn Block>>;
type PeakFor = fn(Isa) -> Option<&'static str>;

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let tokens: Vec<usize> = match &opts.shapes {
        Some(s) => s.iter().map(|s| s.m).collect(),
        None => TOKENS.to_vec(),
    };
    let variants: [(&str, MakeBlock, PeakFor); 3] = [
        ("mlp_u8", u8_block, peak_u8s8),
        ("mlp_f32", f32_block, peak_fma_f32),
        ("mlp_qlinear", qlinear_block, peak_u8s8),
    ];
    let mut out = Vec::new();
    for (name, make, peak_for) in variants {
        for &m in &tokens {
            for (part, suffix) in [(Part::Both, ""), (Part::Up, "_up"), (Part::Down, "_down")] {
                out.push(case(format!("{name}{suffix}"), m, part, make, peak_for));
            }
        }
    }
    out
}

fn case(
    op: String,
    m: usize,
    part: Part,
    make: MakeBlock,
    peak_for: fn(Isa) -> Option<&'static str>,
) -> Case {
    let layers = if part == Part::Both { 2.0 } else { 1.0 };
    let work = Work {
        ops: layers * 2.0 * (m * MODEL * HIDDEN) as f64,
        bytes: 0.0,
    };
    Case {
        op,
        impl_name: "lowp",
        shape: Shape {
            m,
            n: MODEL,
            k: MODEL,
            extra: vec![("hidden", json!(HIDDEN))],
        },
        label: Some(format!("M={m} 768-3072-768")),
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for,
        setup: Box::new(move |ctx| {
            let mut block = make(ctx, m)?;
            block.up()?; // real hidden values for `…_down` alone
            checked_runner(work, move || match part {
                Part::Both => block.up().and_then(|()| block.down()),
                Part::Up => block.up(),
                Part::Down => block.down(),
            })
        }),
    }
}

struct U8Block {
    ctx: Context,
    m: usize,
    x: AlignedBuffer<u8>,
    w1: PackedI8Weights,
    h: AlignedBuffer<u8>,
    w2: PackedI8Weights,
    y: AlignedBuffer<u8>,
}

fn pack_s8(ctx: &Context, k: usize, n: usize, seed: u64) -> lowp::Result<PackedI8Weights> {
    let w = s8s(k * n, seed);
    PackedI8Weights::pack(
        ctx,
        MatRef::row_major(&w, k, n)?,
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
}

fn u8_block(ctx: &Context, m: usize) -> CliResult<Box<dyn Block>> {
    Ok(Box::new(U8Block {
        ctx: ctx.clone(),
        m,
        x: AlignedBuffer::from_slice(&u8s(m * MODEL, 11)),
        w1: pack_s8(ctx, MODEL, HIDDEN, 12)?,
        h: AlignedBuffer::zeroed(m * HIDDEN),
        w2: pack_s8(ctx, HIDDEN, MODEL, 13)?,
        y: AlignedBuffer::zeroed(m * MODEL),
    }))
}

impl Block for U8Block {
    fn up(&mut self) -> lowp::Result<()> {
        let requantize = Requantize {
            relu: true,
            ..Requantize::new(Scale::PerTensor(1.0 / 65536.0), 0)
        };
        let c = MatMut::row_major(&mut self.h, self.m, HIDDEN)?;
        let a = MatRef::row_major(&self.x, self.m, MODEL)?;
        igemm(&self.ctx, a, 128, &self.w1, Output::U8 { c, requantize })
    }

    fn down(&mut self) -> lowp::Result<()> {
        let requantize = Requantize::new(Scale::PerTensor(1.0 / 65536.0), 128);
        let c = MatMut::row_major(&mut self.y, self.m, MODEL)?;
        let a = MatRef::row_major(&self.h, self.m, HIDDEN)?;
        igemm(&self.ctx, a, 0, &self.w2, Output::U8 { c, requantize })
    }
}

struct F32Block {
    ctx: Context,
    m: usize,
    x: AlignedBuffer<f32>,
    w1: PackedB<f32>,
    h: AlignedBuffer<f32>,
    w2: PackedB<f32>,
    y: AlignedBuffer<f32>,
}

fn f32_block(ctx: &Context, m: usize) -> CliResult<Box<dyn Block>> {
    let pack = |k: usize, n: usize, seed: u64| -> lowp::Result<PackedB<f32>> {
        let w = f32s(k * n, seed);
        PackedB::<f32>::new(ctx, MatRef::row_major(&w, k, n)?)
    };
    Ok(Box::new(F32Block {
        ctx: ctx.clone(),
        m,
        x: AlignedBuffer::from_slice(&f32s(m * MODEL, 21)),
        w1: pack(MODEL, HIDDEN, 22)?,
        h: AlignedBuffer::zeroed(m * HIDDEN),
        w2: pack(HIDDEN, MODEL, 23)?,
        y: AlignedBuffer::zeroed(m * MODEL),
    }))
}

impl Block for F32Block {
    fn up(&mut self) -> lowp::Result<()> {
        let a = MatRef::row_major(&self.x, self.m, MODEL)?;
        sgemm_packed(
            &self.ctx,
            1.0,
            a,
            &self.w1,
            0.0,
            MatMut::row_major(&mut self.h, self.m, HIDDEN)?,
        )?;
        relu(&mut self.h);
        Ok(())
    }

    fn down(&mut self) -> lowp::Result<()> {
        let a = MatRef::row_major(&self.h, self.m, HIDDEN)?;
        sgemm_packed(
            &self.ctx,
            1.0,
            a,
            &self.w2,
            0.0,
            MatMut::row_major(&mut self.y, self.m, MODEL)?,
        )
    }
}

fn relu(h: &mut [f32]) {
    h.iter_mut().for_each(|v| *v = v.max(0.0));
}

struct QBlock {
    ctx: Context,
    m: usize,
    x: Vec<f32>,
    l1: QuantizedLinear,
    h: Vec<f32>,
    l2: QuantizedLinear,
    y: Vec<f32>,
}

fn qlinear_block(ctx: &Context, m: usize) -> CliResult<Box<dyn Block>> {
    let layer = |out: usize, inp: usize, seed: u64| -> lowp::Result<QuantizedLinear> {
        let w = f32s(out * inp, seed);
        let bias = f32s(out, seed + 100);
        QuantizedLinear::new(
            ctx,
            MatRef::row_major(&w, out, inp)?,
            Some(&bias),
            ActivationQuantization::PerRow,
        )
    };
    Ok(Box::new(QBlock {
        ctx: ctx.clone(),
        m,
        x: f32s(m * MODEL, 31),
        l1: layer(HIDDEN, MODEL, 32)?,
        h: vec![0.0; m * HIDDEN],
        l2: layer(MODEL, HIDDEN, 33)?,
        y: vec![0.0; m * MODEL],
    }))
}

impl Block for QBlock {
    fn up(&mut self) -> lowp::Result<()> {
        let x = MatRef::row_major(&self.x, self.m, MODEL)?;
        self.l1
            .forward(&self.ctx, x, MatMut::row_major(&mut self.h, self.m, HIDDEN)?)?;
        relu(&mut self.h);
        Ok(())
    }

    fn down(&mut self) -> lowp::Result<()> {
        let h = MatRef::row_major(&self.h, self.m, HIDDEN)?;
        self.l2
            .forward(&self.ctx, h, MatMut::row_major(&mut self.y, self.m, MODEL)?)
    }
}
