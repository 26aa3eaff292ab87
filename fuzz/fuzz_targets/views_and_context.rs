//! Fuzzes the checked views (`MatRef`, `MatMut`), ISA names and the
//! `Context` builder against an independent specification:
//!
//! - no input makes them panic;
//! - a view that is accepted addresses only in-bounds elements (every (i, j)
//!   of a small view is walked and compared with `data[i·rs + j·cs]`, computed
//!   in u128), and a refusal carries the error the spec predicts;
//! - a `MatMut` is never accepted with two elements at one address (walked
//!   for small views; for large ones, rows·cols ≤ len by pigeonhole);
//! - ISA names parse exactly to the level whose normalised name they are,
//!   and every level round-trips through its name;
//! - `Context::builder()` with random caps, threads, caches and pools returns
//!   `Err` exactly when the environment's ISA cap is an unknown name or the
//!   thread count is bad (a cap selects the best level not above it), and an
//!   `Ok` context reports what was asked and runs every task once.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use lowp::{CacheSizes, Context, Error, Isa, MatMut, MatRef};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Views with at most this many elements are walked element by element.
const WALK: u128 = 4096;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Size {
    Small(u8),
    Any(usize),
    NearMax(u8),
}

impl Size {
    fn get(self) -> usize {
        match self {
            Size::Small(v) => usize::from(v % 17),
            Size::Any(v) => v,
            Size::NearMax(v) => usize::MAX - usize::from(v),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Stride {
    Small(u8),
    Any(usize),
    NearMax(u8),
    NearIsizeMax(i8),
    Pow2(u8),
}

impl Stride {
    fn get(self) -> usize {
        match self {
            Stride::Small(v) => usize::from(v % 33),
            Stride::Any(v) => v,
            Stride::NearMax(v) => usize::MAX - usize::from(v),
            Stride::NearIsizeMax(d) => (isize::MAX as usize).wrapping_add(d as isize as usize),
            Stride::Pow2(e) => 1usize << (e % 64),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct ViewCase {
    len: u16,
    rows: Size,
    cols: Size,
    rs: Stride,
    cs: Stride,
}

#[derive(Arbitrary, Debug)]
enum Threads {
    Few(u8),
    Huge(usize),
}

#[derive(Arbitrary, Debug)]
struct CtxCase {
    cap: Option<u8>,
    threads: Option<Threads>,
    caches: Option<(usize, usize, usize)>,
    use_pool: bool,
    ignore_env: bool,
    tasks: u8,
}

#[derive(Arbitrary, Debug)]
enum Case {
    Ref(ViewCase),
    Mut(ViewCase),
    IsaName(String),
    IsaBytes(Vec<u8>),
    Ctx(CtxCase),
}

/// What the spec says a view constructor must return.
#[derive(Debug, PartialEq)]
enum Expect {
    Ok,
    Overflow,
    InvalidStride,
    TooSmall { needed: usize },
}

/// The bounds part of the spec, in u128 (each product fits; their sum may
/// not): the index of the last element must fit usize, then isize (as must
/// each stride), then the slice.
fn expect_bounds(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> Expect {
    if rows == 0 || cols == 0 {
        return Expect::Ok;
    }
    let needed = ((rows as u128 - 1) * rs as u128)
        .checked_add((cols as u128 - 1) * cs as u128)
        .and_then(|x| x.checked_add(1))
        .unwrap_or(u128::MAX);
    let imax = isize::MAX as u128;
    if needed > usize::MAX as u128 {
        Expect::Overflow
    } else if needed > imax || rs as u128 > imax || cs as u128 > imax {
        Expect::InvalidStride
    } else if needed > len as u128 {
        Expect::TooSmall {
            needed: needed as usize,
        }
    } else {
        Expect::Ok
    }
}

/// The no-self-overlap rule (conservative, like BLAS's ldc ≥ m): over the
/// dimensions of extent > 1, the smaller stride is ≥ 1 and the larger is ≥
/// extent × smaller stride. Sound: see the walk in `check_mut`. An empty
/// view addresses nothing, so it never overlaps itself.
fn rule_accepts(rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    let mut dims: Vec<(u128, u128)> = [(rows, rs), (cols, cs)]
        .into_iter()
        .filter(|&(d, _)| d > 1)
        .map(|(d, s)| (d as u128, s as u128))
        .collect();
    dims.sort_by_key(|&(_, s)| s);
    match dims.as_slice() {
        [] => true,
        [(_, s)] => *s >= 1,
        [(d0, s0), (_, s1)] => *s0 >= 1 && *s1 >= d0 * s0,
        _ => unreachable!(),
    }
}

fn index(i: usize, j: usize, rs: usize, cs: usize) -> u128 {
    i as u128 * rs as u128 + j as u128 * cs as u128
}

/// Positions to look at in a view too large to walk: corners and middle.
fn samples(rows: usize, cols: usize) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for i in [0, rows / 2, rows - 1] {
        for j in [0, cols / 2, cols - 1] {
            v.push((i, j));
        }
    }
    v
}

fn positions(rows: usize, cols: usize) -> Box<dyn Iterator<Item = (usize, usize)>> {
    if rows == 0 || cols == 0 {
        Box::new(std::iter::empty())
    } else if rows as u128 * cols as u128 <= WALK {
        Box::new((0..rows).flat_map(move |i| (0..cols).map(move |j| (i, j))))
    } else {
        Box::new(samples(rows, cols).into_iter())
    }
}

fn check_err(e: &Error, expect: &Expect, arg_name: &str, len: usize, case: &ViewCase) {
    match (e, expect) {
        (Error::Overflow { arg, .. }, Expect::Overflow) => assert_eq!(*arg, arg_name),
        (Error::InvalidStride { arg, .. }, Expect::InvalidStride) => assert_eq!(*arg, arg_name),
        (Error::BufferTooSmall { arg, needed, len: l }, Expect::TooSmall { needed: want }) => {
            assert_eq!((*arg, *needed, *l), (arg_name, *want, len), "{case:?}")
        }
        _ => panic!("{case:?}: got {e:?}, spec says {expect:?}"),
    }
    // Every message names the argument.
    assert!(e.to_string().contains(arg_name), "{e}");
}

/// Checks an accepted read-only view element by element.
fn check_ref_view(v: &MatRef<'_, u32>, data: &[u32], rows: usize, cols: usize, rs: usize, cs: usize) {
    assert_eq!(
        (v.rows(), v.cols(), v.row_stride(), v.col_stride()),
        (rows, cols, rs, cs)
    );
    for (i, j) in positions(rows, cols) {
        let idx = index(i, j, rs, cs);
        assert!(
            idx < data.len() as u128,
            "({i}, {j}) -> {idx} outside {}",
            data.len()
        );
        let p = v.get(i, j).expect("in-view element");
        assert!(std::ptr::eq(p, &data[idx as usize]));
    }
    assert!(v.get(rows, 0).is_none() && v.get(0, cols).is_none());
    assert!(v.get(usize::MAX, usize::MAX).is_none());
}

fn check_ref(case: &ViewCase) {
    let len = usize::from(case.len % 4097);
    let data: Vec<u32> = (0..len as u32).collect();
    let (rows, cols, rs, cs) = (case.rows.get(), case.cols.get(), case.rs.get(), case.cs.get());
    let expect = expect_bounds(len, rows, cols, rs, cs);
    match MatRef::named("a", &data, rows, cols, rs, cs) {
        Ok(v) => {
            assert_eq!(expect, Expect::Ok, "{case:?} accepted");
            check_ref_view(&v, &data, rows, cols, rs, cs);
            check_ref_view(&v.t(), &data, cols, rows, cs, rs);
        }
        Err(e) => check_err(&e, &expect, "a", len, case),
    }
}

fn check_mut(case: &ViewCase) {
    let len = usize::from(case.len % 4097);
    let mut data = vec![u32::MAX; len];
    let (rows, cols, rs, cs) = (case.rows.get(), case.cols.get(), case.rs.get(), case.cs.get());
    let mut expect = expect_bounds(len, rows, cols, rs, cs);
    if expect == Expect::Ok && !rule_accepts(rows, cols, rs, cs) {
        expect = Expect::InvalidStride;
    }
    let res = MatMut::named("c", &mut data, rows, cols, rs, cs);
    let mut v = match res {
        Ok(v) => v,
        Err(e) => return check_err(&e, &expect, "c", len, case),
    };
    assert_eq!(expect, Expect::Ok, "{case:?} accepted");
    // Pigeonhole: rows·cols distinct addresses need rows·cols elements.
    assert!(
        rows as u128 * cols as u128 <= len as u128,
        "{case:?}: more elements than the slice"
    );
    assert_eq!(
        (v.rows(), v.cols(), v.row_stride(), v.col_stride()),
        (rows, cols, rs, cs)
    );
    // Distinct addresses, in bounds: write a distinct tag through each (i, j).
    let mut seen = HashSet::new();
    for (n, (i, j)) in positions(rows, cols).enumerate() {
        let idx = index(i, j, rs, cs);
        assert!(idx < len as u128, "({i}, {j}) -> {idx} outside {len}");
        assert!(
            seen.insert(idx),
            "{case:?}: ({i}, {j}) aliases another element at {idx}"
        );
        *v.get_mut(i, j).expect("in-view element") = n as u32;
    }
    assert!(v.get_mut(rows, 0).is_none() && v.get_mut(0, cols).is_none());
    {
        let r = v.as_ref();
        for (n, (i, j)) in positions(rows, cols).enumerate() {
            assert_eq!(*r.get(i, j).unwrap(), n as u32);
        }
    }
    let t = v.rb_mut().t();
    assert_eq!(
        (t.rows(), t.cols(), t.row_stride(), t.col_stride()),
        (cols, rows, cs, rs)
    );
    for (n, (i, j)) in positions(rows, cols).enumerate() {
        assert_eq!(data[index(i, j, rs, cs) as usize], n as u32);
    }
}

fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn check_isa_name(s: &str) {
    match s.parse::<Isa>() {
        Ok(isa) => {
            assert_eq!(normalise(s), isa.name(), "{s:?}");
            assert_eq!(isa.to_string().parse::<Isa>().unwrap(), isa);
        }
        Err(Error::UnsupportedIsa { msg }) => {
            assert!(
                Isa::ALL.iter().all(|i| i.name() != normalise(s)),
                "{s:?} refused: {msg}"
            );
        }
        Err(e) => panic!("{s:?}: unexpected error kind {e:?}"),
    }
}

fn check_isa_levels() {
    let avail = Isa::available();
    assert_eq!(avail.first(), Some(&Isa::Scalar));
    assert!(avail.windows(2).all(|w| w[0] < w[1]));
    for isa in Isa::ALL {
        assert_eq!(isa.name().parse::<Isa>().unwrap(), isa);
        assert_eq!(isa.name().to_uppercase().parse::<Isa>().unwrap(), isa);
        assert_eq!(isa.ensure_available().is_ok(), avail.contains(&isa));
        // A cap is a maximum: the best available level not above it.
        let capped = Isa::best_up_to(isa);
        assert_eq!(Some(&capped), avail.iter().rev().find(|a| **a <= isa));
        assert_eq!(isa.is_available(), avail.contains(&isa));
    }
}

fn shared_pool() -> Arc<rayon::ThreadPool> {
    static POOL: OnceLock<Arc<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap()))
        .clone()
}

/// The environment's caps, read once: what an env-reading build must do.
struct Env {
    /// `None`: unset; `Some(Ok(isa))`: the level a known cap selects; `Some(Err)`: an unknown name.
    max_isa: Option<Result<Isa, ()>>,
    /// `None`: unset; `Some(Ok(n))`: valid; `Some(Err)`: refused.
    threads: Option<Result<usize, ()>>,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.trim().is_empty());
        Env {
            max_isa: var("LOWP_MAX_ISA").map(|v| v.parse::<Isa>().map(Isa::best_up_to).map_err(|_| ())),
            threads: var("LOWP_NUM_THREADS").map(|v| match v.trim().parse::<usize>() {
                Ok(n) if (1..=rayon::max_num_threads()).contains(&n) => Ok(n),
                _ => Err(()),
            }),
        }
    })
}

fn check_context(case: &CtxCase) {
    let mut b = Context::builder();
    let cap = case.cap.map(|c| Isa::ALL[usize::from(c) % Isa::ALL.len()]);
    // Thread counts a test can afford to build: 0..=3 (pools, which spawn
    // threads, only now and then), or far above rayon's maximum.
    let threads = case.threads.as_ref().map(|t| match t {
        Threads::Few(n) => [0, 1, 1, 1, 1, 1, 2, 3][usize::from(n % 8)],
        Threads::Huge(n) => n.saturating_add(1 << 20),
    });
    if let Some(cap) = cap {
        b = b.max_isa(cap);
    }
    if let Some(t) = threads {
        b = b.threads(t);
    }
    let caches = case.caches.map(|(l1d, l2, l3)| CacheSizes { l1d, l2, l3 });
    if let Some(c) = caches {
        b = b.cache_sizes(c);
    }
    if case.use_pool {
        b = b.pool(shared_pool());
    }
    if case.ignore_env {
        b = b.ignore_env();
    }
    let env = env();
    let use_env = !case.ignore_env;
    // The spec: the ISA is decided first, then the threads.
    let want_isa: Result<Isa, ()> = match (cap, use_env.then_some(env.max_isa).flatten()) {
        (Some(c), _) => Ok(Isa::best_up_to(c)),
        (None, Some(e)) => e,
        (None, None) => Ok(Isa::best()),
    };
    let want_threads: Result<Option<usize>, ()> = if case.use_pool {
        Ok(Some(2))
    } else {
        match (threads, use_env.then_some(env.threads).flatten()) {
            (Some(t), _) => (1..=rayon::max_num_threads())
                .contains(&t)
                .then_some(Some(t))
                .ok_or(()),
            (None, Some(e)) => e.map(Some),
            (None, None) => Ok(None),
        }
    };
    match b.build() {
        Ok(ctx) => {
            let isa = want_isa.unwrap_or_else(|_| panic!("{case:?}: built despite an unknown cap"));
            let t = want_threads.unwrap_or_else(|_| panic!("{case:?}: built with a bad thread count"));
            assert_eq!(ctx.isa(), isa);
            assert_eq!(ctx.kernels().isa, isa);
            assert!(ctx.isa().is_available());
            if let Some(t) = t {
                assert_eq!(ctx.num_threads(), t, "{case:?}");
            }
            assert!(ctx.num_threads() >= 1);
            if let Some(c) = caches {
                assert_eq!(ctx.cache_sizes(), c);
            }
            let n_tasks = usize::from(case.tasks % 64);
            let hits: Vec<AtomicUsize> = (0..n_tasks).map(|_| AtomicUsize::new(0)).collect();
            ctx.clone().run_parallel(n_tasks, |i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        }
        Err(Error::UnsupportedIsa { .. }) => assert!(want_isa.is_err(), "{case:?}: refused an available ISA"),
        Err(Error::InvalidParameter { arg, .. }) => {
            assert!(
                want_isa.is_ok() && want_threads.is_err(),
                "{case:?}: refused {arg}"
            );
            assert!(arg == "threads" || arg == "LOWP_NUM_THREADS", "{arg}");
        }
        Err(e) => panic!("{case:?}: unexpected error {e:?}"),
    }
}

fuzz_target!(|cases: Vec<Case>| {
    check_isa_levels();
    for case in cases.iter().take(16) {
        match case {
            Case::Ref(v) => check_ref(v),
            Case::Mut(v) => check_mut(v),
            Case::IsaName(s) => check_isa_name(s),
            Case::IsaBytes(b) => check_isa_name(&String::from_utf8_lossy(b)),
            Case::Ctx(c) => check_context(c),
        }
    }
});
