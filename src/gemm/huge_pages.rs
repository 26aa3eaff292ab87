//! Transparent huge pages for large, long-lived packed operands (Linux).
//!
//! A packed weight matrix of several MB is read front to back on every
//! call. With 4 KiB pages each page costs a TLB miss and stops the hardware
//! prefetchers; with 2 MiB pages one core reads it from L3 about a quarter
//! faster (`docs/tuning.md`). Linux grants huge pages to
//! memory marked `MADV_HUGEPAGE` (the default `madvise` mode of
//! `/sys/kernel/mm/transparent_hugepage/enabled`) when it is first touched,
//! so the mark goes on before the packer writes. It is a hint: where the
//! kernel declines, or on other systems, nothing changes but the speed.
//!
//! Besides the affinity calls in `threading::os`, this is the framework's
//! only `unsafe` outside kernel calls.

/// Bytes per huge page (x86-64; aarch64 with 4 KiB base pages).
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// Packed buffers from this size up ask for huge pages: smaller ones stay
/// within the L2 TLB's reach and would waste up to a huge page of padding.
pub(crate) const MIN_BYTES: usize = 4 << 20;

/// Marks `buf` (which starts on a [`HUGE_PAGE`] boundary, holds whole huge
/// pages and is all zero bytes) for huge pages and drops its current small
/// pages, so the next writes fault in huge ones. The contents stay zero.
/// Returns whether the kernel accepted both requests.
#[cfg(target_os = "linux")]
pub(crate) fn advise<T: Copy>(buf: &mut [T]) -> bool {
    let (ptr, bytes) = (
        buf.as_mut_ptr().cast::<libc::c_void>(),
        std::mem::size_of_val(buf),
    );
    if bytes == 0 || !(ptr as usize).is_multiple_of(HUGE_PAGE) || !bytes.is_multiple_of(HUGE_PAGE) {
        return false;
    }
    // [ptr, ptr + bytes) is exactly `buf`: memory we hold exclusively
    // (`&mut`), page aligned and a whole number of pages, so no page of
    // anyone else's is touched.
    // SAFETY: the range above; MADV_HUGEPAGE only sets a flag on the mapping.
    let marked = unsafe { libc::madvise(ptr, bytes, libc::MADV_HUGEPAGE) } == 0;
    // Private memory then reads back as zero pages, which is what `buf`
    // holds already (the caller guarantees zeros; on a shared file mapping
    // the packer overwrites every byte before anything reads them).
    // SAFETY: the range above; the contents stay zeros.
    marked && unsafe { libc::madvise(ptr, bytes, libc::MADV_DONTNEED) } == 0
}

/// Elsewhere: no huge pages asked for.
#[cfg(not(target_os = "linux"))]
pub(crate) fn advise<T: Copy>(buf: &mut [T]) -> bool {
    let _ = buf;
    false
}
