//! lowp's own worker team: one fork/join region per parallel call, a static
//! partition of the tasks, and workers that spin (bounded) before sleeping.
//!
//! It lives in this crate, not in `lowp`, because handing a closure that
//! borrows the caller's stack to long-lived threads needs `unsafe` (the
//! type-erased pointer below), and lowp keeps every `unsafe` line here.
//! The API is safe: [`Team::run`] returns only after every participant has
//! finished with the closure, and re-raises a task's panic.
//!
//! Why not rayon here: a rayon `install` from outside the pool injects a job
//! and puts the caller to sleep on a latch, and rayon's idle workers sleep
//! after a few yields, so a region between two calls costs two wake-ups
//! (11-45 µs on a loaded 2-vCPU VM). Here the caller runs its own share of the
//! tasks, the workers watch a per-worker word for a while after each region
//! (`spin`, like `OMP_WAIT_POLICY`/`KMP_BLOCKTIME`), and the caller spins on
//! the join counter, so back-to-back regions need no system call at all.
//!
//! The protocol, per region (under the team's `busy` flag, taken with a
//! compare-exchange; a second caller or a nested call finds it taken, or
//! finds itself inside a region, and runs its tasks inline instead):
//! 1. the caller writes a `Job` on its stack, publishes its address, and
//!    stores a new epoch into the slot of each worker that has tasks, then
//!    unparks it (a no-op token when it is not parked: no lost wake-up);
//! 2. participant `p` runs tasks `p, p + P, p + 2P, …` (P participants; the
//!    caller is participant 0 when it takes part), catching panics;
//! 3. each worker decrements `pending`; the last one unparks the caller,
//!    which waits (spin, then park) for `pending == 0` before its stack frame
//!    — the Job — may go, then re-raises the first panic.
//!
//! When the workers are pinned the caller does not take part (it is not on a
//! planned CPU): it signals, then waits.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

thread_local! {
    /// Whether this thread is running a region's tasks (workers: always).
    static IN_REGION: Cell<bool> = const { Cell::new(false) };
}

/// One worker's mailbox, alone on its cache lines (no false sharing between
/// spinning workers).
#[repr(align(128))]
#[derive(Default)]
struct Slot {
    epoch: AtomicUsize,
}

/// How an unpinned team keeps a woken worker off its caller's CPU (the OS
/// calls live in `lowp`, outside this crate).
///
/// Some kernels (seen on the 2-vCPU VM of issue 21) wake a sleeping thread
/// on the CPU of the thread that wakes it, even with its own CPU idle: the
/// worker then shares the caller's CPU, both spin and yield in turn, and the
/// region runs at one thread's speed or below until the load balancer parts
/// them, up to half a second later. A worker woken from sleep that finds
/// itself on the caller's CPU moves off it at once.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    /// The CPU the calling thread runs on (`None`: unknown).
    pub current_cpu: fn() -> Option<usize>,
    /// Moves the calling thread off `cpu`, leaving its affinity as it was.
    pub leave_cpu: fn(usize),
    /// Runs on a worker right after its share of its first region (a debug
    /// hook: lowp's `LOWP_DEBUG_WORKER_ON_CALLER_CPU` widens the worker's
    /// affinity there, to reproduce a worker stuck on its caller's CPU).
    pub after_first_region: fn(),
}

/// What the caller and the workers share for the team's lifetime.
struct Shared {
    placement: Option<Placement>,
    slots: Box<[Slot]>,
    /// The current region's [`Job`] (valid while its `pending` is above 0).
    job: AtomicPtr<Job>,
    stop: AtomicBool,
    spin: Duration,
}

impl Shared {
    /// Waits until `ready()` (see [`wait`]); whether it slept.
    fn wait(&self, ready: impl Fn() -> bool) -> bool {
        wait(self.spin, ready)
    }
}

/// One region, on the caller's stack.
struct Job {
    /// The caller's closure `F`, type-erased; `call` knows `F`.
    data: *const (),
    call: unsafe fn(*const (), usize),
    n_tasks: usize,
    /// Participants (caller included when it takes part).
    parts: usize,
    /// The participant index of worker 0 (1 when the caller takes part).
    first_worker_part: usize,
    /// Workers still running.
    pending: AtomicUsize,
    caller: Thread,
    /// The caller's CPU when it forked (with a [`Placement`]).
    caller_cpu: Option<usize>,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

/// Calls the `F` behind `data` on task `i`.
///
/// # Safety
/// `data` must point to a live `F`.
unsafe fn call_as<F: Fn(usize) + Sync>(data: *const (), i: usize) {
    // SAFETY: the caller guarantees `data` is a live `F` (the region's closure,
    // borrowed until every worker has checked out).
    let f = unsafe { &*data.cast::<F>() };
    f(i);
}

/// A fixed set of worker threads that run fork/join regions.
pub struct Team {
    shared: Arc<Shared>,
    workers: Vec<(Thread, Option<JoinHandle<()>>)>,
    /// Held by the region in flight.
    busy: AtomicBool,
    /// The last epoch handed out (only changed while `busy` is held).
    epoch: AtomicUsize,
    /// Whether the calling thread is participant 0.
    caller_joins: bool,
}

impl std::fmt::Debug for Team {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Team")
            .field("workers", &self.workers.len())
            .field("caller_joins", &self.caller_joins)
            .field("spin", &self.shared.spin)
            .finish()
    }
}

impl Team {
    /// Spawns `n_workers` threads named `lowp-worker-{i}`; worker `i` first
    /// runs `start(i)` (pinning) and the call returns once every worker has,
    /// with the errors `start` reported. `caller_joins`: the caller of
    /// [`Team::run`] is participant 0. `placement`: how a worker woken on
    /// the caller's CPU leaves it (`None` for pinned workers).
    pub fn spawn(
        n_workers: usize,
        caller_joins: bool,
        spin: Duration,
        start: impl Fn(usize) -> Result<(), String> + Send + Sync + 'static,
        placement: Option<Placement>,
    ) -> Result<Team, String> {
        let shared = Arc::new(Shared {
            placement,
            slots: (0..n_workers).map(|_| Slot::default()).collect(),
            job: AtomicPtr::new(std::ptr::null_mut()),
            stop: AtomicBool::new(false),
            spin,
        });
        let start = Arc::new(start);
        let (tx, rx) = mpsc::channel();
        let mut team = Team {
            shared: Arc::clone(&shared),
            workers: Vec::with_capacity(n_workers),
            busy: AtomicBool::new(false),
            epoch: AtomicUsize::new(0),
            caller_joins,
        };
        let mut errors = Vec::new();
        for w in 0..n_workers {
            let (shared, start, tx) = (Arc::clone(&shared), Arc::clone(&start), tx.clone());
            let spawned = thread::Builder::new()
                .name(format!("lowp-worker-{w}"))
                .spawn(move || {
                    let _ = tx.send(start(w));
                    drop(tx);
                    worker_loop(&shared, w);
                });
            match spawned {
                Ok(h) => team.workers.push((h.thread().clone(), Some(h))),
                Err(e) => {
                    errors.push(format!("could not spawn worker {w}: {e}"));
                    break;
                }
            }
        }
        drop(tx);
        errors.extend(rx.iter().filter_map(Result::err));
        if errors.is_empty() {
            Ok(team)
        } else {
            Err(errors.join("; "))
        }
    }

    /// Runs `f(i)` for every `i` in `0..n_tasks` on at most `max_parts`
    /// participants, task `i` on participant `i mod P`. Inline (in order, on
    /// the calling thread) when there is one task or participant, when called
    /// from inside a region, or when another caller's region is in flight.
    /// A panic in a task is re-raised here once every participant is done.
    pub fn run<F: Fn(usize) + Sync>(&self, n_tasks: usize, max_parts: usize, f: &F) {
        let caller = usize::from(self.caller_joins);
        let parts = (self.workers.len() + caller).min(n_tasks).min(max_parts);
        let inline = parts <= caller
            // Inline when the thread-local is gone (a call from a TLS
            // destructor): nothing after the hand-off below may panic.
            || IN_REGION.try_with(Cell::get).unwrap_or(true)
            || self
                .busy
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err();
        if inline {
            (0..n_tasks).for_each(f);
            return;
        }
        let active = parts - caller;
        let job = Job {
            data: (f as *const F).cast(),
            call: call_as::<F>,
            n_tasks,
            parts,
            first_worker_part: caller,
            pending: AtomicUsize::new(active),
            caller: thread::current(),
            caller_cpu: self.shared.placement.and_then(|p| (p.current_cpu)()),
            panic: Mutex::new(None),
        };
        self.shared
            .job
            .store((&job as *const Job).cast_mut(), Ordering::Release);
        let epoch = self.epoch.fetch_add(1, Ordering::Relaxed) + 1;
        for (slot, (worker, _)) in self.shared.slots.iter().zip(&self.workers).take(active) {
            slot.epoch.store(epoch, Ordering::Release);
            worker.unpark();
        }
        if self.caller_joins {
            let was = IN_REGION.with(|r| r.replace(true));
            run_share(&job, 0, f);
            IN_REGION.with(|r| r.set(was));
        }
        self.shared.wait(|| job.pending.load(Ordering::Acquire) == 0);
        self.shared.job.store(std::ptr::null_mut(), Ordering::Relaxed);
        self.busy.store(false, Ordering::Release);
        let panic = job.panic.into_inner().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = panic {
            resume_unwind(p);
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        let me = thread::current().id();
        for (slot, (worker, handle)) in self.shared.slots.iter().zip(&mut self.workers) {
            slot.epoch.fetch_add(1, Ordering::Release);
            worker.unpark();
            // A worker cannot join itself (the last clone of a context
            // dropped inside a task): it exits on its own.
            if let Some(h) = handle.take().filter(|_| worker.id() != me) {
                let _ = h.join();
            }
        }
    }
}

/// Participant `p`'s tasks, a panic stored in the job instead of unwinding.
fn run_share(job: &Job, p: usize, f: impl Fn(usize)) {
    let r = catch_unwind(AssertUnwindSafe(|| {
        (p..job.n_tasks).step_by(job.parts).for_each(&f);
    }));
    if let Err(payload) = r {
        let mut slot = job.panic.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(payload);
    }
}

fn worker_loop(shared: &Shared, w: usize) {
    IN_REGION.with(|r| r.set(true));
    let slot = &shared.slots[w];
    let mut seen = 0;
    let mut first = true;
    let mut last_leave: Option<Instant> = None;
    loop {
        let slept = shared.wait(|| slot.epoch.load(Ordering::Acquire) != seen);
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        seen = slot.epoch.load(Ordering::Acquire);
        let job = shared.job.load(Ordering::Acquire);
        // SAFETY: a new epoch in our slot means a caller published `job`
        // (before the epoch, Release/Acquire) and counted us in `pending`; it
        // keeps the Job and its closure alive until `pending` reaches 0, and
        // we touch neither after our decrement below.
        let job = unsafe { &*job };
        // Woken from a sleep: look now, before this region's share (the wake
        // may have put us on the caller's CPU). Spinning: look after our
        // share is handed in, off the region's critical path.
        let placed = shared.placement.zip(job.caller_cpu);
        if let (true, Some((p, c))) = (slept, placed) {
            leave_if_shared(p, c, true, &mut last_leave);
        }
        let call = |i| {
            // SAFETY: `job.data` is the live closure of type `call` expects
            // (see above).
            unsafe { (job.call)(job.data, i) }
        };
        run_share(job, job.first_worker_part + w, call);
        if first {
            first = false;
            if let Some(p) = shared.placement {
                (p.after_first_region)();
            }
        }
        let caller = job.caller.clone();
        if job.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            caller.unpark();
        }
        if let (false, Some((p, c))) = (slept, placed) {
            leave_if_shared(p, c, false, &mut last_leave);
        }
    }
}

/// How often at most a worker that did not sleep moves off its caller's CPU.
/// A worker that spins from region to region never wakes from a sleep, so
/// it must look on its own; moving at every region cost ~1 ms a region
/// (each move a migration through a halted vCPU: `docs/tuning.md`).
const RELEAVE: Duration = Duration::from_millis(10);

/// Moves the worker off `caller_cpu` when it runs there: at once after a
/// sleep, otherwise at most once per [`RELEAVE`]. The fast path (apart) is
/// one `current_cpu`, no clock and no system call.
fn leave_if_shared(p: Placement, caller_cpu: usize, slept: bool, last_leave: &mut Option<Instant>) {
    if (p.current_cpu)() != Some(caller_cpu) {
        return;
    }
    let now = Instant::now();
    if slept || last_leave.is_none_or(|t| now - t >= RELEAVE) {
        (p.leave_cpu)(caller_cpu);
        *last_leave = Some(now);
    }
}

/// A pause between two looks at the clock longer than this means the
/// spinning thread lost its CPU (more runnable threads than cores): spinning
/// only delays the thread we wait for, so park instead.
const PREEMPTED: Duration = Duration::from_micros(10);

/// Waits until `ready()`: spins for up to `spin` (yielding between rounds),
/// then parks (woken by an `unpark` issued after whatever makes `ready()`
/// true). Parks at once when the spin gets preempted: under oversubscription
/// a sleeping thread is woken sooner than a spinning one is rescheduled.
/// Only this wait parks early; the next one spins again (a lasting
/// spinning-off mode made every region pay a sleeping CPU's wake-up after
/// one stray preemption: `docs/tuning.md`, Threads). Returns whether it
/// parked.
fn wait(spin: Duration, ready: impl Fn() -> bool) -> bool {
    if ready() {
        return false;
    }
    if !spin.is_zero() {
        let start = Instant::now();
        let mut last = start;
        loop {
            for _ in 0..64 {
                if ready() {
                    return false;
                }
                std::hint::spin_loop();
            }
            let now = Instant::now();
            if now - last > PREEMPTED {
                break;
            }
            if now - start >= spin {
                break;
            }
            last = now;
            // Lets the thread we wait for run when both share a CPU; a
            // no-op system call otherwise.
            thread::yield_now();
        }
    }
    let mut parked = false;
    while !ready() {
        thread::park();
        parked = true;
    }
    parked
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    fn team(workers: usize, spin: Duration) -> Team {
        Team::spawn(workers, true, spin, |_| Ok(()), None).unwrap()
    }

    #[test]
    fn every_task_runs_once_on_its_static_participant() {
        for spin in [Duration::ZERO, Duration::from_micros(100)] {
            let t = team(2, spin);
            for (n, max) in [(1, 8), (2, 8), (3, 8), (17, 8), (17, 2), (5, 1)] {
                let hits: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
                let who = Mutex::new(vec![None; n]);
                t.run(n, max, &|i| {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                    who.lock().unwrap()[i] = Some(thread::current().id());
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "{n} {max}");
                // Task i and task i + P ran on the same thread.
                let who = who.into_inner().unwrap();
                let parts = n.min(max).min(3);
                for i in parts..n {
                    assert_eq!(who[i], who[i - parts], "{n} tasks on {parts}: task {i}");
                }
            }
        }
    }

    #[test]
    fn a_panic_reaches_the_caller_after_the_other_share_and_the_team_survives() {
        let t = team(1, Duration::from_micros(50));
        let done = AtomicU32::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            t.run(6, 2, &|i| {
                if i == 3 {
                    panic!("task 3");
                }
                done.fetch_add(1, Ordering::Relaxed);
            })
        }));
        assert!(r.is_err());
        // Participant 1 (tasks 1, 3, 5) stops at its panic; participant 0
        // (tasks 0, 2, 4) finishes before the caller sees it.
        assert_eq!(done.load(Ordering::Relaxed), 4);
        let n = AtomicU32::new(0);
        t.run(4, 2, &|_| {
            n.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(n.load(Ordering::Relaxed), 4);
    }

    /// Counts `leave_cpu` calls of the placements below: right, and wrong.
    static LEFT: AtomicU32 = AtomicU32::new(0);
    static LEFT_WRONGLY: AtomicU32 = AtomicU32::new(0);

    #[test]
    fn a_worker_woken_on_the_callers_cpu_leaves_it_and_only_then() {
        // Every thread "runs on CPU 7", then the caller on 7 and its worker on 8.
        let same = Placement {
            current_cpu: || Some(7),
            leave_cpu: |cpu| {
                assert_eq!(cpu, 7);
                LEFT.fetch_add(1, Ordering::Relaxed);
            },
            after_first_region: || {},
        };
        let apart = Placement {
            current_cpu: || Some(if IN_REGION.with(Cell::get) { 8 } else { 7 }),
            leave_cpu: |_| {
                LEFT_WRONGLY.fetch_add(1, Ordering::Relaxed);
            },
            after_first_region: || {},
        };
        for (placement, leaves) in [(same, true), (apart, false)] {
            let t = Team::spawn(1, true, Duration::ZERO, |_| Ok(()), Some(placement)).unwrap();
            let before = LEFT.load(Ordering::Relaxed);
            for _ in 0..3 {
                // Long enough for the worker (spin 0) to be asleep when woken.
                thread::sleep(Duration::from_millis(20));
                let n = AtomicU32::new(0);
                t.run(2, 2, &|_| {
                    n.fetch_add(1, Ordering::Relaxed);
                });
                assert_eq!(n.load(Ordering::Relaxed), 2);
            }
            let left = LEFT.load(Ordering::Relaxed) - before;
            assert_eq!(left > 0, leaves, "{left} moves");
        }
        assert_eq!(LEFT_WRONGLY.load(Ordering::Relaxed), 0);
    }

    static LEFT_SPINNING: AtomicU32 = AtomicU32::new(0);

    #[test]
    fn a_spinning_worker_on_the_callers_cpu_leaves_it_without_a_sleep() {
        // Both "run on CPU 3"; the worker spins (1 s) from its spawn through
        // back-to-back regions, so it never wakes from a sleep.
        let same = Placement {
            current_cpu: || Some(3),
            leave_cpu: |cpu| {
                assert_eq!(cpu, 3);
                LEFT_SPINNING.fetch_add(1, Ordering::Relaxed);
            },
            after_first_region: || {},
        };
        let t = Team::spawn(1, true, Duration::from_secs(1), |_| Ok(()), Some(same)).unwrap();
        let n = AtomicU32::new(0);
        for _ in 0..50 {
            t.run(2, 2, &|_| {
                n.fetch_add(1, Ordering::Relaxed);
            });
        }
        drop(t);
        assert_eq!(n.load(Ordering::Relaxed), 100);
        let left = LEFT_SPINNING.load(Ordering::Relaxed);
        assert!(left >= 1, "the worker never left the caller's CPU");
    }

    #[test]
    fn a_nested_region_runs_inline() {
        let t = team(1, Duration::ZERO);
        let inner = AtomicU32::new(0);
        t.run(2, 2, &|_| {
            let me = thread::current().id();
            t.run(3, 2, &|_| {
                assert_eq!(thread::current().id(), me);
                inner.fetch_add(1, Ordering::Relaxed);
            });
        });
        assert_eq!(inner.load(Ordering::Relaxed), 6);
    }
}
