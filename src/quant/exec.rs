//! Runs a conversion kernel over a matrix view: rows (or, for a
//! column-major view, columns) split into chunks spread over the Context's
//! threads, streaming stores when input and output exceed the last-level cache.

use super::params::Granularity;
use crate::Context;

/// Elements per task: large enough to amortize a task, small enough that
/// four threads share a 4 MiB buffer.
const CHUNK: usize = 1 << 16;

/// Stream past this many bytes even when the reported LLC is larger: a
/// socket-wide L3 (260 MiB on a 2-vCPU Emerald Rapids VM) is shared with
/// every other core, and 80 MiB ran at memory speed there with normal stores
/// (docs/tuning.md, "streaming rule and input prefetch").
const STREAM_ABOVE: usize = 32 << 20;

/// A matrix walk in the orientation the kernels see: `rows` runs of `cols`
/// contiguous elements, run `i` starting at element `i·src_rs` (`i·dst_rs`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Walk {
    pub rows: usize,
    pub cols: usize,
    pub src_rs: usize,
    pub dst_rs: usize,
    /// The channel granularity in this orientation.
    pub granularity: Granularity,
    /// Whether runs are the views' columns.
    pub transposed: bool,
}

impl Walk {
    /// The walk for views with these strides, transposed when both are
    /// column-contiguous and not row-contiguous; `None` when neither
    /// orientation is contiguous for both (the callers' element-wise path).
    pub(crate) fn plan(
        (rows, cols): (usize, usize),
        (src_rs, src_cs): (usize, usize),
        (dst_rs, dst_cs): (usize, usize),
        granularity: Granularity,
    ) -> Option<Walk> {
        let row_ok = cols <= 1 || (src_cs == 1 && dst_cs == 1);
        let col_ok = rows <= 1 || (src_rs == 1 && dst_rs == 1);
        if row_ok {
            Some(Walk {
                rows,
                cols,
                src_rs,
                dst_rs,
                granularity,
                transposed: false,
            })
        } else if col_ok {
            let granularity = match granularity {
                Granularity::PerRow => Granularity::PerColumn,
                Granularity::PerColumn => Granularity::PerRow,
                Granularity::PerTensor => Granularity::PerTensor,
            };
            Some(Walk {
                rows: cols,
                cols: rows,
                src_rs: src_cs,
                dst_rs: dst_cs,
                granularity,
                transposed: true,
            })
        } else {
            None
        }
    }

    /// Calls `f(row, c0, len, stream)` for every chunk of every run, on the
    /// Context's threads when the work is large. `elem_bytes` is the bytes
    /// one element reads and writes (for the streaming decision).
    pub(crate) fn run<F>(&self, ctx: &Context, elem_bytes: usize, f: F)
    where
        F: Fn(usize, usize, usize, bool) + Sync + Send,
    {
        let total = self.rows * self.cols;
        if total == 0 {
            return;
        }
        // Input and output together past the LLC (or `STREAM_ABOVE`): the
        // output's lines are gone before anyone reads them, so write them
        // without first reading them in (docs/tuning.md, "Quantization toolkit").
        let stream = total * elem_bytes > ctx.cache_sizes().l3.min(STREAM_ABOVE);
        let per_row = self.cols.div_ceil(CHUNK);
        let tasks = self.rows * per_row;
        if tasks <= 1 || ctx.num_threads() <= 1 || total < 2 * CHUNK {
            for r in 0..self.rows {
                f(r, 0, self.cols, stream);
            }
            return;
        }
        ctx.run_parallel(tasks, |t| {
            let (r, c) = (t / per_row, t % per_row);
            let c0 = c * CHUNK;
            f(r, c0, CHUNK.min(self.cols - c0), stream);
        });
    }
}
