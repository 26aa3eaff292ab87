//! One test per SIMD f32 GEMM tile and strided kernel against a plain twin
//! of the contract with the kernels' fixed FMA order: every element is one
//! fused multiply-add chain over `p = 0, 1, …` (`f32::mul_add`, the same
//! single rounding as `vfmadd`), then `alpha·acc` (β = 0),
//! `fma(acc, alpha, C)` (β = 1) or `fma(acc, alpha, β·C)`. The order is the
//! same, so the comparison is exact (bound: 0 ulp). The portable kernels
//! round the product and the sum separately (`scalar/f32_ops.rs`), and so
//! does their twin.

use crate::scalar;
use crate::x86_64::{avx2, avx512};

/// The levels the tests name: the crate's, and the portable kernels' (none).
pub(crate) mod level {
    pub(crate) use crate::level::*;
    /// The portable kernels need no CPU feature.
    pub(crate) const PORTABLE: &[&str] = &[];
}

/// A multiply-add `a·b + c` as the kernels of a level round it.
pub(crate) type Fma = fn(f32, f32, f32) -> f32;

/// One rounding, as `vfmadd` does.
pub(crate) const FUSED: Fma = f32::mul_add;

/// One rounding with a vector level, two without one.
fn fma_of(features: &[&str]) -> Fma {
    if features.is_empty() {
        |a, b, c| a * b + c
    } else {
        FUSED
    }
}

/// `(k, a, b, c, rsc, alpha, beta)`, the tile kernel contract.
type TileFn = unsafe fn(usize, *const f32, *const f32, *mut f32, usize, f32, f32);
/// `(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta)`, the strided contract.
type StridedFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize, f32, f32);

pub(crate) const KS: [usize; 8] = [0, 1, 3, 4, 5, 63, 64, 257];
pub(crate) const BETAS: [f32; 3] = [0.0, 1.0, -0.75];

/// Every `(alpha, beta)` a check runs: each β with the check's own `alpha`
/// and with α = 1 (the epilogue's unscaled store at β = 0).
pub(crate) fn alpha_betas(alpha: f32) -> impl Iterator<Item = (f32, f32)> {
    [alpha, 1.0].into_iter().flat_map(|al| BETAS.map(|be| (al, be)))
}

fn cpu_has(features: &[&str]) -> bool {
    let list = crate::detect::detect().list();
    features.iter().all(|f| list.iter().any(|(n, p)| n == f && *p))
}

/// True (after a note) when the CPU lacks the level, so the test skips.
pub(crate) fn skip(name: &str, features: &[&str]) -> bool {
    let lacks = !cpu_has(features);
    if lacks {
        println!("skipped {name}: this CPU lacks {}", features.join(","));
    }
    lacks
}

/// Deterministic values with varied magnitudes and signs.
pub(crate) fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// The twin: `C ← alpha·A·B + beta·C` for `m × nr`, A element `(i, p)` at
/// `a[i·rsa + p·csa]`, B `(p, j)` at `b[p·rsb + j]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn twin(
    fma: Fma,
    m: usize,
    nr: usize,
    k: usize,
    a: &[f32],
    rsa: usize,
    csa: usize,
    b: &[f32],
    rsb: usize,
    c: &mut [f32],
    rsc: usize,
    alpha: f32,
    beta: f32,
) {
    for i in 0..m {
        for j in 0..nr {
            let acc = (0..k).fold(0.0f32, |s, p| fma(a[i * rsa + p * csa], b[p * rsb + j], s));
            let y = &mut c[i * rsc + j];
            *y = if beta == 0.0 {
                acc * alpha
            } else if beta == 1.0 {
                fma(acc, alpha, *y)
            } else {
                fma(acc, alpha, *y * beta)
            };
        }
    }
}

/// A tile kernel of `mr × nr` against the twin, every K edge and β kind.
fn check_tile(name: &str, features: &[&str], mr: usize, nr: usize, f: TileFn) {
    if skip(name, features) {
        return;
    }
    let (rsc, fma) = (nr + 3, fma_of(features));
    for k in KS {
        let a = values(k.max(1) * mr, k as u32 + 1);
        let b = values(k.max(1) * nr, k as u32 + 7);
        for (alpha, beta) in alpha_betas(1.25) {
            let c0 = values(mr * rsc, 99);
            let (mut want, mut got) = (c0.clone(), c0.clone());
            twin(fma, mr, nr, k, &a, 1, mr, &b, nr, &mut want, rsc, alpha, beta);
            // SAFETY: `a` holds k·MR, `b` k·NR, `c` MR rows of `rsc ≥ NR`;
            // the CPU has the features (checked above).
            unsafe { f(k, a.as_ptr(), b.as_ptr(), got.as_mut_ptr(), rsc, alpha, beta) };
            assert_eq!(
                bits(&got),
                bits(&want),
                "{name}: k = {k}, alpha = {alpha}, beta = {beta}"
            );
        }
    }
}

/// A strided kernel of `m × nr` (A row-major, B with a padded row stride).
fn check_strided(name: &str, features: &[&str], m: usize, nr: usize, f: StridedFn) {
    if skip(name, features) {
        return;
    }
    let (rsb, rsc, fma) = (nr + 5, nr + 3, fma_of(features));
    for k in KS {
        let rsa = k + 2;
        let a = values(m * rsa, k as u32 + 3);
        let b = values(k.max(1) * rsb, k as u32 + 5);
        for (alpha, beta) in alpha_betas(-0.5) {
            let c0 = values(m * rsc, 98);
            let (mut want, mut got) = (c0.clone(), c0.clone());
            twin(fma, m, nr, k, &a, rsa, 1, &b, rsb, &mut want, rsc, alpha, beta);
            // SAFETY: `a` holds m rows of `rsa ≥ k`, `b` k rows of `rsb ≥ NR`,
            // `c` m rows of `rsc ≥ NR`; the CPU has the features.
            unsafe {
                f(
                    k,
                    a.as_ptr(),
                    rsa,
                    1,
                    b.as_ptr(),
                    rsb,
                    got.as_mut_ptr(),
                    rsc,
                    alpha,
                    beta,
                )
            };
            assert_eq!(
                bits(&got),
                bits(&want),
                "{name}: k = {k}, alpha = {alpha}, beta = {beta}"
            );
        }
    }
}

pub(crate) fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// One `#[test]` per kernel: `name (level, rows, cols)`.
macro_rules! sgemm_tests {
    ($check:ident: $($name:ident = $path:path, $level:ident, $m:literal x $n:literal;)*) => {$(
        #[test]
        fn $name() {
            $check(stringify!($name), crate::sgemm_check::level::$level, $m, $n, $path);
        }
    )*};
}

sgemm_tests! { check_tile:
    sgemm_f32_4x8_scalar = scalar::sgemm_f32_4x8::sgemm_f32_4x8_scalar, PORTABLE, 4 x 8;
    sgemm_f32_6x16_avx2 = avx2::sgemm_f32_6x16::sgemm_f32_6x16_avx2, AVX2, 6 x 16;
    sgemm_f32_14x32_avx512 = avx512::sgemm_f32_14x32::sgemm_f32_14x32_avx512, AVX512, 14 x 32;
}

sgemm_tests! { check_strided:
    sgemm_f32_1x8_strided_scalar = scalar::sgemm_f32_4x8_strided::sgemm_f32_1x8_strided_scalar, PORTABLE, 1 x 8;
    sgemm_f32_2x8_strided_scalar = scalar::sgemm_f32_4x8_strided::sgemm_f32_2x8_strided_scalar, PORTABLE, 2 x 8;
    sgemm_f32_3x8_strided_scalar = scalar::sgemm_f32_4x8_strided::sgemm_f32_3x8_strided_scalar, PORTABLE, 3 x 8;
    sgemm_f32_4x8_strided_scalar = scalar::sgemm_f32_4x8_strided::sgemm_f32_4x8_strided_scalar, PORTABLE, 4 x 8;
    sgemm_f32_1x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_1x16_strided_avx2, AVX2, 1 x 16;
    sgemm_f32_2x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_2x16_strided_avx2, AVX2, 2 x 16;
    sgemm_f32_3x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_3x16_strided_avx2, AVX2, 3 x 16;
    sgemm_f32_4x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_4x16_strided_avx2, AVX2, 4 x 16;
    sgemm_f32_5x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_5x16_strided_avx2, AVX2, 5 x 16;
    sgemm_f32_6x16_strided_avx2 = avx2::sgemm_f32_6x16_strided::sgemm_f32_6x16_strided_avx2, AVX2, 6 x 16;
    sgemm_f32_1x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_1x32_strided_avx512, AVX512, 1 x 32;
    sgemm_f32_2x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_2x32_strided_avx512, AVX512, 2 x 32;
    sgemm_f32_3x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_3x32_strided_avx512, AVX512, 3 x 32;
    sgemm_f32_4x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_4x32_strided_avx512, AVX512, 4 x 32;
    sgemm_f32_5x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_5x32_strided_avx512, AVX512, 5 x 32;
    sgemm_f32_6x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_6x32_strided_avx512, AVX512, 6 x 32;
    sgemm_f32_7x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_7x32_strided_avx512, AVX512, 7 x 32;
    sgemm_f32_8x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_8x32_strided_avx512, AVX512, 8 x 32;
    sgemm_f32_9x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_9x32_strided_avx512, AVX512, 9 x 32;
    sgemm_f32_10x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_10x32_strided_avx512, AVX512, 10 x 32;
    sgemm_f32_11x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_11x32_strided_avx512, AVX512, 11 x 32;
    sgemm_f32_12x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_12x32_strided_avx512, AVX512, 12 x 32;
    sgemm_f32_13x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_13x32_strided_avx512, AVX512, 13 x 32;
    sgemm_f32_14x32_strided_avx512 = avx512::sgemm_f32_14x32_strided::sgemm_f32_14x32_strided_avx512, AVX512, 14 x 32;
}
