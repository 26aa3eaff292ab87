//! Packing buffers: 64-byte-aligned, thread-local, reused across calls.
//!
//! [`take`] lends the calling thread's buffer for `(element type, slot)`,
//! grown to at least `len` elements; dropping the [`Buf`] gives it back. A
//! thread therefore allocates only when it first packs, or packs a bigger
//! block than before: in steady state a GEMM call allocates nothing.
//! Taking the same slot twice on one thread (re-entrancy) is safe: the second
//! taker gets a fresh buffer, and the larger one is kept on return.
//!
//! Alignment is obtained without `unsafe`: the vector is over-allocated by
//! 64 bytes and the view starts at the first 64-byte boundary
//! (`<*const T>::align_offset`). Buffers of several MB start on a huge-page
//! boundary instead, marked for huge pages ([`super::huge_pages`]).

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::ops::{Deref, DerefMut};

use super::huge_pages;
use crate::buffer::Zeroed;

/// Alignment of every packing buffer, in bytes (one cache line, one zmm).
pub(crate) const ALIGN: usize = 64;

/// A vector whose visible part starts on a 64-byte boundary.
#[derive(Debug)]
pub(crate) struct AlignedVec<T> {
    vec: Vec<T>,
    off: usize,
    len: usize,
}

impl<T: Zeroed> AlignedVec<T> {
    /// `len` default elements, 64-byte aligned; from
    /// [`huge_pages::MIN_BYTES`] up, on huge pages (see [`Self::resize`]).
    pub(crate) fn new(len: usize) -> Self {
        let mut v = AlignedVec {
            vec: Vec::new(),
            off: 0,
            len: 0,
        };
        v.resize(len);
        v
    }

    /// Makes the visible part `len` elements long (contents unspecified),
    /// reallocating only when the capacity is too small. From
    /// [`huge_pages::MIN_BYTES`] up the view starts on a huge-page boundary
    /// of memory marked for huge pages (see [`super::huge_pages`]): packed
    /// weights, and the classic loop order's B block of several MB, are read
    /// panel by panel, front to back (fewer TLB misses; figures in
    /// `docs/tuning.md`).
    pub(crate) fn resize(&mut self, len: usize) {
        let size = std::mem::size_of::<T>().max(1);
        let huge =
            len.saturating_mul(size) >= huge_pages::MIN_BYTES && huge_pages::HUGE_PAGE.is_multiple_of(size);
        let align = if huge { huge_pages::HUGE_PAGE } else { ALIGN };
        let pad = (align / size).max(1);
        // align_offset may refuse (usize::MAX) for exotic element sizes.
        let off = self.vec.as_ptr().align_offset(align);
        if off <= pad && off.checked_add(len).is_some_and(|end| end <= self.vec.len()) {
            (self.off, self.len) = (off, len);
            return;
        }
        if huge {
            if let Some(v) = Self::on_huge_pages(len) {
                *self = v;
                return;
            }
        }
        let pad = (ALIGN / size).max(1);
        self.vec = Vec::new(); // free first: no need to copy the old contents
        self.vec.resize(len + pad, T::default());
        let off = self.vec.as_ptr().align_offset(ALIGN);
        // Where align_offset refuses, the buffer is merely naturally aligned.
        self.off = if off <= pad { off } else { 0 };
        self.len = len;
    }

    /// `len` default elements from a huge-page boundary, whole huge pages of
    /// them marked for huge pages; `None` where the boundary cannot be
    /// found. `T::default()` is all zero bytes ([`Zeroed`]), as
    /// [`huge_pages::advise`] needs.
    fn on_huge_pages(len: usize) -> Option<Self> {
        let per_page = huge_pages::HUGE_PAGE / std::mem::size_of::<T>().max(1);
        let pages = len.div_ceil(per_page);
        // Zeroed and untouched (the allocator maps fresh pages), with room
        // to reach the first boundary.
        let mut vec = vec![T::default(); pages.checked_add(1)?.checked_mul(per_page)?];
        let off = vec.as_ptr().align_offset(huge_pages::HUGE_PAGE);
        if off > per_page {
            return None;
        }
        huge_pages::advise(&mut vec[off..off + pages * per_page]);
        Some(AlignedVec { vec, off, len })
    }
}

impl<T: Zeroed> Clone for AlignedVec<T> {
    /// A copy, itself aligned as [`AlignedVec::new`] aligns.
    fn clone(&self) -> Self {
        let mut v = AlignedVec::new(self.len);
        v.copy_from_slice(self);
        v
    }
}

impl<T> Deref for AlignedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.vec[self.off..self.off + self.len]
    }
}

impl<T> DerefMut for AlignedVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.vec[self.off..self.off + self.len]
    }
}

/// Slot of a thread's packing buffer: the A block.
pub(crate) const SLOT_A: u8 = 0;
/// Slot of a thread's packing buffer: the B block.
pub(crate) const SLOT_B: u8 = 1;
/// Slot of a thread's scratch tile (edge tiles, strided outputs).
pub(crate) const SLOT_TILE: u8 = 2;
/// Slot of a thread's one-row staging buffer (packers that gather a row).
pub(crate) const SLOT_ROW: u8 = 3;
/// Slot of a call's per-column terms (the INT8 GEMM's accumulator start
/// values), held by the calling thread while the call runs.
pub(crate) const SLOT_COLS: u8 = 4;
/// Slot of a call's per-column fixed-point multipliers and shifts (a
/// per-tensor pair spread over the columns), held like `SLOT_COLS`.
pub(crate) const SLOT_COLS_FIXED: u8 = 5;

type Entry = (TypeId, u8, Box<dyn Any>);

thread_local! {
    static POOL: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// A buffer lent by the calling thread's pool; returned on drop.
#[derive(Debug)]
pub(crate) struct Buf<T: 'static> {
    data: AlignedVec<T>,
    slot: u8,
}

/// Lends this thread's buffer for `(T, slot)`, at least `len` elements long
/// and 64-byte aligned. Contents are unspecified (whatever was packed last).
pub(crate) fn take<T: Zeroed + 'static>(slot: u8, len: usize) -> Buf<T> {
    let mut data = POOL
        .try_with(|p| {
            let mut p = p.borrow_mut();
            p.iter_mut()
                .find(|(t, s, _)| *t == TypeId::of::<T>() && *s == slot)
                .and_then(|(_, _, b)| b.downcast_mut::<AlignedVec<T>>())
                .map(std::mem::take)
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    data.resize(len);
    Buf { data, slot }
}

impl<T: 'static> Drop for Buf<T> {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        let slot = self.slot;
        // During thread teardown the pool may be gone: then just free.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            match p
                .iter_mut()
                .find(|(t, s, _)| *t == TypeId::of::<T>() && *s == slot)
                .and_then(|(_, _, b)| b.downcast_mut::<AlignedVec<T>>())
            {
                Some(kept) => {
                    if kept.vec.capacity() < data.vec.capacity() {
                        *kept = data;
                    }
                }
                None => p.push((TypeId::of::<T>(), slot, Box::new(data))),
            }
        });
    }
}

impl<T> Default for AlignedVec<T> {
    fn default() -> Self {
        AlignedVec {
            vec: Vec::new(),
            off: 0,
            len: 0,
        }
    }
}

impl<T: 'static> Deref for Buf<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.data
    }
}

impl<T: 'static> DerefMut for Buf<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_reused() {
        let p1 = {
            let b = take::<f32>(SLOT_A, 1000);
            assert_eq!(b.len(), 1000);
            assert_eq!(b.as_ptr() as usize % ALIGN, 0);
            b.as_ptr() as usize
        };
        let b = take::<f32>(SLOT_A, 500);
        assert_eq!(b.as_ptr() as usize, p1, "the same storage comes back");
        // Re-entrant take of the same slot gets a distinct buffer.
        let c = take::<f32>(SLOT_A, 10);
        assert_ne!(c.as_ptr(), b.as_ptr());
        let d = take::<u8>(SLOT_A, 77);
        assert_eq!(d.as_ptr() as usize % ALIGN, 0);
    }

    /// Large buffers start on a huge-page boundary, hold zeros when new,
    /// keep that boundary when resized within their storage, and copy
    /// exactly; small ones stay merely line aligned.
    #[test]
    fn large_buffers_sit_on_huge_page_boundaries() {
        let big = huge_pages::MIN_BYTES / 4 + 3;
        let mut v = AlignedVec::<f32>::new(big);
        assert_eq!(v.len(), big);
        assert_eq!(v.as_ptr() as usize % huge_pages::HUGE_PAGE, 0);
        assert!(v.iter().all(|&x| x == 0.0));
        v[big - 1] = 7.0;
        let w = v.clone();
        assert_eq!(w.as_ptr() as usize % huge_pages::HUGE_PAGE, 0);
        assert_eq!(&w[..], &v[..]);
        let p = v.as_ptr();
        v.resize(big - 2);
        assert_eq!((v.as_ptr(), v.len()), (p, big - 2), "resized in place");
        v.resize(10);
        assert_eq!(v.as_ptr() as usize % ALIGN, 0);
        let small = AlignedVec::<u8>::new(huge_pages::MIN_BYTES - 1);
        assert_eq!(small.as_ptr() as usize % ALIGN, 0);
        assert_eq!(small.len(), huge_pages::MIN_BYTES - 1);
    }
}
