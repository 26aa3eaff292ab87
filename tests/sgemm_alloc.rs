//! Steady state allocates nothing: after a warm-up call, further sgemm calls
//! (blocked path, GEMV paths, small-M path, prepacked B) make no heap allocation on the
//! calling thread (packing buffers are thread-local and reused).
//!
//! One test in this binary, so no other test allocates concurrently.

use lowp::{sgemm, sgemm_packed, Context, Isa, MatMut, MatRef, PackedB};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_calls_do_not_allocate() {
    for isa in Isa::available() {
        let ctx = Context::builder().max_isa(isa).threads(1).build().unwrap();
        for &(m, n, k) in &[
            (150, 170, 600),
            (1, 300, 500),
            (3, 77, 40),
            (64, 64, 64),
            (12, 200, 700),
        ] {
            let a = vec![0.5f32; m * k];
            let b = vec![0.25f32; k * n];
            let mut c1 = vec![0.0f32; m * n];
            let mut c2 = vec![0.0f32; m * n];
            let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&b, k, n).unwrap()).unwrap();
            // Views are built outside the counted region (building a MatMut
            // is not part of the GEMM call).
            let av = MatRef::row_major(&a, m, k).unwrap();
            let bv = MatRef::row_major(&b, k, n).unwrap();
            let bt = MatRef::col_major(&b, k, n).unwrap();
            let mut cv = MatMut::row_major(&mut c1, m, n).unwrap();
            let mut ct = MatMut::col_major(&mut c2, m, n).unwrap();
            let mut run = || {
                sgemm(&ctx, 1.0, av, bv, 0.0, cv.rb_mut()).unwrap();
                sgemm(&ctx, 1.0, av, bt, 1.0, ct.rb_mut()).unwrap();
                sgemm_packed(&ctx, 1.0, av, &packed, 1.0, cv.rb_mut()).unwrap();
                sgemm_packed(&ctx, 1.0, av, &packed, 0.5, ct.rb_mut()).unwrap();
            };
            run(); // warm-up: buffers grow here
            let before = ALLOCS.load(Ordering::SeqCst);
            run();
            run();
            let after = ALLOCS.load(Ordering::SeqCst);
            assert_eq!(
                after - before,
                0,
                "{isa} {m}x{n}x{k}: steady-state calls allocated"
            );
        }
    }
}
