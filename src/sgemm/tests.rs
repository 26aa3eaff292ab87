//! The shared driver as the INT8 GEMM uses it, run on the f32 kernels.
use crate::context::CacheSizes;
use crate::gemm::f32_operands::PackBF32;
use crate::gemm::{self, BOperand, Problem, TileSink};
use crate::isa::Isa;
use crate::mat::MatRef;
use crate::Context;
use std::sync::Mutex;

/// A sink the way an INT8 output pipeline uses the driver: no direct
/// writes, every tile through `store`, and the whole K sum in one tile.
struct Recording {
    n: usize,
    out: Mutex<Vec<f32>>,
    flags: Mutex<Vec<(bool, bool)>>,
}

// SAFETY: `direct` never hands out a pointer.
unsafe impl TileSink<f32> for Recording {
    fn direct(&self, _i: usize, _j: usize) -> Option<(*mut f32, usize)> {
        None
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
        self.flags.lock().unwrap().push((first, last));
        let mut out = self.out.lock().unwrap();
        for r in 0..rows {
            for c in 0..cols {
                out[(i + r) * self.n + j + c] += tile[r * ld + c];
            }
        }
    }
}

#[test]
fn driver_with_store_only_sink_and_unsplit_k() {
    let tiny = CacheSizes {
        l1d: 4 << 10,
        l2: 16 << 10,
        l3: 64 << 10,
    };
    let (m, n, k) = (37, 45, 1300);
    let a: Vec<f32> = (0..m * k).map(|x| (x % 7) as f32 - 3.0).collect();
    let b: Vec<f32> = (0..k * n).map(|x| (x % 5) as f32 - 2.0).collect();
    // Small integers: the plain triple loop is exact, so it is the oracle.
    let want: Vec<f32> = (0..m * n)
        .map(|x| (0..k).map(|p| a[x / n * k + p] * b[p * n + x % n]).sum())
        .collect();
    for isa in Isa::available() {
        for (threads, unsplit) in [(1, true), (3, true), (1, false)] {
            let ctx = Context::builder()
                .max_isa(isa)
                .threads(threads)
                .cache_sizes(tiny)
                .build()
                .unwrap();
            let sink = Recording {
                n,
                out: Mutex::new(vec![0.0; m * n]),
                flags: Mutex::new(Vec::new()),
            };
            let pa = ctx.kernels().sgemm.pack_a(MatRef::row_major(&a, m, k).unwrap());
            let pb = PackBF32(MatRef::row_major(&b, k, n).unwrap());
            gemm::gemm(
                &ctx,
                &ctx.kernels().sgemm,
                &Problem {
                    m,
                    n,
                    k,
                    a: &pa,
                    b: BOperand::Pack(&pb),
                    sink: &sink,
                    alpha: 1.0,
                    beta: 0.0,
                    kc_at_least: unsplit.then_some(usize::MAX),
                },
            );
            // Small integers: every order of summation is exact.
            assert_eq!(*sink.out.lock().unwrap(), want, "{isa} {threads}t");
            let flags = sink.flags.lock().unwrap();
            if unsplit {
                assert!(flags.iter().all(|&f| f == (true, true)), "{isa}: K was split");
            } else {
                // Tiny caches split K = 1300 into several blocks.
                assert!(flags.contains(&(true, false)) && flags.contains(&(false, true)));
            }
        }
    }
}
