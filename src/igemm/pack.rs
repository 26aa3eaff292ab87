//! Packing: weights once into [`PackedI8Weights`] (VNNI layout, column sums,
//! zero points, per-panel saturation verdicts); activations per call into
//! zero-padded u8 rows with their sums.

use super::{Int8, KernelPreference, Saturation, WeightZeroPoint};
use crate::error::{Error, Result};
use crate::{Context, Isa, MatRef};
use multiversion::multiversion;

/// A byte buffer whose start is 64-byte aligned (one cache line, one zmm).
#[derive(Clone, Default)]
pub(crate) struct AlignedBytes {
    buf: Vec<u8>,
    off: usize,
    len: usize,
    /// Returned to this thread's scratch slot on drop.
    scratch: bool,
}

thread_local! {
    /// One reusable activation buffer per thread: packing A allocates (and
    /// page-faults) only when a call needs more than any before it.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl AlignedBytes {
    pub(crate) fn zeroed(len: usize) -> AlignedBytes {
        let buf = vec![0u8; len + 64];
        let off = buf.as_ptr().align_offset(64).min(63);
        AlignedBytes {
            buf,
            off,
            len,
            scratch: false,
        }
    }

    /// A buffer of `len` initialized (not necessarily zero) bytes, reusing
    /// this thread's scratch allocation when it is large enough.
    pub(crate) fn scratch(len: usize) -> AlignedBytes {
        let mut buf = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        if buf.len() < len + 64 {
            buf = vec![0u8; len + 64];
        }
        let off = buf.as_ptr().align_offset(64).min(63);
        AlignedBytes {
            buf,
            off,
            len,
            scratch: true,
        }
    }
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[self.off..self.off + self.len]
    }
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf[self.off..self.off + self.len]
    }
}

impl std::fmt::Debug for AlignedBytes {
    /// The length, not the (possibly megabytes of) contents.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AlignedBytes({} bytes)", self.len)
    }
}

impl Drop for AlignedBytes {
    fn drop(&mut self) {
        if self.scratch {
            let buf = std::mem::take(&mut self.buf);
            // Keep the larger of the returned and the cached buffer.
            let _ = SCRATCH.try_with(|s| {
                let mut s = s.borrow_mut();
                if buf.len() > s.len() {
                    *s = buf;
                }
            });
        }
    }
}

/// Weights `B` (`K × N`, s8 or u8, any strides) packed once for the INT8
/// GEMM of one ISA level, like FBGEMM's `PackBMatrix`.
///
/// Holds the VNNI layout (panels of `nr` columns; in each, groups of 4
/// consecutive k per column, K zero-padded to a multiple of 4), the weights
/// moved to s8 (`b' = b − 128` for u8 weights), the column sums of `b'`, the
/// zero points (per tensor or per output column), and on levels without
/// VNNI the verdict of each panel: whether the `vpmaddubsw` chain can
/// saturate on it (then the exact s16 path runs it). The object remembers
/// the level it was packed for; using it under another level is an `Err`.
///
/// ```
/// use lowp::igemm::{PackOptions, PackedI8Weights, WeightZeroPoint};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let w = vec![1i8; 3 * 5]; // K = 3, N = 5, row-major
/// let b = lowp::MatRef::row_major(&w, 3, 5)?;
/// let p = PackedI8Weights::pack(&ctx, b, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
/// assert_eq!((p.k(), p.n()), (3, 5));
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PackedI8Weights {
    pub(crate) isa: Isa,
    pub(crate) k: usize,
    pub(crate) n: usize,
    pub(crate) kg: usize,
    pub(crate) nr: usize,
    pub(crate) data: AlignedBytes,
    /// Σ_k b'[k][j], padded to whole panels.
    pub(crate) colsum: Vec<i32>,
    /// zb'_j = zb_j − 128 (u8 weights) or zb_j (s8), padded to whole panels.
    pub(crate) zb: Vec<i32>,
    /// max over j, k of |b'[k][j] − zb'_j| (0 when K or N is 0).
    pub(crate) max_abs_b: i64,
    /// max over j of |zb'_j|.
    pub(crate) max_abs_zb: i64,
    pub(crate) signed: bool,
    pub(crate) saturation: Saturation,
    pub(crate) preference: KernelPreference,
    /// Per panel: true = the main kernel (chain or vpdpbusd), false = exact path.
    pub(crate) use_main: Vec<bool>,
}

/// How [`PackedI8Weights::pack`] chooses kernels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackOptions {
    /// Exact (default) or saturating `vpmaddubsw` chain on levels without VNNI.
    pub saturation: Saturation,
    /// Which kernel family to prefer (for comparisons; `Auto` is best).
    pub preference: KernelPreference,
}

impl PackedI8Weights {
    /// Packs `b` (`K × N`) for `ctx`'s ISA level. `zero_point` is the
    /// weights' zero point, per tensor or per column (length N), within the
    /// weight type's range.
    pub fn pack<B: Int8>(
        ctx: &Context,
        b: MatRef<'_, B>,
        zero_point: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> Result<PackedI8Weights> {
        let (k, n) = (b.rows(), b.cols());
        let isa = ctx.isa();
        let kernels = ctx.kernels().igemm;
        let nr = kernels.nr;
        // The raw accumulator Σ a'·b' with a' ≤ 255, |b'| ≤ 128 must not
        // wrap past what the compensation can repair: the result bound is
        // checked per call; here refuse a K no call could use. Checked
        // before anything is allocated per column (a zero-size view may
        // claim any K or N).
        if k > MAX_K {
            return Err(Error::overflow(
                "b",
                format!("K = {k} exceeds {MAX_K}, past which Σ u8·s8 can overflow s32"),
            ));
        }
        if n > isize::MAX as usize / 16 {
            return Err(Error::overflow(
                "b",
                format!("N = {n} columns of per-column sums exceed the address space"),
            ));
        }
        if let WeightZeroPoint::PerColumn(z) = zero_point {
            if z.len() != n {
                return Err(Error::shape(format!(
                    "zero_point has {} entries but b has {n} columns",
                    z.len()
                )));
            }
        }
        let zps: Vec<i32> = (0..n)
            .map(|j| crate::reference::igemm::zero_point_of(&zero_point, j))
            .collect();
        if let Some(z) = zps.iter().find(|&&z| z < B::MIN || z > B::MAX) {
            return Err(Error::param(
                "zero_point",
                format!("weight zero point {z} is outside [{}, {}]", B::MIN, B::MAX),
            ));
        }
        match options.preference {
            KernelPreference::Ymm if kernels.alt.is_none() => {
                return Err(Error::param(
                    "options.preference",
                    format!("no ymm vpdpbusd kernel on {isa} (only on avx512vnni)"),
                ))
            }
            KernelPreference::ExactS16 if kernels.exact.is_none() => {
                return Err(Error::param(
                    "options.preference",
                    format!("{isa} has no separate exact s16 path (its vpdpbusd kernel is exact)"),
                ))
            }
            _ => {}
        }
        let kg = k.div_ceil(4);
        let n_panels = n.div_ceil(nr);
        let panel_bytes = kg
            .checked_mul(nr * 4)
            .ok_or_else(|| Error::overflow("b", format!("K = {k} is too large to pack")))?;
        let total = panel_bytes
            .checked_mul(n_panels)
            .filter(|&t| t <= isize::MAX as usize / 2)
            .ok_or_else(|| {
                Error::overflow("b", format!("a {k}x{n} packed matrix exceeds the address space"))
            })?;
        let mut data = AlignedBytes::zeroed(total);
        let mut colsum = vec![0i32; n_panels * nr];
        let mut zb = vec![0i32; n_panels * nr];
        let mut max_abs_b = 0i64;
        let dst = data.as_mut_slice();
        for j in 0..n {
            let p = j / nr;
            let jj = j % nr;
            let zbj = zps[j] - B::S8_SHIFT;
            zb[j] = zbj;
            let base = p * panel_bytes + jj * 4;
            let mut s = 0i32;
            for kk in 0..k {
                let v = b.at(kk, j).to_s8_shifted();
                dst[base + (kk / 4) * nr * 4 + kk % 4] = v as u8;
                s += v as i32;
                max_abs_b = max_abs_b.max((v as i64 - zbj as i64).abs());
            }
            colsum[j] = s;
        }
        let max_abs_zb = zb.iter().map(|&z| (z as i64).abs()).max().unwrap_or(0);
        let use_main = (0..n_panels)
            .map(
                |p| match (options.preference, kernels.main.saturates, options.saturation) {
                    (KernelPreference::ExactS16, _, _) => false,
                    (_, false, _) | (_, true, Saturation::Allow) => true,
                    (_, true, Saturation::Exact) => {
                        panel_is_chain_safe(&dst[p * panel_bytes..(p + 1) * panel_bytes])
                    }
                },
            )
            .collect();
        Ok(PackedI8Weights {
            isa,
            k,
            n,
            kg,
            nr,
            data,
            colsum,
            zb,
            max_abs_b,
            max_abs_zb,
            signed: B::SIGNED,
            saturation: options.saturation,
            preference: options.preference,
            use_main,
        })
    }

    /// K (rows of B).
    pub fn k(&self) -> usize {
        self.k
    }
    /// N (columns of B, output channels).
    pub fn n(&self) -> usize {
        self.n
    }
    /// The ISA level whose layout this holds.
    pub fn isa(&self) -> Isa {
        self.isa
    }
    /// Panel width (columns per packed panel).
    pub fn panel_width(&self) -> usize {
        self.nr
    }
    /// Whether the weights were s8 (else u8).
    pub fn weights_signed(&self) -> bool {
        self.signed
    }
    /// The saturation mode chosen at packing.
    pub fn saturation(&self) -> Saturation {
        self.saturation
    }
    /// `(main, exact)`: how many panels run the level's main kernel
    /// (`vpdpbusd`, or the `vpmaddubsw` chain on levels without VNNI) and how
    /// many the exact s16 path (always 0 on VNNI levels).
    pub fn panel_paths(&self) -> (usize, usize) {
        let main = self.use_main.iter().filter(|&&u| u).count();
        (main, self.use_main.len() - main)
    }
    /// Bytes of one packed panel.
    pub(crate) fn panel_bytes(&self) -> usize {
        self.kg * self.nr * 4
    }
}

/// Largest K any call accepts: 255·128·K must fit i32.
pub const MAX_K: usize = (i32::MAX as usize) / (255 * 128);

/// Whether no pair of weights `(b'[2p][j], b'[2p+1][j])` in this panel can
/// push `vpmaddubsw` out of s16 for any u8 activations:
/// `255·(b⁺ₖ + b⁺ₖ₊₁) ≤ 32767` and `255·(b⁻ₖ + b⁻ₖ₊₁) ≥ −32768`.
fn panel_is_chain_safe(panel: &[u8]) -> bool {
    // Each column's 4 bytes of a group hold pairs (0,1) and (2,3).
    panel.chunks_exact(2).all(|pair| {
        let (x, y) = (pair[0] as i8 as i32, pair[1] as i8 as i32);
        255 * (x.max(0) + y.max(0)) <= i16::MAX as i32 && 255 * (x.min(0) + y.min(0)) >= i16::MIN as i32
    })
}

/// Packs activations `a` (`M × K`) to u8 (`a' = a + 128` for s8) in
/// panels of `ph` rows interleaved by k-group: row `i = q·ph + r`, group `g`
/// at `q·ph·4·kg + g·ph·4 + 4·r` (K and the last panel zero-padded). Returns
/// the panels and `Σ_k a'` per row.
pub(crate) fn pack_a<A: Int8>(a: MatRef<'_, A>, kg: usize, ph: usize) -> (AlignedBytes, Vec<i32>) {
    let (m, k) = (a.rows(), a.cols());
    let gs = ph * 4;
    let panel = gs * kg;
    // Rows past M in the last panel are never read (tiles stop at M), so
    // stale bytes there are harmless; every byte of rows < M is written.
    let mut buf = AlignedBytes::scratch(m.div_ceil(ph) * panel);
    let mut sums = vec![0i32; m];
    let mut row = vec![0u8; kg * 4];
    let dst = buf.as_mut_slice();
    if kg == 0 {
        return (buf, sums);
    }
    for (q, panel_dst) in dst.chunks_exact_mut(panel).enumerate() {
        let i0 = q * ph;
        for r in 0..ph.min(m - i0) {
            let i = i0 + r;
            let src = &mut row[..k];
            sums[i] = if a.is_row_contiguous() {
                let start = i * a.row_stride();
                A::pack_row(&a.as_slice()[start..start + k], src)
            } else {
                for (kk, d) in src.iter_mut().enumerate() {
                    *d = a.at(i, kk).to_u8_shifted();
                }
                src.iter().map(|&x| x as i32).sum()
            };
            // Row r's k-groups go to offset 4r of each group of the panel.
            for (group, c) in panel_dst.chunks_exact_mut(gs).zip(row.chunks_exact(4)) {
                group[4 * r..4 * r + 4].copy_from_slice(c);
            }
        }
    }
    (buf, sums)
}

/// Copies a u8 row, returning its sum.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn pack_row_u8(src: &[u8], dst: &mut [u8]) -> i32 {
    let mut s = 0i32;
    for (d, &x) in dst.iter_mut().zip(src) {
        *d = x;
        s += x as i32;
    }
    s
}

/// Moves an s8 row to u8 (`+128`), returning the sum of the results.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn pack_row_s8(src: &[i8], dst: &mut [u8]) -> i32 {
    let mut s = 0i32;
    for (d, &x) in dst.iter_mut().zip(src) {
        let v = (x as u8) ^ 0x80;
        *d = v;
        s += v as i32;
    }
    s
}
