//! The FP32 convolution's fused output stage: bias and ReLU/clamp applied
//! to each tile of C right after its last K block is written (the tile is
//! still in L1), instead of in a pass over the whole output afterwards.

use crate::gemm::f32_operands::SinkF32;
use crate::gemm::TileSink;
use crate::sgemm::BiasClampFn;
use crate::MatMut;

/// `y ← clamp(y + bias)`: a layer's bias (the GEMM's columns, i.e. the
/// group's slice) and activation bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Epilogue<'a> {
    pub bias: Option<&'a [f32]>,
    /// `(lo, hi)`: `max(·, lo)` then `min(·, hi)`; `None` for no activation.
    pub clamp: Option<(f32, f32)>,
}

/// [`SinkF32`] (β = 0) followed by an [`Epilogue`] on every finished tile.
pub(crate) struct SinkF32Epilogue<'a> {
    inner: SinkF32,
    c: *mut f32,
    rsc: usize,
    epi: Epilogue<'a>,
    /// The level's kernel of the stage.
    kernel: BiasClampFn,
}

// SAFETY: as SinkF32: the driver hands disjoint tiles to different threads,
// and the pointer is only dereferenced (by the kernel) on the caller's tile.
unsafe impl Sync for SinkF32Epilogue<'_> {}

impl<'a> SinkF32Epilogue<'a> {
    /// The sink writing `C ← epi(A·B)` into `c`, whose columns are contiguous.
    /// `kernel` is the Context's (`SgemmKernels::bias_clamp`).
    pub(crate) fn new(
        c: &mut MatMut<'_, f32>,
        epi: Epilogue<'a>,
        kernel: BiasClampFn,
    ) -> SinkF32Epilogue<'a> {
        assert!(c.col_stride() == 1 || c.cols() <= 1);
        if let Some(b) = epi.bias {
            assert!(b.len() >= c.cols());
        }
        SinkF32Epilogue {
            inner: SinkF32::new(c, 0.0),
            c: c.as_mut_ptr(),
            rsc: c.row_stride(),
            epi,
            kernel,
        }
    }

    fn epilogue(&self, i: usize, j: usize, rows: usize, cols: usize) {
        let Epilogue { bias, clamp } = self.epi;
        if bias.is_none() && clamp.is_none() {
            return;
        }
        // SAFETY: the Context's kernel (an available ISA); the driver only
        // finishes in-range tiles of C (so `bias[j..]` holds `cols` elements,
        // checked in `new` and by the kernel), each owned by the calling
        // thread; C's rows are `rsc ≥ cols` apart.
        unsafe {
            (self.kernel)(
                rows,
                cols,
                self.c.wrapping_add(i * self.rsc + j),
                self.rsc,
                bias.map(|b| &b[j..]),
                clamp,
            )
        }
    }
}

// SAFETY: `direct` is SinkF32's (in-range, unit column stride, disjoint tiles).
unsafe impl TileSink<f32> for SinkF32Epilogue<'_> {
    fn direct(&self, i: usize, j: usize) -> Option<(*mut f32, usize)> {
        self.inner.direct(i, j)
    }

    fn store(
        &self,
        tile: &mut [f32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        first: bool,
        last: bool,
    ) {
        self.inner.store(tile, ld, i, j, rows, cols, first, last);
        if last {
            self.epilogue(i, j, rows, cols);
        }
    }

    fn finish(&self, i: usize, j: usize, rows: usize, cols: usize) {
        self.epilogue(i, j, rows, cols);
    }
}
