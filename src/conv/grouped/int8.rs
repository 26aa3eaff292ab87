//! The INT8 grouped plan: weights `w − zb` packed as s8 for
//! `gconv_u8s8s32_16ch`, accumulators started from `−za·Σw` (and the
//! requantizing bias, as igemm starts its own), the s32 tile finished by
//! igemm's pipelines.

use super::table::{G4I8Fn, GconvI8Fn};
use super::{fits, OutRows, Shape};
use crate::buffer::Zeroed;
use crate::conv::params::ConvGeometry;
use crate::conv::ConvOutput;
use crate::gemm::buffers;
use crate::igemm::kernels::StoreQ8Fn;
use crate::igemm::pipeline::{dequantize_tile, narrow_i8, narrow_u8, requantize_tile};
use crate::igemm::{Int8, Requantize, Scale, WeightZeroPoint};
use crate::{Context, Isa};

/// An INT8 grouped layer on the grouped kernels.
#[derive(Debug)]
pub(crate) struct GroupedI8 {
    shape: Shape,
    /// `w − zb` per block, step and lane: 4 bytes (4 input channels).
    weights: Vec<i8>,
    /// Per output channel (16 per block), `Σ (w − zb)`.
    colsum: Vec<i32>,
    /// The level's g4 kernel where the layer takes it.
    g4: Option<G4I8Fn>,
    isa: Isa,
}

impl GroupedI8 {
    /// Whether `ctx`'s level has the kernels (a plan may still refuse
    /// weights whose `w − zb` leave s8).
    pub(crate) fn available(ctx: &Context) -> bool {
        let kern = &ctx.kernels().conv;
        kern.u8s8.is_some() && kern.expand.is_some()
    }

    /// The plan of a layer that [`fits`] on a level with the kernels, from
    /// its OHWI weights and their zero point (checked by the caller);
    /// `None` otherwise, or when some `w − zb` leaves s8.
    pub(crate) fn new<W: Int8>(
        ctx: &Context,
        geo: &ConvGeometry,
        ohwi: &[W],
        zb: WeightZeroPoint<'_>,
    ) -> Option<GroupedI8> {
        if !fits(geo) || !Self::available(ctx) {
            return None;
        }
        let shape = Shape::new(geo, 1, ctx.kernels().conv.u8s8_g4.is_some());
        let (taps, cg) = (shape.r * shape.s, shape.cg);
        let eff = |k: usize, x: usize| ohwi[k * taps * cg + x].to_i32() - zb.at(k);
        let fits_s8 = (0..geo.k).all(|k| (0..taps * cg).all(|x| i8::try_from(eff(k, x)).is_ok()));
        if !fits_s8 {
            return None;
        }
        let weights = shape.pack_weights(4, |k, tap, c| eff(k, tap * cg + c) as i8);
        let mut colsum = vec![0i32; 16 * shape.blocks];
        for (k, s) in colsum.iter_mut().enumerate().take(geo.k) {
            *s = (0..taps * cg).map(|x| eff(k, x)).sum();
        }
        Some(GroupedI8 {
            weights,
            g4: ctx.kernels().conv.u8s8_g4.filter(|_| shape.is_g4()).map(|k| k.f),
            colsum,
            isa: ctx.isa(),
            shape,
        })
    }

    /// The level the weights were packed for.
    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    /// Runs the layer into `output` (`ctx` of the plan's level, buffers and
    /// pipeline checked by the caller; `bounds` the pipeline's `(lo, hi)`).
    pub(crate) fn run<A: Int8>(
        &self,
        ctx: &Context,
        input: &[A],
        za: i32,
        output: ConvOutput<'_>,
        bounds: (f32, f32, i32, i32),
    ) {
        debug_assert_eq!(ctx.isa(), self.isa);
        let Some(kern) = ctx.kernels().conv.u8s8 else {
            return;
        };
        let (s, helpers) = (&self.shape, ctx.kernels().igemm.helpers);
        // The u8 domain: s8 input moves by 128 (the expansion's XOR), and so does its zero point.
        let zu = za + A::U8_SHIFT;
        let xor = if A::U8_SHIFT != 0 { 0x8080_8080 } else { 0 };
        let pad = (zu as u8 as u32) * 0x0101_0101;
        let mut init: Vec<i32> = self
            .colsum
            .iter()
            .map(|&c| c.wrapping_mul(zu).wrapping_neg())
            .collect();
        let scales = |sc: Scale<'_>| -> Vec<f32> {
            match sc {
                Scale::PerTensor(v) => vec![v; s.k],
                Scale::PerColumn(v) => v.to_vec(),
            }
        };
        let cols = |b: usize| 16 * b..(16 * b + 16).min(s.k);
        let tile = || buffers::take::<i32>(buffers::SLOT_TILE, s.ow * 16);
        match output {
            ConvOutput::S32 { output, accumulate } => {
                let add = accumulate.then_some(i32::wrapping_add as fn(i32, i32) -> i32);
                let out = OutRows::new(output, s.k, add);
                s.run(ctx, input, pad, xor, |src, pixel, b| {
                    // A tile only where the kernel cannot write the output in place.
                    let mut t = out.block(pixel, b, s.ow).is_none().then(tile);
                    let tile = t.as_deref_mut().unwrap_or_default();
                    if !self.row(kern.f, src, b, &init, Some((&out, pixel)), tile) {
                        out.store(&tile[..s.ow * 16], pixel, b);
                    }
                });
            }
            ConvOutput::F32 { output, dequantize } => {
                let (scale, ones) = (scales(dequantize.scale), vec![1.0f32; s.ow]);
                let out = OutRows::new(output, s.k, None);
                let (lo, hi) = (bounds.0, bounds.1);
                s.run(ctx, input, pad, xor, |src, pixel, b| {
                    let mut t = tile();
                    self.row(kern.f, src, b, &init, None, &mut t);
                    let bias = dequantize.bias.map(|v| &v[cols(b)]);
                    let Some(f) = helpers.f32 else {
                        let mut y = buffers::take::<f32>(buffers::SLOT_ROW, t.len());
                        dequantize_tile(&t, 16, &ones, &scale[cols(b)], bias, lo, hi, &mut y);
                        return out.store(&y[..s.ow * 16], pixel, b);
                    };
                    let (dst, n) = out.span(pixel, b, s.ow);
                    let bias = bias.map_or(std::ptr::null(), <[f32]>::as_ptr);
                    // SAFETY: the level's store (an available ISA); the tile holds OW rows of 16, the scales and
                    // bias the block's n columns, `ones` OW rows; the block lies inside the output (checked by
                    // `span`) and only this task writes it.
                    unsafe {
                        f(
                            s.ow,
                            n,
                            t.as_ptr(),
                            16,
                            ones.as_ptr(),
                            scale[cols(b)].as_ptr(),
                            bias,
                            lo,
                            hi,
                            dst,
                            out.k(),
                        )
                    };
                });
            }
            ConvOutput::U8 { output, requantize } => {
                add_bias(&mut init, &requantize);
                self.run_q8(
                    ctx,
                    input,
                    (pad, xor),
                    &init,
                    output,
                    &requantize,
                    bounds,
                    narrow_u8,
                );
            }
            ConvOutput::S8 { output, requantize } => {
                add_bias(&mut init, &requantize);
                self.run_q8(
                    ctx,
                    input,
                    (pad, xor),
                    &init,
                    output,
                    &requantize,
                    bounds,
                    narrow_i8,
                );
            }
            // `ConvI8::run` runs fixed-point outputs to s32 first.
            ConvOutput::U8Fixed { .. } | ConvOutput::S8Fixed { .. } => unreachable!("fixed-point output"),
        }
    }

    /// One output row's block `b` from the expanded rows `src`: into the
    /// output in place where `out` allows it (then `true`), else into `tile`.
    fn row(
        &self,
        kern: GconvI8Fn,
        src: &[u32],
        b: usize,
        init: &[i32],
        out: Option<(&OutRows<i32>, usize)>,
        tile: &mut [i32],
    ) -> bool {
        let s = &self.shape;
        s.check_row(src);
        let (w, init) = (s.block(&self.weights, b), &init[16 * b..16 * b + 16]);
        let direct = out.and_then(|(o, pixel)| o.block(pixel, b, s.ow).map(|p| (p, o.k())));
        assert!(direct.is_some() || tile.len() >= s.ow * 16);
        let (dst, ldo) = direct.unwrap_or((tile.as_mut_ptr(), 16));
        if let Some(g4) = self.g4 {
            let (at, rs, ps) = s.g4_at(b);
            // SAFETY: the level's kernel (an available ISA); `src` holds the row's 3 padded input rows of OW + 2
            // pixels (checked), block b's 16 bytes of each at `at`; `w` the block's 9·64 bytes, `init` 16 values;
            // `dst` as below.
            unsafe {
                g4(
                    src.as_ptr().cast::<u8>().add(at),
                    rs,
                    ps,
                    s.ow,
                    w.as_ptr(),
                    init.as_ptr(),
                    dst,
                    ldo,
                )
            };
            return direct.is_some();
        }
        // SAFETY: the level's kernel (an available ISA); `src` holds every step's vectors of the row's OW pixels
        // (checked), `w` the block's steps·64 bytes, `init` 16 values; `dst` is either the tile (OW rows of 16,
        // checked) or the output's block, inside it (checked by `block`) and written by this task alone.
        unsafe {
            kern(
                &s.offs,
                src.as_ptr().cast(),
                s.ps(),
                s.ow,
                w.as_ptr(),
                init.as_ptr(),
                dst,
                ldo,
            )
        };
        direct.is_some()
    }

    /// Runs the layer into an 8-bit output: whole blocks by the kernel with
    /// the requantizing store, a partial one through a tile.
    #[allow(clippy::too_many_arguments)]
    fn run_q8<A: Int8, T: Zeroed + Send + 'static>(
        &self,
        ctx: &Context,
        input: &[A],
        (pad, xor): (u32, u32),
        init: &[i32],
        output: &mut [T],
        r: &Requantize<'_>,
        bounds: (f32, f32, i32, i32),
        narrow: fn(&[i32], &mut [T]),
    ) {
        let s = &self.shape;
        let Some(kern) = ctx.kernels().conv.u8s8 else {
            return;
        };
        // 16 per block: the kernel reads a whole block's.
        let scale: Vec<f32> = match r.scale {
            Scale::PerTensor(v) => vec![v; 16 * s.blocks],
            Scale::PerColumn(v) => v
                .iter()
                .copied()
                .chain(std::iter::repeat(1.0))
                .take(16 * s.blocks)
                .collect(),
        };
        let out = OutRows::new(output, s.k, None);
        let store = ctx.kernels().igemm.helpers.q8;
        s.run(ctx, input, pad, xor, |src, pixel, b| {
            if !self.row_q8(ctx, src, b, init, &scale, r, bounds, &out, pixel) {
                let mut t = buffers::take::<i32>(buffers::SLOT_TILE, s.ow * 16);
                self.row(kern.f, src, b, init, None, &mut t);
                let cols = 16 * b..(16 * b + 16).min(s.k);
                self.requantize(&mut t, &scale[cols], r, bounds, store, &out, pixel, b, narrow);
            }
        });
    }

    /// One output row's whole block `b` requantized by the kernel straight
    /// into the 8-bit output (`false`: no such kernel, or a partial block).
    #[allow(clippy::too_many_arguments)]
    fn row_q8<T: Copy>(
        &self,
        ctx: &Context,
        src: &[u32],
        b: usize,
        init: &[i32],
        scale: &[f32],
        r: &Requantize<'_>,
        bounds: (f32, f32, i32, i32),
        out: &OutRows<T>,
        pixel: usize,
    ) -> bool {
        let s = &self.shape;
        let (Some(kern), Some(dst)) = (ctx.kernels().conv.u8s8q8, out.block(pixel, b, s.ow)) else {
            return false;
        };
        s.check_row(src);
        assert!(size_of::<T>() == 1);
        let g4 = ctx.kernels().conv.u8s8q8_g4.filter(|_| self.g4.is_some());
        let (w, init, scale) = (
            s.block(&self.weights, b),
            &init[16 * b..16 * b + 16],
            &scale[16 * b..16 * b + 16],
        );
        if let Some(g4) = g4 {
            let (at, rs, ps) = s.g4_at(b);
            // SAFETY: the level's kernel (an available ISA); `src` holds the row's 3 padded input rows of OW + 2
            // pixels (checked), block b's 16 bytes of each at `at`; the rest as below.
            unsafe {
                (g4.f)(
                    src.as_ptr().cast::<u8>().add(at),
                    rs,
                    ps,
                    s.ow,
                    w.as_ptr(),
                    init.as_ptr(),
                    dst.cast(),
                    out.k(),
                    scale.as_ptr(),
                    (r.zero_point, bounds.2, bounds.3),
                )
            };
            return true;
        }
        // SAFETY: the level's kernel (an available ISA); `src` holds every step's vectors of the row's OW pixels
        // (checked), `w` the block's steps·64 bytes, `init` and `scale` 16 values; `dst` is the output's whole
        // block (checked by `block`), one byte an element (u8 or i8, asserted), written by this task alone;
        // lo ≤ hi within the output type (checked by the caller).
        unsafe {
            (kern.f)(
                &s.offs,
                src.as_ptr().cast(),
                s.ps(),
                s.ow,
                w.as_ptr(),
                init.as_ptr(),
                dst.cast(),
                out.k(),
                scale.as_ptr(),
                (r.zero_point, bounds.2, bounds.3),
            )
        };
        true
    }

    /// Requantizes a row's tile into block `b` of the 8-bit output: the
    /// level's store where it has one, else igemm's portable loops.
    #[allow(clippy::too_many_arguments)]
    fn requantize<T: Zeroed + 'static>(
        &self,
        t: &mut [i32],
        scale: &[f32],
        r: &Requantize<'_>,
        bounds: (f32, f32, i32, i32),
        store: Option<StoreQ8Fn>,
        out: &OutRows<T>,
        pixel: usize,
        b: usize,
        narrow: fn(&[i32], &mut [T]),
    ) {
        let (ow, lo, hi) = (self.shape.ow, bounds.2, bounds.3);
        let Some(f) = store else {
            requantize_tile(t, 16, ow, scale, r.zero_point, lo, hi);
            let mut q = buffers::take::<T>(buffers::SLOT_ROW, t.len());
            narrow(t, &mut q);
            return out.store(&q[..ow * 16], pixel, b);
        };
        let (dst, n) = out.span(pixel, b, ow);
        assert!(t.len() >= ow * 16 && size_of::<T>() == 1);
        // SAFETY: the level's store (an available ISA); the tile holds OW rows of 16, `scale` the block's n
        // columns, no bias (null: the accumulators started from it); T is one byte (u8 or i8, asserted) and the
        // block lies inside the output (checked by `span`), written by this task alone; lo ≤ hi bound T with the
        // zero point between them (checked by the caller).
        unsafe {
            f(
                ow,
                n,
                t.as_ptr(),
                16,
                scale.as_ptr(),
                std::ptr::null(),
                r.zero_point,
                lo,
                hi,
                dst.cast(),
                out.k(),
            )
        };
    }
}

/// The requantizing bias starts the accumulators (as igemm's `col_add`).
fn add_bias(init: &mut [i32], r: &Requantize<'_>) {
    if let Some(bias) = r.bias {
        for (v, &b) in init.iter_mut().zip(bias) {
            *v = v.wrapping_add(b);
        }
    }
}
