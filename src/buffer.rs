//! [`AlignedBuffer`]: owned arrays laid out the way lowp's kernels read and
//! write them fastest.

use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::gemm::buffers::AlignedVec;

mod sealed {
    pub trait Sealed {}
}

/// Element types whose all-zero bytes are the value zero: the numbers lowp
/// works on. (Sealed: the buffers rely on it when they hand memory back to
/// the OS and take fresh zero pages.)
pub trait Zeroed: Copy + Default + sealed::Sealed {}

macro_rules! zeroed {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Zeroed for $t {}
    )*};
}
zeroed!(
    u8,
    i8,
    u16,
    i16,
    u32,
    i32,
    u64,
    i64,
    f32,
    f64,
    half::f16,
    half::bf16
);

/// An owned, zero-filled array whose first element sits on a cache line
/// (64 bytes), as oneDNN allocates its tensors; from 4 MiB up, on a 2 MiB
/// boundary of memory marked for transparent huge pages (Linux
/// `MADV_HUGEPAGE`; a hint that changes nothing but speed where it is
/// declined, and elsewhere).
///
/// What it buys, measured on Zen 4 (1 thread):
/// - an INT8 GEMM writes a large s32 or f32 C whose rows start on cache
///   lines with streaming stores (see [`crate::igemm`]);
/// - a large B read from memory costs one TLB entry per 2 MiB instead of per
///   4 KiB, and the hardware prefetchers are not stopped at every 4 KiB:
///   f32 16×4096×4096 with B in an `AlignedBuffer` 5.33 → 4.99 ms against a
///   `Vec` (the same holds for any other library reading it).
///
/// lowp's own packed weights ([`crate::PackedB`],
/// [`crate::igemm::PackedI8Weights`]) are laid out this way already.
///
/// ```
/// use lowp::{sgemm, AlignedBuffer, Context, MatMut, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let a = AlignedBuffer::from_slice(&[1.0f32, 2.0, 3.0, 4.0]);
/// let b = AlignedBuffer::from_slice(&[1.0f32, 0.0, 0.0, 1.0]);
/// let mut c = AlignedBuffer::<f32>::zeroed(4);
/// assert_eq!(c.as_ptr() as usize % 64, 0);
/// sgemm(&ctx, 1.0, MatRef::row_major(&a, 2, 2)?, MatRef::row_major(&b, 2, 2)?, 0.0,
///       MatMut::row_major(&mut c, 2, 2)?)?;
/// assert_eq!(&c[..], &[1.0, 2.0, 3.0, 4.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub struct AlignedBuffer<T: Zeroed>(AlignedVec<T>);

impl<T: Zeroed> AlignedBuffer<T> {
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Self {
        AlignedBuffer(AlignedVec::new(len))
    }

    /// A copy of `src`.
    pub fn from_slice(src: &[T]) -> Self {
        let mut b = Self::zeroed(src.len());
        b.copy_from_slice(src);
        b
    }
}

impl<T: Zeroed> Clone for AlignedBuffer<T> {
    fn clone(&self) -> Self {
        AlignedBuffer(self.0.clone())
    }
}

impl<T: Zeroed> Deref for AlignedBuffer<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Zeroed> DerefMut for AlignedBuffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: Zeroed> From<&[T]> for AlignedBuffer<T> {
    fn from(src: &[T]) -> Self {
        Self::from_slice(src)
    }
}

impl<T: Zeroed + fmt::Debug> fmt::Debug for AlignedBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlignedBuffer")
            .field("len", &self.len())
            .field("ptr", &self.as_ptr())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::huge_pages;

    #[test]
    fn buffers_are_zeroed_aligned_and_copy_exactly() {
        for len in [0, 1, 17, huge_pages::MIN_BYTES + 5] {
            let b = AlignedBuffer::<u8>::zeroed(len);
            assert_eq!(b.len(), len);
            assert_eq!(b.as_ptr() as usize % 64, 0);
            assert!(b.iter().all(|&x| x == 0));
        }
        let big = AlignedBuffer::<i32>::zeroed(huge_pages::MIN_BYTES / 4);
        assert_eq!(big.as_ptr() as usize % huge_pages::HUGE_PAGE, 0);
        let src: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5).collect();
        let c = AlignedBuffer::from_slice(&src);
        assert_eq!(&c[..], &src[..]);
        assert_eq!(&c.clone()[..], &src[..]);
    }
}
