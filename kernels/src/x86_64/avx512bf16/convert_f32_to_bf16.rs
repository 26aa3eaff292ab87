//! f32 → bf16 slice conversion with `vcvtneps2bf16` (16 per instruction,
//! the tail masked).

use core::arch::x86_64::*;

/// f32 → bf16 slice conversion, `vcvtneps2bf16`: `dst[i]` = `src[i]`
/// rounded to nearest even, subnormals to a zero of their sign, NaNs quieted.
///
/// # Safety
/// `src` valid for `n` f32 reads, `dst` for `n` u16 writes, and the CPU has
/// every feature this function is compiled for.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")]
pub unsafe fn convert_f32_to_bf16_avx512bf16(src: *const f32, dst: *mut u16, n: usize) {
    let mut i = 0;
    while i < n {
        let m: __mmask16 = if n - i >= 16 {
            !0
        } else {
            ((1u32 << (n - i)) - 1) as __mmask16
        };
        // SAFETY: lanes at and past `n` are masked off (never read, never
        // written, never faulted on); __m256bh and __m256i are 32 plain bytes.
        unsafe {
            let x = _mm512_maskz_loadu_ps(m, src.add(i));
            let h = core::mem::transmute::<__m256bh, __m256i>(_mm512_cvtneps_pbh(x));
            _mm256_mask_storeu_epi16(dst.add(i) as *mut i16, m, h);
        }
        i += 16;
    }
}
