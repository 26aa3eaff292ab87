//! The test every SIMD igemm kernel's declaration generates: each entry
//! point against the scalar twin of its contract
//! ([`igemm_u8s8s32_scalar`], same saturation), bit for bit, for every
//! `m ≤ MR`, K edge values and each correction term on and off; the fused
//! entries against the twin's s32 tile finished by the scalar epilogue.

use crate::igemm_ukernel::IgemmUkernelInfo;
use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};
use crate::scalar::igemm_u8s8s32_scalar;
use crate::scalar::requant_fixed_screen_prep::{requant_fixed_screen_prep, screen_len};

/// k-group counts: empty, one, around a vector of groups, long.
const KGS: [usize; 9] = [0, 1, 3, 4, 5, 63, 64, 65, 257];
/// Sentinel around the tile (never a kernel result here by chance: checked
/// only outside the tile).
pub(crate) const GUARD: i32 = 0x5a5a_5a5a;

/// xorshift64: deterministic inputs without a dependency.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn bytes<T>(&mut self, n: usize, map: fn(u8) -> T) -> Vec<T> {
        (0..n).map(|_| map(self.next() as u8)).collect()
    }
    pub(crate) fn i32s(&mut self, n: usize, lim: i32) -> Vec<i32> {
        (0..n)
            .map(|_| (self.next() % (2 * lim as u64 + 1)) as i32 - lim)
            .collect()
    }
}

/// A test tile's correction arrays, drawn once per case.
pub(crate) struct Corrections {
    colfix: Vec<i32>,
    colsum: Vec<i32>,
    zb: Vec<i32>,
    za: Vec<i32>,
    rowfix: Vec<i32>,
}

impl Corrections {
    /// Arrays for `mr` rows and `nr` columns.
    pub(crate) fn draw(rng: &mut Rng, mr: usize, nr: usize) -> Self {
        Corrections {
            colfix: rng.i32s(nr, 1 << 20),
            colsum: rng.i32s(nr, 1 << 16),
            zb: rng.i32s(nr, 255),
            za: rng.i32s(mr, 255),
            rowfix: rng.i32s(mr, 1 << 16),
        }
    }

    /// The correction with `colfix` (bit 1 of `terms`), `za` (bit 2) and
    /// `zb` (bit 4) on; `colsum` and `rowfix`, which they use, always set.
    pub(crate) fn tile(&self, terms: u8) -> TileCorrection {
        let on = |bit: u8, v: &[i32]| {
            if terms & bit != 0 {
                v.as_ptr()
            } else {
                core::ptr::null()
            }
        };
        TileCorrection {
            colfix: on(1, &self.colfix),
            za: on(2, &self.za),
            colsum: self.colsum.as_ptr(),
            rowfix: self.rowfix.as_ptr(),
            zb: on(4, &self.zb),
        }
    }
}

/// Whether this CPU has every feature in `features` (comma-separated).
pub(crate) fn cpu_has(features: &str) -> bool {
    let list = crate::detect::detect().list();
    features
        .split(',')
        .filter(|f| !f.is_empty())
        .all(|f| list.iter().any(|(n, p)| *n == f && *p))
}

/// A 64-byte aligned zeroed buffer of `n` elements of `T` (plus slack).
pub(crate) fn aligned<T: Copy + Default>(n: usize) -> (Vec<T>, usize) {
    let v = vec![T::default(); n + 64];
    let off = v.as_ptr().align_offset(64);
    (v, off)
}

/// The twin: the scalar body for this kernel's panel width and saturation.
///
/// # Safety
///
/// The contract of [`igemm_u8s8s32_scalar`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn twin(
    k: &IgemmUkernelInfo,
    m: usize,
    kg: usize,
    a: *const u8,
    gs: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
    corr: Option<&TileCorrection>,
) {
    // SAFETY: the caller's contract.
    unsafe {
        match k.nr {
            16 => igemm_u8s8s32_scalar::<16>(k.saturates, m, kg, a, gs, b, c, ldc, corr),
            32 => igemm_u8s8s32_scalar::<32>(k.saturates, m, kg, a, gs, b, c, ldc, corr),
            nr => panic!("{}: no twin for NR = {nr}", k.name),
        }
    }
}

/// The scalar requantizing epilogue of one s32 value (`TileRequant`'s docs).
fn requant(v: i32, scale: f32, rq: &TileRequant) -> u8 {
    let y = (v as f32 * scale)
        .max((rq.lo - rq.zp) as f32)
        .min((rq.hi - rq.zp) as f32);
    (y.round_ties_even() as i32 + rq.zp) as u8
}

/// The scalar fixed-point epilogue of one s32 value, TFLite's reference
/// arithmetic spelled out: `MultiplyByQuantizedMultiplier` (truncating
/// 64-bit division after a sign-dependent nudge, then the remainder test of
/// `RoundingDivideByPOT`), `+ zp`, clamp.
fn requant_fixed(v: i32, mult: i32, shift: i32, rq: &TileRequantFixed) -> u8 {
    let (left, right) = (shift.max(0), (-shift).max(0));
    let x = v.wrapping_mul(1i32.wrapping_shl(left as u32)) as i64;
    let ab = x * mult as i64;
    let nudge = if ab >= 0 { 1i64 << 30 } else { 1 - (1i64 << 30) };
    let h = ((ab + nudge) / (1i64 << 31)) as i32 as i64;
    let mask = (1i64 << right) - 1;
    let threshold = (mask >> 1) + i64::from(h < 0);
    let y = (h >> right) + i64::from((h & mask) > threshold);
    (y as i32).saturating_add(rq.zp).clamp(rq.lo, rq.hi) as u8
}

/// The scalar dequantizing epilogue of one s32 value (`TileDequant`'s docs).
fn dequant(v: i32, row_scale: f32, scale: f32, bias: Option<f32>, dq: &TileDequant) -> f32 {
    let y = v as f32 * (row_scale * scale);
    let y = bias.map_or(y, |b| y + b);
    let y = if y.is_nan() || dq.lo > y { dq.lo } else { y };
    if dq.hi < y {
        dq.hi
    } else {
        y
    }
}

/// Checks every entry of `k` against its twin; prints a note and returns
/// when this CPU lacks the kernel's features.
pub(crate) fn check(k: &IgemmUkernelInfo) {
    if !cpu_has(k.features) {
        println!("skipped {}: this CPU lacks {}", k.name, k.features);
        return;
    }
    assert_eq!(k.k_unit, 4, "{}: the packed layout has groups of 4", k.name);
    let (mr, nr) = (k.mr, k.nr);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ nr as u64);
    let gs = 4 * mr + 8; // a padded panel: the kernel must honour `gs`
    let ldc = nr + 5;
    for &kg in &KGS {
        let a = rng.bytes(kg.max(1) * gs, |x| x);
        let b = rng.bytes(kg.max(1) * nr * 4, |x| x as i8);
        let cs = Corrections::draw(&mut rng, mr, nr);
        for terms in 0..9u8 {
            // 0..8: each subset of {colfix, za, zb}; 8: no correction at all.
            let fx = cs.tile(terms);
            let corr = (terms < 8).then_some(&fx);
            for m in 1..=mr {
                let what = |entry: &str| format!("{}{entry}: m = {m}, kg = {kg}, correction {terms}", k.name);
                let mut want = vec![GUARD; mr * ldc];
                let mut got = want.clone();
                // SAFETY: `a` holds kg groups of `gs ≥ 4·m` bytes, `b` kg
                // groups of NR·4, `c` MR rows of `ldc ≥ NR`, the correction
                // MR rows and NR columns; the CPU has the features (above).
                unsafe {
                    twin(k, m, kg, a.as_ptr(), gs, b.as_ptr(), want.as_mut_ptr(), ldc, corr);
                    (k.f)(m, kg, a.as_ptr(), gs, b.as_ptr(), got.as_mut_ptr(), ldc, corr);
                }
                assert_eq!(got, want, "{}", what(""));
                if let Some(f) = k.f_stream {
                    let (mut buf, off) = aligned::<i32>(mr * 64);
                    // SAFETY: as above, rows 64 i32 (256 bytes) apart from a
                    // 64-byte boundary.
                    unsafe {
                        f(
                            m,
                            kg,
                            a.as_ptr(),
                            gs,
                            b.as_ptr(),
                            buf.as_mut_ptr().add(off),
                            64,
                            corr,
                        )
                    };
                    for r in 0..m {
                        let row = &buf[off + r * 64..off + r * 64 + nr];
                        assert_eq!(row, &want[r * ldc..r * ldc + nr], "{} row {r}", what("_stream"));
                    }
                }
                let tile = |entry: &str| Want {
                    mr,
                    nr,
                    want: &want[..],
                    ldc,
                    m,
                    what: what(entry),
                };
                if let Some(f) = k.f_q8 {
                    check_q8(&tile("_q8"), &mut rng, |rq| {
                        // SAFETY: as above; `rq` is checked by the caller.
                        unsafe { f(m, kg, a.as_ptr(), gs, b.as_ptr(), corr, rq) }
                    });
                }
                if let Some(f) = k.f_q8_fixed {
                    check_q8_fixed(&tile("_q8_fixed"), &mut rng, |rq| {
                        // SAFETY: as above; `rq` is checked by the caller.
                        unsafe { f(m, kg, a.as_ptr(), gs, b.as_ptr(), corr, rq) }
                    });
                }
                if let Some(f) = k.f_f32 {
                    check_f32((mr, nr), &mut rng, &want[..], ldc, m, &what("_f32"), |dq| {
                        // SAFETY: as above; `dq` is checked by the caller.
                        unsafe { f(m, kg, a.as_ptr(), gs, b.as_ptr(), corr, dq) }
                    });
                }
            }
        }
    }
}

/// The twin's s32 tile a fused entry is checked against: `m` rows of NR at
/// stride `ldc`, and the entry's name for the messages.
pub(crate) struct Want<'a> {
    pub(crate) mr: usize,
    pub(crate) nr: usize,
    pub(crate) want: &'a [i32],
    pub(crate) ldc: usize,
    pub(crate) m: usize,
    pub(crate) what: String,
}

impl Want<'_> {
    /// Asserts a byte output (MR rows at stride `rso`, prefilled with
    /// 0x77): `expect(v, j)` for the tile's element `v` in column `j`
    /// inside the `m × NR` tile, 0x77 (untouched) around it; `detail(j)`
    /// describes column `j`'s parameters.
    fn assert_bytes(
        &self,
        out: &[u8],
        rso: usize,
        expect: impl Fn(i32, usize) -> u8,
        detail: impl Fn(usize) -> String,
    ) {
        let nr = self.nr;
        for r in 0..self.mr {
            for j in 0..rso {
                let (e, d) = match r < self.m && j < nr {
                    true => (expect(self.want[r * self.ldc + j], j), detail(j)),
                    false => (0x77, String::new()),
                };
                assert_eq!(out[r * rso + j], e, "{}: row {r} col {j} ({d})", self.what);
            }
        }
    }
}

/// The requantizing entry, through `run`, against the scalar epilogue of
/// `want` (the twin's tile): u8 and s8 bounds, scales below 1 (with and
/// without `hi_bytes`) and up to 4.
pub(crate) fn check_q8(t: &Want<'_>, rng: &mut Rng, run: impl Fn(&TileRequant)) {
    let nr = t.nr;
    for (zp, lo, hi, big, hi_bytes) in [
        (128, 0, 255, false, true),
        (128, 0, 255, false, false),
        (3, 0, 255, true, false),
        (-5, -128, 127, false, true),
        (0, -100, 90, true, false),
    ] {
        let lim = if big { 4.0 } else { 0.999 };
        // Uniform in (−lim, lim), over a range of magnitudes, so some
        // values land inside the bounds and some clamp.
        let scale: Vec<f32> = (0..nr)
            .map(|_| ((rng.next() % 2001) as f32 / 1000.0 - 1.0) * lim / (1u32 << (rng.next() % 24)) as f32)
            .collect();
        let rso = nr + 3;
        let mut out = vec![0x77u8; t.mr * rso];
        let rq = TileRequant {
            out: out.as_mut_ptr(),
            rso,
            scale: scale.as_ptr(),
            zp,
            lo,
            hi,
            hi_bytes,
        };
        run(&rq);
        t.assert_bytes(
            &out,
            rso,
            |v, j| requant(v, scale[j], &rq),
            |_| format!("zp {zp}, [{lo}, {hi}]"),
        );
    }
}

/// The fixed-point requantizing entry, through `run`, against the scalar
/// epilogue of `want`: u8 and s8 bounds; multipliers at the ends of the Q31
/// range, negative ones and exact halves (ties); shifts from −31 to 30,
/// right shifts only, and right shifts of 8 or more only.
pub(crate) fn check_q8_fixed(t: &Want<'_>, rng: &mut Rng, run: impl Fn(&TileRequantFixed)) {
    let nr = t.nr;
    // From the fifth on: right shifts of 8 or more only (the AVX-512
    // epilogue's f32 screen, whose binade moves with `zp − lo`).
    let cases = [
        (128, 0, 255),
        (3, 3, 200),
        (-5, -128, 127),
        (0, -101, 90),
        (128, 0, 255),
        (-5, -128, 127),
        (255, 0, 255),
        (-128, -128, 127),
        (40, 7, 60),
    ];
    for (case, (zp, lo, hi)) in cases.into_iter().enumerate() {
        let mult: Vec<i32> = (0..nr)
            .map(|j| match j % 8 {
                0 => 1 << 30,
                1 => i32::MAX,
                2 => -(1 << 30),
                3 => i32::MIN + 1,
                4 => 0,
                _ => (1 << 30) + (rng.next() % (1 << 30)) as i32,
            })
            .collect();
        // Odd `lo` (a u8 and an s8 case): every shift right (or none), as real multipliers
        // below 1 give (the epilogue's variant without the left shift).
        let right_only = lo % 2 != 0;
        let screened = case >= 4;
        let shift: Vec<i32> = (0..nr)
            .map(|j| match j % 5 {
                _ if screened && j % 3 == 0 => -31,
                _ if screened => -8 - (rng.next() % 24) as i32,
                0 => -31,
                1 if right_only => -1,
                1 => 30,
                2 => 0,
                _ if right_only => -((rng.next() % 31) as i32),
                _ => (rng.next() % 30) as i32 - 24,
            })
            .collect();
        let rso = nr + 3;
        let mut out = vec![0x77u8; t.mr * rso];
        // The screen's constants, prepared as a GEMM call does.
        let mut prep = vec![0u32; screen_len(nr)];
        assert_eq!(
            requant_fixed_screen_prep(&mult, &shift, zp, lo, &mut prep),
            screened
        );
        let rq = TileRequantFixed {
            out: out.as_mut_ptr(),
            rso,
            mult: mult.as_ptr(),
            shift: shift.as_ptr(),
            zp,
            lo,
            hi,
            screen: if screened {
                prep.as_ptr()
            } else {
                core::ptr::null()
            },
        };
        run(&rq);
        let fixed = |v, j: usize| requant_fixed(v, mult[j], shift[j], &rq);
        t.assert_bytes(&out, rso, fixed, |j| {
            format!("mult {}, shift {}, zp {zp}, [{lo}, {hi}]", mult[j], shift[j])
        });
    }
}

/// The dequantizing entry, through `run`, against the scalar epilogue of
/// `want`: with and without bias, regular and streaming stores.
pub(crate) fn check_f32(
    (mr, nr): (usize, usize),
    rng: &mut Rng,
    want: &[i32],
    ldc: usize,
    m: usize,
    what: &str,
    run: impl Fn(&TileDequant),
) {
    let row_scale: Vec<f32> = (0..mr).map(|_| (rng.next() % 1000) as f32 * 1e-3 - 0.3).collect();
    let scale: Vec<f32> = (0..nr).map(|_| (rng.next() % 1000) as f32 * 1e-5).collect();
    let bias: Vec<f32> = (0..nr).map(|_| (rng.next() % 1000) as f32 - 500.0).collect();
    for (with_bias, stream, lo, hi) in [
        (false, false, f32::NEG_INFINITY, f32::INFINITY),
        (true, false, -1e3, 2e3),
        (true, true, -50.0, f32::INFINITY),
    ] {
        let rso = 64; // rows 256 bytes apart: line aligned for streaming
        let (mut buf, off) = aligned::<f32>(mr * rso);
        buf.iter_mut().for_each(|x| *x = 7.5);
        let dq = TileDequant {
            // SAFETY: `off` is within the slack of `aligned`.
            out: unsafe { buf.as_mut_ptr().add(off) },
            rso,
            row_scale: row_scale.as_ptr(),
            scale: scale.as_ptr(),
            bias: if with_bias {
                bias.as_ptr()
            } else {
                core::ptr::null()
            },
            lo,
            hi,
            stream,
        };
        run(&dq);
        for r in 0..mr {
            for j in 0..rso {
                let expect = if r < m && j < nr {
                    dequant(
                        want[r * ldc + j],
                        row_scale[r],
                        scale[j],
                        with_bias.then(|| bias[j]),
                        &dq,
                    )
                } else {
                    7.5
                };
                let got = buf[off + r * rso + j];
                assert_eq!(
                    got.to_bits(),
                    expect.to_bits(),
                    "{what}: row {r} col {j} (bias {with_bias}, stream {stream})"
                );
            }
        }
    }
}
