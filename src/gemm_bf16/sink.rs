//! The C sink of a BF16 GEMM over several K blocks: C holds each element's
//! running `vdpbf16ps` sum between blocks, stored raw (α = 1, β = 0), and
//! the scratch path resumes from it ([`TileSink::resume`]). α and β are
//! applied once the whole sum is known (`mod.rs`): the same roundings as one
//! K block.

use crate::gemm::f32_operands::SinkF32;
use crate::gemm::TileSink;
use crate::mat::MatMut;
use lowp_kernels::scalar::gemm_f32_tile_load::gemm_f32_tile_load_scalar;

/// Stores raw partial sums into C and hands them back to the kernel.
pub(crate) struct SinkPartials {
    store: SinkF32,
    c: *const f32,
    rsc: usize,
    csc: usize,
}

// SAFETY: the driver hands disjoint tiles to different threads; the pointer
// is only read for the tile of the thread that owns it.
unsafe impl Sync for SinkPartials {}

impl SinkPartials {
    /// The sink over `c`, which it overwrites (β = 0).
    pub(crate) fn new(c: &mut MatMut<'_, f32>) -> SinkPartials {
        SinkPartials {
            store: SinkF32::new(c, 0.0),
            c: c.as_mut_ptr(),
            rsc: c.row_stride(),
            csc: if c.cols() <= 1 { 1 } else { c.col_stride() },
        }
    }
}

// SAFETY: `direct` is SinkF32's, over the same C.
unsafe impl TileSink<f32> for SinkPartials {
    fn direct(&self, i: usize, j: usize) -> Option<(*mut f32, usize)> {
        self.store.direct(i, j)
    }

    #[allow(clippy::too_many_arguments)]
    fn store(
        &self,
        tile: &mut [f32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        _: bool,
        _: bool,
    ) {
        // The kernel resumed the earlier blocks' sums: overwrite them.
        self.store.merge(tile, ld, i, j, rows, cols, 0.0);
    }

    fn resume(&self, tile: &mut [f32], ld: usize, i: usize, j: usize, rows: usize, cols: usize) -> bool {
        // SAFETY: (i, j) and the rows × cols block are inside C (the driver
        // only passes in-range tiles), owned by this thread; `tile` is checked.
        unsafe {
            gemm_f32_tile_load_scalar(
                rows,
                cols,
                self.c.wrapping_add(i * self.rsc + j * self.csc),
                self.rsc,
                self.csc,
                tile,
                ld,
            )
        };
        true
    }
}
