//! The few Linux calls threading needs: read and set the calling thread's
//! CPU affinity, and ask which CPU it runs on. With `gemm::huge_pages`, the
//! only `unsafe` in the framework outside kernel calls; every other target
//! gets a fallback that reports "unknown" or "unsupported".

#[cfg(target_os = "linux")]
mod linux {
    use std::mem::size_of;

    type Word = libc::c_ulong;
    const WORD_BITS: usize = Word::BITS as usize;
    /// Largest mask tried for `sched_getaffinity` (CPUs), far above any machine.
    const MAX_CPUS: usize = 1 << 16;

    /// The calling thread's affinity mask as CPU numbers, ascending.
    pub fn affinity() -> Option<Vec<usize>> {
        // Start at glibc's cpu_set_t size and grow while the kernel's mask is
        // larger (EINVAL), so machines with more than 1024 CPUs work too.
        let mut n_cpus = 1024;
        while n_cpus <= MAX_CPUS {
            let mut words: Vec<Word> = vec![0; n_cpus / WORD_BITS];
            let bytes = words.len() * size_of::<Word>();
            // SAFETY: `words` is a live, writable buffer of exactly `bytes`
            // bytes; the kernel writes at most `bytes` bytes into it. A
            // `cpu_set_t` is an array of unsigned longs, so the layout matches.
            let rc =
                unsafe { libc::sched_getaffinity(0, bytes, words.as_mut_ptr().cast::<libc::cpu_set_t>()) };
            if rc == 0 {
                let mut cpus = Vec::new();
                for (w, &bits) in words.iter().enumerate() {
                    for b in 0..WORD_BITS {
                        if bits & (1 << b) != 0 {
                            cpus.push(w * WORD_BITS + b);
                        }
                    }
                }
                return Some(cpus);
            }
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
                return None;
            }
            n_cpus *= 2;
        }
        None
    }

    /// Restricts the calling thread to `cpus` (non-empty, each below 2^16).
    pub fn set_affinity(cpus: &[usize]) -> Result<(), String> {
        let max = cpus.iter().copied().max().ok_or("no CPU given")?;
        if max >= MAX_CPUS {
            return Err(format!("CPU {max} is beyond {MAX_CPUS}"));
        }
        let n_words = (max / WORD_BITS + 1).max(1024 / WORD_BITS);
        let mut words: Vec<Word> = vec![0; n_words];
        for &c in cpus {
            words[c / WORD_BITS] |= 1 << (c % WORD_BITS);
        }
        let bytes = words.len() * size_of::<Word>();
        // SAFETY: `words` is a live buffer of exactly `bytes` bytes laid out
        // like a `cpu_set_t` (unsigned longs); the kernel only reads it.
        // pid 0 means the calling thread.
        let rc = unsafe { libc::sched_setaffinity(0, bytes, words.as_ptr().cast::<libc::cpu_set_t>()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().to_string())
        }
    }

    /// The CPU the calling thread runs on right now.
    pub fn current_cpu() -> Option<usize> {
        // SAFETY: sched_getcpu takes no arguments and touches no memory of ours.
        let c = unsafe { libc::sched_getcpu() };
        usize::try_from(c).ok()
    }
}

#[cfg(target_os = "linux")]
pub(crate) use linux::{affinity, current_cpu, set_affinity};

/// How the unpinned team's workers leave their caller's CPU
/// ([`lowp_kernels::team::Placement`]).
pub(crate) const PLACEMENT: lowp_kernels::team::Placement = lowp_kernels::team::Placement {
    current_cpu,
    leave_cpu,
    after_first_region: widen_after_first_region,
};

/// The debug knob that starts every worker of an unpinned team on the CPU
/// of the thread that builds the team (its only affinity until the end of
/// its first region, then the builder's mask again): the slow state of a
/// fresh two-thread process on demand (`docs/tuning.md`, issue 21 `small5`).
/// Set to anything but empty or `0`.
pub const DEBUG_WORKER_ON_CALLER_CPU_ENV: &str = "LOWP_DEBUG_WORKER_ON_CALLER_CPU";

/// Whether [`DEBUG_WORKER_ON_CALLER_CPU_ENV`] is set (not empty, not `0`).
pub(crate) fn debug_worker_on_caller_cpu() -> bool {
    std::env::var_os(DEBUG_WORKER_ON_CALLER_CPU_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

thread_local! {
    /// The affinity a debug-pinned worker gets back after its first region.
    static WIDEN_TO: std::cell::RefCell<Option<Vec<usize>>> = const { std::cell::RefCell::new(None) };
}

/// A worker's start under [`DEBUG_WORKER_ON_CALLER_CPU_ENV`]: only `cpu`,
/// until its first region is done; `mask` afterwards.
pub(crate) fn start_on_cpu_then_widen(cpu: usize, mask: Vec<usize>) -> Result<(), String> {
    set_affinity(&[cpu])?;
    WIDEN_TO.with(|w| *w.borrow_mut() = Some(mask));
    Ok(())
}

/// Gives a worker started by [`start_on_cpu_then_widen`] its mask back
/// (it stays where it runs: the kernel moves a thread only off a CPU it may
/// no longer use). Nothing for any other thread.
fn widen_after_first_region() {
    if let Some(mask) = WIDEN_TO.try_with(|w| w.borrow_mut().take()).ok().flatten() {
        let _ = set_affinity(&mask);
    }
}

/// Moves the calling thread off `cpu`: its affinity without `cpu` (the
/// kernel migrates it now), then the affinity it had. Nothing when it may
/// run on `cpu` only, or the affinity cannot be read or set.
fn leave_cpu(cpu: usize) {
    let Some(mask) = affinity() else { return };
    let others: Vec<usize> = mask.iter().copied().filter(|&c| c != cpu).collect();
    if !others.is_empty() && others.len() < mask.len() && set_affinity(&others).is_ok() {
        let _ = set_affinity(&mask);
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn affinity() -> Option<Vec<usize>> {
    None
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_affinity(_cpus: &[usize]) -> Result<(), String> {
    Err("pinning threads to CPUs is only implemented on Linux".into())
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn current_cpu() -> Option<usize> {
    None
}
