//! The FP32 indirect convolution kernel's strip entry against a scalar
//! twin of the contract and against the kernel's own per-tile entry run
//! tile by tile and panel by panel: exact (bound: 0 ulp; each output is one
//! FMA chain from its start value over the taps in order, and a padding
//! row adds exactly +0 to a sum that is never -0 here), with what it must
//! not touch. Both kernels (7×64, 14×32), every tile height, several tiles
//! and panels (6 tiles: blocks of 4 and 2 over 3 panels), a partial last
//! panel, channel tails, padding rows leading, trailing and inside a tile,
//! every start (zero, bias, C) and output stage, streaming stores on
//! aligned and unaligned output, blocks small and large enough for the
//! full tiles to prefetch their weights.

use crate::sconv_ukernel::{SconvStrip, SconvTile, SconvUkernelInfo, PAD};
use crate::sgemm_check::{bits, skip, values};
use crate::x86_64::avx512::{sconv_f32_14x32, sconv_f32_7x64};

/// A value no kernel computes here: marks what must stay untouched.
const UNTOUCHED: f32 = -7.0e30;

/// One strip's buffers: input rows, offsets, weights, bias, output.
struct Case {
    src: Vec<f32>,
    offsets: Vec<usize>,
    ld: usize,
    taps: usize,
    kc: usize,
    w: Vec<f32>,
    bias: Vec<f32>,
    /// Output storage; the strip's C starts at `c0`.
    c: Vec<f32>,
    c0: usize,
    ldc: usize,
    m: usize,
    /// The kernel's panel width.
    nr: usize,
    strip: SconvStrip,
    n: usize,
    zero: Vec<f32>,
}

impl Case {
    #[allow(clippy::too_many_arguments)]
    fn new(
        m: usize,
        nr: usize,
        tiles: usize,
        panels: usize,
        n: usize,
        kc: usize,
        aligned: bool,
        stream: bool,
    ) -> Case {
        let (taps, ld, stride, rows_in) = (3, 4, kc + 3, 23);
        let rows = m * tiles;
        // Row r's tap u: an input row, or padding (the first row of every
        // tile at tap 0, the last at tap 2, rows 3 mod 5 at tap 1: inside).
        let offsets = (0..rows * ld)
            .map(|x| {
                let (r, u) = (x / ld, x % ld);
                let pad =
                    (u == 0 && r % m == 0) || (u == 2 && r % m == m - 1 && m > 1) || (u == 1 && r % 5 == 3);
                if pad {
                    PAD
                } else {
                    (r * 3 + u * 7) % rows_in * stride + 1
                }
            })
            .collect();
        let b_step = taps * kc * nr + 32;
        let ldc = panels * nr + 16;
        let len = rows * ldc + 64;
        let mut c = vec![UNTOUCHED; len + 16];
        let c0 = c.as_ptr().align_offset(64) + usize::from(!aligned);
        let before = values(len, 5 + kc as u32);
        for (i, v) in c[c0..c0 + len].iter_mut().enumerate() {
            if i % ldc < (panels - 1) * nr + n {
                *v = before[i];
            }
        }
        Case {
            src: values(rows_in * stride + 1, kc as u32),
            offsets,
            ld,
            taps,
            kc,
            w: values(panels * b_step, 3 * kc as u32 + 1),
            bias: values(panels * nr, 7),
            c,
            c0,
            ldc,
            m,
            nr,
            strip: SconvStrip {
                tiles,
                panels,
                b_step,
                stream,
            },
            n,
            zero: vec![0.0; kc],
        }
    }

    /// The output's bits from the strip's C on (its padding columns too).
    fn out(&self) -> Vec<u32> {
        let rows = self.m * self.strip.tiles;
        bits(&self.c[self.c0..self.c0 + rows * self.ldc + 64])
    }

    /// The strip's first tile.
    fn tile(&mut self, first: bool, bias: bool, last: bool, clamp: Option<(f32, f32)>) -> SconvTile {
        SconvTile {
            offsets: self.offsets.as_ptr(),
            ld: self.ld,
            taps: self.taps,
            kc: self.kc,
            base: self.src.as_ptr(),
            zero: self.zero.as_ptr(),
            b: self.w.as_ptr(),
            c: self.c[self.c0..].as_mut_ptr(),
            ldc: self.ldc,
            n: self.n,
            first,
            bias: if bias {
                self.bias.as_ptr()
            } else {
                std::ptr::null()
            },
            last,
            clamp,
        }
    }

    /// The contract, element by element, into `self.c`.
    fn twin(&mut self, t: &SconvTile) {
        let (s, nr) = (self.strip, self.nr);
        for row in 0..self.m * s.tiles {
            for q in 0..s.panels {
                let n = if q + 1 == s.panels { self.n } else { nr };
                for j in 0..n {
                    let at = self.c0 + row * self.ldc + q * nr + j;
                    let mut acc = match (t.first, t.bias.is_null()) {
                        (true, true) => 0.0,
                        (true, false) => self.bias[q * nr + j],
                        (false, _) => self.c[at],
                    };
                    for u in 0..self.taps {
                        let o = self.offsets[row * self.ld + u];
                        if o == PAD {
                            continue;
                        }
                        for ch in 0..self.kc {
                            let w = self.w[q * s.b_step + (u * self.kc + ch) * nr + j];
                            acc = self.src[o + ch].mul_add(w, acc);
                        }
                    }
                    if let (true, Some((lo, hi))) = (t.last, t.clamp) {
                        acc = acc.max(lo).min(hi);
                    }
                    self.c[at] = acc;
                }
            }
        }
    }
}

/// The kernel's strip entry against the twin and against its tile entry
/// run tile by tile, panel by panel.
fn strip_matches_a_twin_and_its_tiles(k: &SconvUkernelInfo, name: &str) {
    if skip(name, crate::level::AVX512) {
        return;
    }
    let (mr, nr) = (k.mr, k.nr);
    let starts = [(true, false), (true, true), (false, false)];
    let stages = [None, Some((0.0, f32::INFINITY)), Some((-0.3, 0.4))];
    let mut cases = 0;
    for m in 1..=mr {
        for (tiles, panels, n, kc) in [
            (1, 1, 64, 1),
            (3, 2, 23, 5),
            (2, 3, 64, 17),
            (1, 2, 1, 16),
            (6, 3, 40, 3),
            (2, 2, 20, 48),
            // 3·96·32 weight floats a panel at least: past the prefetch threshold.
            (2, 2, 50, 96),
        ] {
            let n = n.min(nr);
            for (aligned, stream) in [(true, false), (true, true), (false, true)] {
                for (x, &(first, bias)) in starts.iter().enumerate() {
                    let last = x != 1 || m % 2 == 0;
                    let clamp = stages[(m + x) % 3];
                    let new = || Case::new(m, nr, tiles, panels, n, kc, aligned, stream);
                    let mut twin = new();
                    let t = twin.tile(first, bias, last, clamp);
                    twin.twin(&t);
                    let mut strip = new();
                    let t = strip.tile(first, bias, last, clamp);
                    // SAFETY: the CPU has the level; `t` and the strip describe the case's buffers: m·tiles
                    // rows of offsets (3 taps, ld 4), kc floats behind each non-PAD one, panels·b_step weights,
                    // panels·nr bias floats, rows·ldc output floats from c0.
                    unsafe { (k.strip)(m, &t, &strip.strip) };
                    let mut tiled = new();
                    let t = tiled.tile(first, bias, last, clamp);
                    for s in 0..tiles {
                        for q in 0..panels {
                            let one = SconvTile {
                                offsets: t.offsets.wrapping_add(s * m * t.ld),
                                b: t.b.wrapping_add(q * tiled.strip.b_step),
                                c: t.c.wrapping_add(s * m * t.ldc + q * nr),
                                n: if q + 1 == panels { n } else { nr },
                                bias: if bias { t.bias.wrapping_add(q * nr) } else { t.bias },
                                ..t
                            };
                            // SAFETY: tile s, panel q of the same strip: its
                            // rows, weights, bias and columns lie inside the
                            // case's buffers, as above.
                            unsafe { (k.f)(m, &one) };
                        }
                    }
                    let what = format!(
                        "{name} m {m} tiles {tiles} panels {panels} n {n} kc {kc} aligned {aligned} \
                         stream {stream} first {first} bias {bias} last {last} clamp {clamp:?}"
                    );
                    assert!(strip.out() == twin.out(), "{what}: strip against the twin");
                    assert!(tiled.out() == twin.out(), "{what}: tiles against the twin");
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, mr * 7 * 3 * 3);
}

#[test]
fn sconv_f32_7x64_strip_avx512_matches_a_twin_and_its_tiles() {
    assert_eq!(sconv_f32_7x64::INFO.name, "sconv_f32_7x64_avx512");
    strip_matches_a_twin_and_its_tiles(&sconv_f32_7x64::INFO, "sconv_f32_7x64_strip_avx512");
}

#[test]
fn sconv_f32_14x32_strip_avx512_matches_a_twin_and_its_tiles() {
    assert_eq!(sconv_f32_14x32::INFO.name, "sconv_f32_14x32_avx512");
    strip_matches_a_twin_and_its_tiles(&sconv_f32_14x32::INFO, "sconv_f32_14x32_strip_avx512");
}
