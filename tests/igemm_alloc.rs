//! Steady state allocates nothing: after a warm-up call, further INT8 GEMM
//! calls (s32, f32, u8 and s8 outputs; per-tensor and per-column scales;
//! nonzero activation and weight zero points; one thread) make no heap
//! allocation on the calling thread (row sums, per-column terms and packing
//! buffers are thread-local and reused).
//!
//! Only the test's own thread is counted: the harness's threads allocate
//! at times of their own choosing (one test in this binary all the same).

use lowp::igemm::{
    igemm, Activation, Dequantize, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint,
};
use lowp::{Context, Isa, MatMut, MatRef};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted (no destructor, so the
    /// allocator may read it at any time).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_calls_do_not_allocate() {
    COUNTED.with(|c| c.set(true));
    for isa in Isa::available() {
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        for &(m, n, k) in &[(1, 300, 500), (37, 77, 130), (64, 64, 64), (150, 170, 600)] {
            let a: Vec<u8> = (0..m * k).map(|x| (x * 7 % 251) as u8).collect();
            let s: Vec<i8> = (0..m * k).map(|x| (x * 5 % 253) as i8).collect();
            let w: Vec<i8> = (0..k * n).map(|x| (x * 3 % 61) as i8 - 30).collect();
            let zb: Vec<i32> = (0..n).map(|j| (j % 5) as i32 - 2).collect();
            let scales: Vec<f32> = (0..n).map(|j| 1e-4 * (1 + j % 3) as f32).collect();
            let fbias: Vec<f32> = (0..n).map(|j| j as f32 * 0.5).collect();
            let ibias: Vec<i32> = (0..n).map(|j| j as i32 * 3 - 40).collect();
            let wv = MatRef::row_major(&w, k, n).unwrap();
            let per_tensor =
                PackedI8Weights::pack(&ctx, wv, WeightZeroPoint::PerTensor(3), PackOptions::default())
                    .unwrap();
            let per_col =
                PackedI8Weights::pack(&ctx, wv, WeightZeroPoint::PerColumn(&zb), PackOptions::default())
                    .unwrap();
            let (mut c32, mut ct32) = (vec![0i32; m * n], vec![0i32; m * n]);
            let mut cf = vec![0f32; m * n];
            let mut cu = vec![0u8; m * n];
            let mut cs = vec![0i8; m * n];
            // Views are built outside the counted region (building a view is
            // not part of the GEMM call).
            let av = MatRef::row_major(&a, m, k).unwrap();
            let sv = MatRef::row_major(&s, m, k).unwrap();
            let mut c32v = MatMut::row_major(&mut c32, m, n).unwrap();
            let mut ct32v = MatMut::col_major(&mut ct32, m, n).unwrap();
            let mut cfv = MatMut::row_major(&mut cf, m, n).unwrap();
            let mut cuv = MatMut::row_major(&mut cu, m, n).unwrap();
            let mut csv = MatMut::row_major(&mut cs, m, n).unwrap();
            let dequantize = Dequantize {
                bias: Some(&fbias),
                activation: Activation::Relu,
                ..Dequantize::new(Scale::PerColumn(&scales))
            };
            let requantize = Requantize {
                bias: Some(&ibias),
                relu: true,
                ..Requantize::new(Scale::PerTensor(3e-3), 5)
            };
            let mut run = || {
                for b in [&per_tensor, &per_col] {
                    let s32_out = Output::S32 {
                        c: c32v.rb_mut(),
                        accumulate: false,
                    };
                    igemm(&ctx, av, 17, b, s32_out).unwrap();
                    let s32_out = Output::S32 {
                        c: ct32v.rb_mut(),
                        accumulate: true,
                    };
                    igemm(&ctx, sv, -9, b, s32_out).unwrap();
                    let f32_out = Output::F32 {
                        c: cfv.rb_mut(),
                        dequantize,
                    };
                    igemm(&ctx, av, 128, b, f32_out).unwrap();
                    let f32_out = Output::F32 {
                        c: cfv.rb_mut(),
                        dequantize: Dequantize::new(Scale::PerTensor(2e-3)),
                    };
                    igemm(&ctx, sv, 0, b, f32_out).unwrap();
                    let u8_out = Output::U8 {
                        c: cuv.rb_mut(),
                        requantize,
                    };
                    igemm(&ctx, av, 100, b, u8_out).unwrap();
                    let s8_out = Output::S8 {
                        c: csv.rb_mut(),
                        requantize: Requantize {
                            scale: Scale::PerColumn(&scales),
                            ..requantize
                        },
                    };
                    igemm(&ctx, sv, 7, b, s8_out).unwrap();
                }
            };
            run(); // warm-up: buffers grow here
            let before = ALLOCS.load(Ordering::SeqCst);
            run();
            run();
            let after = ALLOCS.load(Ordering::SeqCst);
            assert_eq!(
                after - before,
                0,
                "{isa} {m}x{n}x{k}: steady-state INT8 calls allocated"
            );
        }
    }
}
