//! [`PackedB`]: a B operand packed once (weights) and multiplied many times.
//!
//! Layout (what the driver reads): K is cut into blocks of `kc` (the last
//! may be shorter); each block holds `⌈n/NR⌉` column panels, each
//! `NR × kcp` elements in the kernel's packed-B order, where `kcp` is the
//! block's depth rounded up to the kernel's k-unit (zero padded). Blocks are
//! stored one after the other, so block `b` starts at `b·kc·⌈n/NR⌉·NR`.
//! The layout belongs to one kernel (its `NR`, k-unit and KC): using it with
//! a Context whose kernel differs is refused with `LayoutMismatch`.

use super::blocking::round_up;
use super::buffers::AlignedVec;
use super::PackB;
use crate::buffer::Zeroed;
use crate::error::{Error, Result};
use crate::isa::Isa;

/// A B matrix packed for one GEMM kernel: pack once, multiply many times
/// (the inference case, like FBGEMM's `PackBMatrix`).
///
/// Build the f32 one with [`PackedB::<f32>::new`](PackedB::new) and multiply
/// with [`crate::sgemm_packed`].
#[derive(Debug)]
pub struct PackedB<T> {
    data: AlignedVec<T>,
    k: usize,
    n: usize,
    kc: usize,
    nr: usize,
    k_unit: usize,
    isa: Isa,
    kernel: &'static str,
}

impl<T: Zeroed + 'static> Clone for PackedB<T> {
    fn clone(&self) -> Self {
        PackedB {
            data: self.data.clone(),
            ..*self
        }
    }
}

impl<T: Zeroed + 'static> PackedB<T> {
    /// Packs a `k × n` B for a kernel with `nr` columns and `k_unit` depth
    /// grouping, in K blocks of `kc`, with `packer` (the kernel's pack-B).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pack_with(
        k: usize,
        n: usize,
        kc: usize,
        nr: usize,
        k_unit: usize,
        isa: Isa,
        kernel: &'static str,
        packer: &dyn PackB<T>,
    ) -> Result<Self> {
        debug_assert!(kc > 0 && kc.is_multiple_of(k_unit));
        let panels = n.div_ceil(nr);
        let total = if k == 0 || n == 0 {
            0
        } else {
            let full_blocks = (k - 1) / kc;
            let last = round_up(k - full_blocks * kc, k_unit);
            full_blocks
                .checked_mul(kc)
                .and_then(|x| x.checked_add(last))
                .and_then(|x| x.checked_mul(panels))
                .and_then(|x| x.checked_mul(nr))
                .ok_or_else(|| Error::overflow("b", format!("packing a {k}x{n} B overflows usize")))?
        };
        let mut data = AlignedVec::new(total);
        let mut off = 0;
        let mut pc = 0;
        while pc < k && n > 0 {
            let kcb = kc.min(k - pc);
            let len = round_up(kcb, k_unit) * panels * nr;
            packer.pack_b(&mut data[off..off + len], nr, pc..pc + kcb, 0..n);
            off += len;
            pc += kcb;
        }
        Ok(PackedB {
            data,
            k,
            n,
            kc,
            nr,
            k_unit,
            isa,
            kernel,
        })
    }

    /// The packed block holding depth `pc..` (`pc` a multiple of `kc`),
    /// starting at column panel `panel`.
    pub(crate) fn block(&self, pc: usize, panel: usize) -> &[T] {
        let panels = self.n.div_ceil(self.nr);
        let kcp = round_up(self.kc.min(self.k - pc), self.k_unit);
        let start = pc * panels * self.nr + panel * self.nr * kcp;
        &self.data[start..]
    }

    /// Depth of the K blocks this was packed with.
    pub(crate) fn kc(&self) -> usize {
        self.kc
    }

    /// Refuses a packed layout made for another kernel.
    pub(crate) fn check_layout(
        &self,
        isa: Isa,
        kernel: &'static str,
        nr: usize,
        k_unit: usize,
    ) -> Result<()> {
        if self.kernel != kernel || self.nr != nr || self.k_unit != k_unit {
            return Err(Error::LayoutMismatch {
                arg: "b",
                msg: format!(
                    "b was packed for kernel {} (ISA {}, NR {}), but this context runs {} (ISA {}, NR {})",
                    self.kernel, self.isa, self.nr, kernel, isa, nr
                ),
            });
        }
        Ok(())
    }

    /// Rows of B (the K dimension).
    pub fn rows(&self) -> usize {
        self.k
    }

    /// Columns of B (the N dimension).
    pub fn cols(&self) -> usize {
        self.n
    }

    /// The kernel whose layout this is (e.g. `sgemm_f32_14x32_avx512`).
    pub fn kernel_name(&self) -> &'static str {
        self.kernel
    }

    /// The ISA level of that kernel.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Bytes of packed storage.
    pub fn packed_bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<T>()
    }
}
