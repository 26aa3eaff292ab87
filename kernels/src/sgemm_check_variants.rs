//! One test per f32 GEMM kernel variant beyond the plain tile and strided
//! kernels (those are in `sgemm_check`): the packing tile kernels, the
//! B-streaming tile kernels, the two-panel pair kernels, the row-sweep GEMV
//! kernels and the A packer. Each is checked against a plain twin of its
//! contract (crate `sgemm_macros` docs) with the kernels' FMA order, so the
//! comparison is exact (bound: 0 ulp); whatever the kernel must not touch
//! (C rows past `rows`, columns past NR or `n`, the panel past `k·NR`) sits
//! in the compared buffers with known values.

use crate::sgemm_check::{alpha_betas, bits, skip, twin, values, BETAS, FUSED, KS};
use crate::x86_64::{avx2, avx512};

/// `(k, a, b_src, rsb, b_dst, c, rsc, alpha, beta)`, the packing tile kernel.
type PackbFn = unsafe fn(usize, *const f32, *const f32, usize, *mut f32, *mut f32, usize, f32, f32);
/// `(k, a, b, rsb, ahead, c, rsc, rows, alpha, beta)`, the B-streaming kernel.
type BstreamFn = unsafe fn(usize, *const f32, *const f32, usize, usize, *mut f32, usize, usize, f32, f32);
/// `(k, a, rsa, csa, b, b2, c, rsc, alpha, beta)`, the two-panel rows kernel.
type PairFn = unsafe fn(usize, *const f32, usize, usize, *const f32, *const f32, *mut f32, usize, f32, f32);
/// `(n, a, rsa, csa, b, rsb, y, rsy)`, the row-sweep GEMV kernel.
type SweepFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize);

/// A value no kernel computes here: marks what must stay untouched.
const UNTOUCHED: f32 = -7.0e30;

/// A packing tile kernel: C as the twin with B read unpacked (`rsb > NR`),
/// and the panel `b_dst[p·NR + j] = b_src[p·rsb + j]`, nothing past `k·NR`.
fn check_packb(name: &str, features: &[&str], mr: usize, nr: usize, f: PackbFn) {
    if skip(name, features) {
        return;
    }
    let (rsb, rsc) = (nr + 5, nr + 3);
    for k in KS {
        let a = values(k.max(1) * mr, k as u32 + 11);
        let b = values(k.max(1) * rsb, k as u32 + 13);
        let mut want_panel = vec![UNTOUCHED; (k + 1) * nr];
        for p in 0..k {
            want_panel[p * nr..][..nr].copy_from_slice(&b[p * rsb..][..nr]);
        }
        for (alpha, beta) in alpha_betas(0.75) {
            let c0 = values(mr * rsc, 97);
            let (mut want, mut got) = (c0.clone(), c0.clone());
            let mut panel = vec![UNTOUCHED; (k + 1) * nr];
            twin(FUSED, mr, nr, k, &a, 1, mr, &b, rsb, &mut want, rsc, alpha, beta);
            // SAFETY: `a` holds k·MR, `b` k rows of `rsb ≥ NR`, `panel`
            // (k + 1)·NR, `c` MR rows of `rsc ≥ NR`; the CPU has the features.
            unsafe {
                f(
                    k,
                    a.as_ptr(),
                    b.as_ptr(),
                    rsb,
                    panel.as_mut_ptr(),
                    got.as_mut_ptr(),
                    rsc,
                    alpha,
                    beta,
                )
            };
            assert_eq!(
                bits(&got),
                bits(&want),
                "{name}: C, k = {k}, alpha = {alpha}, beta = {beta}"
            );
            assert_eq!(bits(&panel), bits(&want_panel), "{name}: panel, k = {k}");
        }
    }
}

/// A B-streaming tile kernel: every `rows ≤ MR`, B read in place, with and
/// without the prefetch distance; C rows past `rows` stay untouched.
fn check_bstream(name: &str, features: &[&str], mr: usize, nr: usize, f: BstreamFn) {
    if skip(name, features) {
        return;
    }
    let (rsb, rsc) = (nr + 7, nr + 3);
    for k in KS {
        let a = values(k.max(1) * mr, k as u32 + 17);
        let b = values(k.max(1) * rsb, k as u32 + 19);
        for rows in 1..=mr {
            for ((alpha, beta), ahead) in alpha_betas(-1.5).zip([0, 4 * nr, 0].into_iter().cycle()) {
                let c0 = values(mr * rsc, 96);
                let (mut want, mut got) = (c0.clone(), c0.clone());
                twin(
                    FUSED, rows, nr, k, &a, 1, mr, &b, rsb, &mut want, rsc, alpha, beta,
                );
                // SAFETY: `a` holds k·MR, `b` k rows of `rsb ≥ NR`, `c` MR ≥
                // rows rows of `rsc ≥ NR`; prefetches never fault; the CPU
                // has the features.
                unsafe {
                    f(
                        k,
                        a.as_ptr(),
                        b.as_ptr(),
                        rsb,
                        ahead,
                        got.as_mut_ptr(),
                        rsc,
                        rows,
                        alpha,
                        beta,
                    )
                };
                let at = format!("{name}: k = {k}, rows = {rows}, alpha = {alpha}, beta = {beta}");
                assert_eq!(bits(&got), bits(&want), "{at}");
            }
        }
    }
}

/// A two-panel rows kernel of `m × 2·NR` (`nr2` = 2·NR): the twin over the
/// two packed panels side by side, A column-major with a padded stride.
fn check_pair(name: &str, features: &[&str], m: usize, nr2: usize, f: PairFn) {
    if skip(name, features) {
        return;
    }
    let (nr, rsc) = (nr2 / 2, nr2 + 3);
    let csa = m + 2;
    for k in KS {
        let a = values(k.max(1) * csa, k as u32 + 23);
        let (b, b2) = (
            values(k.max(1) * nr, k as u32 + 29),
            values(k.max(1) * nr, k as u32 + 31),
        );
        let wide: Vec<f32> = (0..k)
            .flat_map(|p| b[p * nr..][..nr].iter().chain(&b2[p * nr..][..nr]))
            .copied()
            .collect();
        for (alpha, beta) in alpha_betas(2.0) {
            let c0 = values(m * rsc, 95);
            let (mut want, mut got) = (c0.clone(), c0.clone());
            twin(
                FUSED, m, nr2, k, &a, 1, csa, &wide, nr2, &mut want, rsc, alpha, beta,
            );
            // SAFETY: `a[i + p·csa]` for i < m, p < k; `b`, `b2` hold k·NR
            // each; `c` m rows of `rsc ≥ 2·NR`; the CPU has the features.
            unsafe {
                f(
                    k,
                    a.as_ptr(),
                    1,
                    csa,
                    b.as_ptr(),
                    b2.as_ptr(),
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

/// Widths around both vector widths (masked tails, whole vectors, several
/// cache lines), and none.
const NS: [usize; 12] = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257];

/// A row-sweep kernel of `m` output rows and `r` rows of B: `y[i][j] +=
/// Σ_r a[i][r]·b[r][j]`, one FMA per `r` in order; `y` past `n` untouched.
fn check_sweep(name: &str, features: &[&str], m: usize, r: usize, f: SweepFn) {
    if skip(name, features) {
        return;
    }
    let csa = m + 1;
    let a = values(r * csa, 37);
    for n in NS {
        let (rsb, rsy) = (n + 5, n + 3);
        let b = values(r * rsb, n as u32 + 41);
        let mut want = values(m * rsy, n as u32 + 43);
        let mut got = want.clone();
        for i in 0..m {
            for j in 0..n {
                let y = &mut want[i * rsy + j];
                *y = (0..r).fold(*y, |s, q| a[i + q * csa].mul_add(b[q * rsb + j], s));
            }
        }
        // SAFETY: `a[i + q·csa]` for i < m, q < r; `b` r rows of `rsb ≥ n`;
        // `y` m rows of `rsy ≥ n`, apart from `a` and `b`; the CPU has the
        // features.
        unsafe { f(n, a.as_ptr(), 1, csa, b.as_ptr(), rsb, got.as_mut_ptr(), rsy) };
        assert_eq!(bits(&got), bits(&want), "{name}: n = {n}");
    }
}

sgemm_tests! { check_packb:
    sgemm_f32_6x16_packb_avx2 = avx2::sgemm_f32_6x16_packb::sgemm_f32_6x16_packb_avx2, AVX2, 6 x 16;
    sgemm_f32_14x32_packb_avx512 = avx512::sgemm_f32_14x32_packb::sgemm_f32_14x32_packb_avx512, AVX512, 14 x 32;
}

sgemm_tests! { check_bstream:
    sgemm_f32_6x16_bstream_avx2 = avx2::sgemm_f32_6x16_bstream::sgemm_f32_6x16_bstream_avx2, AVX2, 6 x 16;
    sgemm_f32_8x32_bstream_avx512 = avx512::sgemm_f32_8x32_bstream::sgemm_f32_8x32_bstream_avx512, AVX512, 8 x 32;
    sgemm_f32_16x16_bstream_avx512 = avx512::sgemm_f32_16x16_bstream::sgemm_f32_16x16_bstream_avx512, AVX512, 16 x 16;
}

sgemm_tests! { check_pair:
    sgemm_f32_1x64_pair_avx512 = avx512::sgemm_f32_3x64_pair::sgemm_f32_1x64_pair_avx512, AVX512, 1 x 64;
    sgemm_f32_2x64_pair_avx512 = avx512::sgemm_f32_3x64_pair::sgemm_f32_2x64_pair_avx512, AVX512, 2 x 64;
    sgemm_f32_3x64_pair_avx512 = avx512::sgemm_f32_3x64_pair::sgemm_f32_3x64_pair_avx512, AVX512, 3 x 64;
}

// `m x r`: output rows × rows of B.
sgemm_tests! { check_sweep:
    sgemm_f32_1x1_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_1x1_sweep_avx2, AVX2, 1 x 1;
    sgemm_f32_2x1_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_2x1_sweep_avx2, AVX2, 2 x 1;
    sgemm_f32_3x1_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_3x1_sweep_avx2, AVX2, 3 x 1;
    sgemm_f32_4x1_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_4x1_sweep_avx2, AVX2, 4 x 1;
    sgemm_f32_1x4_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_1x4_sweep_avx2, AVX2, 1 x 4;
    sgemm_f32_2x4_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_2x4_sweep_avx2, AVX2, 2 x 4;
    sgemm_f32_3x4_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_3x4_sweep_avx2, AVX2, 3 x 4;
    sgemm_f32_4x4_sweep_avx2 = avx2::sgemm_f32_4x4_sweep::sgemm_f32_4x4_sweep_avx2, AVX2, 4 x 4;
    sgemm_f32_1x1_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_1x1_sweep_avx512, AVX512, 1 x 1;
    sgemm_f32_2x1_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_2x1_sweep_avx512, AVX512, 2 x 1;
    sgemm_f32_3x1_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_3x1_sweep_avx512, AVX512, 3 x 1;
    sgemm_f32_4x1_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_4x1_sweep_avx512, AVX512, 4 x 1;
    sgemm_f32_1x4_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_1x4_sweep_avx512, AVX512, 1 x 4;
    sgemm_f32_2x4_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_2x4_sweep_avx512, AVX512, 2 x 4;
    sgemm_f32_3x4_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_3x4_sweep_avx512, AVX512, 3 x 4;
    sgemm_f32_4x4_sweep_avx512 = avx512::sgemm_f32_4x4_sweep::sgemm_f32_4x4_sweep_avx512, AVX512, 4 x 4;
}

/// The A packer: `dst[p·14 + i] = src[i·lda + p]` for every depth (16 at a
/// time in the kernel, so the K edges straddle its blocks), nothing
/// written past `14·kc`.
#[test]
fn sgemm_f32_pack_a_14_avx512() {
    const MR: usize = 14;
    let name = "sgemm_f32_pack_a_14_avx512";
    if skip(name, crate::level::AVX512) {
        return;
    }
    for kc in KS.into_iter().chain([15, 16, 17, 33]) {
        let lda = kc + 3;
        let src = values(MR * lda, kc as u32 + 47);
        let mut want = vec![UNTOUCHED; (kc + 2) * MR];
        for p in 0..kc {
            for i in 0..MR {
                want[p * MR + i] = src[i * lda + p];
            }
        }
        let mut got = vec![UNTOUCHED; (kc + 2) * MR];
        // SAFETY: `src` holds 14 rows of `lda ≥ kc`, `got` (kc + 2)·14 ≥
        // 14·kc, apart; the CPU has the features.
        unsafe {
            avx512::sgemm_f32_pack_a_14::sgemm_f32_pack_a_14_avx512(src.as_ptr(), lda, kc, got.as_mut_ptr())
        };
        assert_eq!(bits(&got), bits(&want), "{name}: kc = {kc}");
    }
}

/// The portable tile store: `C[i·rsc + j·csc] ← tile[i·ld + j] + β·C` for
/// every edge shape (none included) and column stride, C past the shape
/// untouched, and with β = 0 a NaN C is not read. Rounded as written (a
/// product, then a sum), so exact.
#[test]
fn sgemm_f32_tile_store_scalar() {
    let (ld, rsc) = (9, 31);
    let tile = values(4 * ld, 53);
    for (rows, cols) in [(0, 0), (0, 5), (3, 0), (1, 1), (2, 9), (4, 3), (4, 9)] {
        for csc in [1, 3] {
            for beta in BETAS {
                let mut got = values(4 * rsc, 59);
                if beta == 0.0 {
                    got.iter_mut().step_by(2).for_each(|c| *c = f32::NAN);
                }
                let mut want = got.clone();
                for i in 0..rows {
                    for j in 0..cols {
                        let c = &mut want[i * rsc + j * csc];
                        *c = if beta == 0.0 {
                            tile[i * ld + j]
                        } else {
                            tile[i * ld + j] + beta * *c
                        };
                    }
                }
                // SAFETY: `tile` holds 4 rows of `ld ≥ cols`; `got` 4 rows of
                // `rsc > (cols − 1)·csc`.
                unsafe {
                    crate::scalar::sgemm_f32_tile_store::sgemm_f32_tile_store_scalar(
                        rows,
                        cols,
                        &tile,
                        ld,
                        got.as_mut_ptr(),
                        rsc,
                        csc,
                        beta,
                    )
                };
                let at = format!("rows = {rows}, cols = {cols}, csc = {csc}, beta = {beta}");
                assert_eq!(bits(&got), bits(&want), "sgemm_f32_tile_store_scalar: {at}");
            }
        }
    }
}
