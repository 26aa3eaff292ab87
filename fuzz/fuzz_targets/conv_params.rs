//! Fuzzes `Conv2dParams` / `Conv3dParams` and the reference convolutions:
//!
//! - `validate`, `output_dims`, the length helpers and `ops` never panic, are
//!   `Ok` together or `Err` together, and agree with an independent u128
//!   transcription of the definitions;
//! - when `Ok` and small, the reference convolutions run on exactly-sized
//!   buffers without indexing out of bounds, refuse a buffer one element
//!   short (naming it), agree between 2-D and 3-D (depth 1), and the integer
//!   oracle equals the f32 one on centred values (padding taps included).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lowp::conv::{Conv2dParams, Conv3dParams, Padding2d, Padding3d};
use lowp_reference::conv::{conv2d_f32, conv2d_int8, conv3d_f32, conv3d_int8, WeightZeroPoint};
use lowp::Error;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Num {
    Small(u8),
    Any(usize),
    Pow2(u8),
    NearMax(u8),
}

impl Num {
    fn get(self) -> usize {
        match self {
            Num::Small(v) => usize::from(v % 7),
            Num::Any(v) => v,
            Num::Pow2(e) => 1usize << (e % 64),
            Num::NearMax(v) => usize::MAX - usize::from(v),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Case {
    three_d: bool,
    /// n, d, h, w, c, k, t, r, s
    sizes: [Num; 9],
    stride: [Num; 3],
    /// front, top, left, back, bottom, right
    pad: [Num; 6],
    dilation: [Num; 3],
    groups: Num,
    za: u8,
    zw: [i8; 4],
    seed: u64,
    short: u8,
}

/// Everything `Conv3dParams` promises, computed in u128 from the definitions.
#[derive(Debug, PartialEq)]
struct Spec {
    out: [usize; 3],
    input_len: usize,
    weights_len: usize,
    output_len: usize,
    ops: u64,
}

fn spec(p: &Conv3dParams) -> Option<Spec> {
    let g = p.groups as u128;
    if g == 0 || !(p.c as u128).is_multiple_of(g) || !(p.k as u128).is_multiple_of(g) {
        return None;
    }
    let pad = p.padding;
    let axes = [
        (p.d, p.t, p.stride.0, pad.front, pad.back, p.dilation.0),
        (p.h, p.r, p.stride.1, pad.top, pad.bottom, p.dilation.1),
        (p.w, p.s, p.stride.2, pad.left, pad.right, p.dilation.2),
    ];
    let mut out = [0usize; 3];
    for (o, &(size, kernel, stride, lo, hi, dil)) in out.iter_mut().zip(&axes) {
        let [size, kernel, stride, lo, hi, dil] = [size, kernel, stride, lo, hi, dil].map(|v| v as u128);
        if kernel == 0 || stride == 0 || dil == 0 {
            return None;
        }
        let padded = size + lo + hi;
        let effective = (kernel - 1) * dil + 1;
        if padded > usize::MAX as u128 || effective > usize::MAX as u128 || effective > padded {
            return None;
        }
        *o = ((padded - effective) / stride + 1) as usize;
    }
    // A product with a zero factor is 0, whatever the others.
    let prod = |f: &[usize]| match f.contains(&0) {
        true => Some(0),
        false => f.iter().try_fold(1u128, |a, &x| a.checked_mul(x as u128)),
    };
    let fits = |v: Option<u128>| v.filter(|&v| v <= usize::MAX as u128).map(|v| v as usize);
    let cg = p.c / p.groups;
    let input_len = fits(prod(&[p.n, p.d, p.h, p.w, p.c]))?;
    let weights_len = fits(prod(&[p.k, p.t, p.r, p.s, cg]))?;
    let output_len = fits(prod(&[p.n, out[0], out[1], out[2], p.k]))?;
    let ops = prod(&[2, p.n, out[0], out[1], out[2], p.k, cg, p.t, p.r, p.s])
        .filter(|&v| v <= u64::MAX as u128)? as u64;
    Some(Spec {
        out,
        input_len,
        weights_len,
        output_len,
        ops,
    })
}

fn params(case: &Case) -> Conv3dParams {
    let [n, d, h, w, c, k, t, r, s] = case.sizes.map(Num::get);
    let [front, top, left, back, bottom, right] = case.pad.map(Num::get);
    let st = case.stride.map(Num::get);
    let dil = case.dilation.map(Num::get);
    let p = Conv3dParams {
        n,
        d,
        h,
        w,
        c,
        k,
        t,
        r,
        s,
        stride: (st[0], st[1], st[2]),
        padding: Padding3d {
            front,
            top,
            left,
            back,
            bottom,
            right,
        },
        dilation: (dil[0], dil[1], dil[2]),
        groups: case.groups.get(),
    };
    if case.three_d {
        p
    } else {
        // The 3-D image of a 2-D problem: unit depth, nothing to slide.
        Conv3dParams {
            d: 1,
            t: 1,
            stride: (1, st[1], st[2]),
            padding: Padding3d {
                front: 0,
                back: 0,
                ..p.padding
            },
            dilation: (1, dil[1], dil[2]),
            ..p
        }
    }
}

fn as_2d(p: &Conv3dParams) -> Conv2dParams {
    Conv2dParams {
        n: p.n,
        h: p.h,
        w: p.w,
        c: p.c,
        k: p.k,
        r: p.r,
        s: p.s,
        stride: (p.stride.1, p.stride.2),
        padding: Padding2d {
            top: p.padding.top,
            left: p.padding.left,
            bottom: p.padding.bottom,
            right: p.padding.right,
        },
        dilation: (p.dilation.1, p.dilation.2),
        groups: p.groups,
    }
}

/// Checks every accessor against the spec; returns it when valid.
fn check_params(p: &Conv3dParams, three_d: bool) -> Option<Spec> {
    let want = spec(p);
    let v = p.validate();
    assert_eq!(
        v.is_ok(),
        want.is_some(),
        "{p:?}: validate {v:?} but spec {want:?}"
    );
    if let Err(e) = &v {
        assert!(
            matches!(e, Error::InvalidParameter { .. } | Error::Overflow { .. }),
            "{p:?}: {e:?}"
        );
    }
    let got = (|| {
        let (od, oh, ow) = p.output_dims()?;
        Ok::<_, Error>(Spec {
            out: [od, oh, ow],
            input_len: p.input_len()?,
            weights_len: p.weights_len()?,
            output_len: p.output_len()?,
            ops: p.ops()?,
        })
    })();
    match (&got, &want) {
        (Ok(g), Some(w)) => assert_eq!(g, w, "{p:?}"),
        (Err(e), None) => assert_eq!(Some(e), v.as_ref().err(), "accessors and validate disagree"),
        _ => panic!("{p:?}: accessors {got:?} but spec {want:?}"),
    }
    if !three_d {
        let p2 = as_2d(p);
        let v2 = p2.validate();
        assert_eq!(v2, v, "{p2:?}: 2-D and 3-D validation disagree");
        if let Some(w) = &want {
            assert_eq!(p2.output_dims().unwrap(), (w.out[1], w.out[2]));
            assert_eq!(
                (
                    p2.input_len().unwrap(),
                    p2.weights_len().unwrap(),
                    p2.output_len().unwrap()
                ),
                (w.input_len, w.weights_len, w.output_len)
            );
            assert_eq!(p2.ops().unwrap(), w.ops);
        }
    }
    want
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

/// Runs the oracles on a small valid problem.
fn run_reference(case: &Case, p: &Conv3dParams, sp: &Spec) {
    let mut rng = Rng(case.seed);
    let za = case.za;
    let zw: Vec<i8> = (0..p.k).map(|i| case.zw[i % 4]).collect();
    let kpt = sp.weights_len / p.k.max(1);
    // Activations near their zero point and weights near theirs, so every
    // f32 sum is exact and the integer and f32 oracles must agree.
    let x: Vec<u8> = (0..sp.input_len)
        .map(|_| (i32::from(za) + (rng.next() % 17) as i32 - 8).clamp(0, 255) as u8)
        .collect();
    let w: Vec<i8> = (0..sp.weights_len)
        .map(|i| (i32::from(zw[i / kpt]) + (rng.next() % 17) as i32 - 8).clamp(-128, 127) as i8)
        .collect();
    let bias: Vec<i32> = (0..p.k).map(|_| (rng.next() % 2001) as i32 - 1000).collect();
    let xf: Vec<f32> = x.iter().map(|&v| f32::from(v) - f32::from(za)).collect();
    let wf: Vec<f32> = w
        .iter()
        .enumerate()
        .map(|(i, &v)| f32::from(v) - f32::from(zw[i / kpt]))
        .collect();
    let bf: Vec<f32> = bias.iter().map(|&b| b as f32).collect();

    let mut out_i = vec![0i32; sp.output_len];
    conv3d_int8(
        p,
        &x,
        za,
        &w,
        WeightZeroPoint::PerChannel(&zw),
        Some(&bias),
        &mut out_i,
    )
    .unwrap();
    let mut out_f = vec![f32::NAN; sp.output_len];
    conv3d_f32(p, &xf, &wf, Some(&bf), &mut out_f).unwrap();
    let as_int: Vec<i32> = out_f.iter().map(|&v| v as i32).collect();
    assert_eq!(out_i, as_int, "{p:?}: integer and f32 oracles disagree");

    if !case.three_d {
        let p2 = as_2d(p);
        let mut out2 = vec![0i32; sp.output_len];
        conv2d_int8(
            &p2,
            &x,
            za,
            &w,
            WeightZeroPoint::PerChannel(&zw),
            Some(&bias),
            &mut out2,
        )
        .unwrap();
        assert_eq!(out2, out_i, "2-D and 3-D oracles disagree");
        let mut out2f = vec![f32::NAN; sp.output_len];
        conv2d_f32(&p2, &xf, &wf, Some(&bf), &mut out2f).unwrap();
        assert_eq!(out2f, out_f);
    }

    // Extreme values: either a result or an s32 overflow, never a panic.
    let (xe, we) = (vec![255u8; sp.input_len], vec![-128i8; sp.weights_len]);
    match conv3d_int8(p, &xe, 0, &we, WeightZeroPoint::PerTensor(127), None, &mut out_i) {
        Ok(()) => {}
        Err(Error::Overflow { arg: "output", .. }) => {}
        Err(e) => panic!("{p:?}: {e:?}"),
    }

    // One buffer one element short is refused, naming it.
    let which = case.short % 5;
    let name = ["input", "weights", "output", "bias", "weight_zero_point"][usize::from(which)];
    let lens = [sp.input_len, sp.weights_len, sp.output_len, p.k, p.k];
    if lens[usize::from(which)] > 0 {
        let cut = |v: usize| if v == usize::from(which) { 1 } else { 0 };
        let r = conv3d_int8(
            p,
            &x[cut(0)..],
            za,
            &w[cut(1)..],
            WeightZeroPoint::PerChannel(&zw[cut(4)..]),
            Some(&bias[cut(3)..]),
            &mut out_i[cut(2)..],
        );
        match r {
            Err(Error::BufferTooSmall { arg, needed, len }) => {
                assert_eq!(arg, name);
                assert_eq!(len + 1, needed);
            }
            other => panic!("{p:?}: {name} one short gave {other:?}"),
        }
    }
}

fuzz_target!(|case: Case| {
    let p = params(&case);
    if let Some(sp) = check_params(&p, case.three_d) {
        // Buffers (bias and zero points hold k) and work (ops) a run can afford.
        let small = [sp.input_len, sp.weights_len, sp.output_len, p.k]
            .iter()
            .all(|&l| l <= 4096);
        if small && sp.ops <= 200_000 {
            run_reference(&case, &p, &sp);
        }
    }
});
