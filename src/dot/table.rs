//! The dot-product part of the kernel table: which kernel each op uses at
//! one ISA level.

use crate::Isa;

/// `a·b`, `|a−b|²` over `n` float elements (f32, or bf16/f16 as raw u16 bits).
pub(crate) type FloatPair<T> = unsafe fn(*const T, *const T, usize) -> f32;
/// `[a·b, a·a, b·b]` over `n` float elements.
pub(crate) type FloatCos<T> = unsafe fn(*const T, *const T, usize) -> [f32; 3];
/// Exact integer reduction over `n` elements (wrapping i32).
pub(crate) type IntPair<A, B> = unsafe fn(*const A, *const B, usize) -> i32;
/// One query against `rows` rows: `(q, db, row_stride, rows, d, out)`.
pub(crate) type ScanRows<T, S> = unsafe fn(*const T, *const T, usize, usize, usize, *mut S);
/// Wrapping sum of `n` u64.
pub(crate) type SumU64 = unsafe fn(*const u64, usize) -> u64;

/// A kernel and its name (as `lowp info` prints it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kern<F> {
    pub(crate) f: F,
    pub(crate) name: &'static str,
}

/// Every dot-product, distance and scan kernel one ISA level uses.
///
/// Built by the [`crate::Context`]; inspect it with [`crate::Kernels::names`].
#[derive(Clone, Debug)]
pub struct DotKernels {
    pub(crate) dot_f32: Kern<FloatPair<f32>>,
    pub(crate) l2sq_f32: Kern<FloatPair<f32>>,
    pub(crate) cos_f32: Kern<FloatCos<f32>>,
    pub(crate) dot_bf16: Kern<FloatPair<u16>>,
    pub(crate) l2sq_bf16: Kern<FloatPair<u16>>,
    pub(crate) cos_bf16: Kern<FloatCos<u16>>,
    pub(crate) dot_f16: Kern<FloatPair<u16>>,
    pub(crate) l2sq_f16: Kern<FloatPair<u16>>,
    pub(crate) cos_f16: Kern<FloatCos<u16>>,
    pub(crate) dot_s8: Kern<IntPair<i8, i8>>,
    pub(crate) dot_u8: Kern<IntPair<u8, u8>>,
    pub(crate) dot_u8s8: Kern<IntPair<u8, i8>>,
    pub(crate) l2sq_s8: Kern<IntPair<i8, i8>>,
    pub(crate) l2sq_u8: Kern<IntPair<u8, u8>>,
    pub(crate) scan_f32_ip: Option<Kern<ScanRows<f32, f32>>>,
    pub(crate) scan_s8_ip: Option<Kern<ScanRows<i8, i32>>>,
    pub(crate) sum_u64: Kern<SumU64>,
}

/// `kern!(module::path, fn_name)`: the kernel and its name.
macro_rules! kern {
    ($($m:ident)::+, $f:ident) => {
        Kern {
            f: lowp_kernels::$($m::)+$f,
            name: stringify!($f),
        }
    };
}

impl DotKernels {
    /// The table for `isa`. Callers have checked `isa.is_available()`.
    pub(crate) fn select(isa: Isa) -> DotKernels {
        match isa {
            Isa::Scalar => Self::scalar(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 | Isa::Avx2Vnni => Self::avx2(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Self::avx512(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vnni => Self::avx512vnni(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => Self::scalar(),
        }
    }

    fn scalar() -> DotKernels {
        DotKernels {
            dot_f32: kern!(scalar::dot_f32, dot_f32_scalar),
            l2sq_f32: kern!(scalar::l2sq_f32, l2sq_f32_scalar),
            cos_f32: kern!(scalar::cos_f32, cos_f32_scalar),
            dot_bf16: kern!(scalar::dot_bf16, dot_bf16_scalar),
            l2sq_bf16: kern!(scalar::l2sq_bf16, l2sq_bf16_scalar),
            cos_bf16: kern!(scalar::cos_bf16, cos_bf16_scalar),
            dot_f16: kern!(scalar::dot_f16, dot_f16_scalar),
            l2sq_f16: kern!(scalar::l2sq_f16, l2sq_f16_scalar),
            cos_f16: kern!(scalar::cos_f16, cos_f16_scalar),
            dot_s8: kern!(scalar::dot_s8, dot_s8_scalar),
            dot_u8: kern!(scalar::dot_u8, dot_u8_scalar),
            dot_u8s8: kern!(scalar::dot_u8s8, dot_u8s8_scalar),
            l2sq_s8: kern!(scalar::l2sq_s8, l2sq_s8_scalar),
            l2sq_u8: kern!(scalar::l2sq_u8, l2sq_u8_scalar),
            scan_f32_ip: None,
            scan_s8_ip: None,
            sum_u64: kern!(scalar::sum_u64, sum_u64_scalar),
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn avx2() -> DotKernels {
        DotKernels {
            dot_f32: kern!(x86_64::avx2::dot_f32, dot_f32_avx2),
            l2sq_f32: kern!(x86_64::avx2::l2sq_f32, l2sq_f32_avx2),
            cos_f32: kern!(x86_64::avx2::cos_f32, cos_f32_avx2),
            dot_bf16: kern!(x86_64::avx2::dot_bf16, dot_bf16_avx2),
            l2sq_bf16: kern!(x86_64::avx2::l2sq_bf16, l2sq_bf16_avx2),
            cos_bf16: kern!(x86_64::avx2::cos_bf16, cos_bf16_avx2),
            dot_f16: kern!(x86_64::avx2::dot_f16, dot_f16_avx2),
            l2sq_f16: kern!(x86_64::avx2::l2sq_f16, l2sq_f16_avx2),
            cos_f16: kern!(x86_64::avx2::cos_f16, cos_f16_avx2),
            dot_s8: kern!(x86_64::avx2::dot_s8, dot_s8_avx2),
            dot_u8: kern!(x86_64::avx2::dot_u8, dot_u8_avx2),
            dot_u8s8: kern!(x86_64::avx2::dot_u8s8, dot_u8s8_avx2),
            l2sq_s8: kern!(x86_64::avx2::l2sq_s8, l2sq_s8_avx2),
            l2sq_u8: kern!(x86_64::avx2::l2sq_u8, l2sq_u8_avx2),
            scan_f32_ip: Some(kern!(x86_64::avx2::scan_f32_ip, scan_f32_ip_avx2)),
            scan_s8_ip: Some(kern!(x86_64::avx2::scan_s8_ip, scan_s8_ip_avx2)),
            sum_u64: kern!(x86_64::avx2::sum_u64, sum_u64_avx2),
        }
    }

    /// AVX-512 F/BW/VL/DQ; the bf16 dot and cosine move to `vdpbf16ps`
    /// when the CPU also has AVX-512 BF16 (checked here, at table build).
    #[cfg(target_arch = "x86_64")]
    fn avx512() -> DotKernels {
        let mut k = DotKernels {
            dot_f32: kern!(x86_64::avx512::dot_f32, dot_f32_avx512),
            l2sq_f32: kern!(x86_64::avx512::l2sq_f32, l2sq_f32_avx512),
            cos_f32: kern!(x86_64::avx512::cos_f32, cos_f32_avx512),
            dot_bf16: kern!(x86_64::avx512::dot_bf16, dot_bf16_avx512),
            l2sq_bf16: kern!(x86_64::avx512::l2sq_bf16, l2sq_bf16_avx512),
            cos_bf16: kern!(x86_64::avx512::cos_bf16, cos_bf16_avx512),
            dot_f16: kern!(x86_64::avx512::dot_f16, dot_f16_avx512),
            l2sq_f16: kern!(x86_64::avx512::l2sq_f16, l2sq_f16_avx512),
            cos_f16: kern!(x86_64::avx512::cos_f16, cos_f16_avx512),
            dot_s8: kern!(x86_64::avx512::dot_s8, dot_s8_avx512),
            dot_u8: kern!(x86_64::avx512::dot_u8, dot_u8_avx512),
            dot_u8s8: kern!(x86_64::avx512::dot_u8s8, dot_u8s8_avx512),
            l2sq_s8: kern!(x86_64::avx512::l2sq_s8, l2sq_s8_avx512),
            l2sq_u8: kern!(x86_64::avx512::l2sq_u8, l2sq_u8_avx512),
            scan_f32_ip: Some(kern!(x86_64::avx512::scan_f32_ip, scan_f32_ip_avx512)),
            scan_s8_ip: Some(kern!(x86_64::avx512::scan_s8_ip, scan_s8_ip_avx512)),
            sum_u64: kern!(x86_64::avx512::sum_u64, sum_u64_avx512),
        };
        if crate::cpu_features().avx512bf16 {
            k.dot_bf16 = kern!(x86_64::avx512bf16::dot_bf16, dot_bf16_avx512bf16);
            k.cos_bf16 = kern!(x86_64::avx512bf16::cos_bf16, cos_bf16_avx512bf16);
        }
        k
    }

    /// The AVX-512 table with the integer dots and the s8 scan on `vpdpbusd`.
    #[cfg(target_arch = "x86_64")]
    fn avx512vnni() -> DotKernels {
        DotKernels {
            dot_s8: kern!(x86_64::avx512vnni::dot_s8, dot_s8_avx512vnni),
            dot_u8: kern!(x86_64::avx512vnni::dot_u8, dot_u8_avx512vnni),
            dot_u8s8: kern!(x86_64::avx512vnni::dot_u8s8, dot_u8s8_avx512vnni),
            scan_s8_ip: Some(kern!(x86_64::avx512vnni::scan_s8_ip, scan_s8_ip_avx512vnni)),
            ..Self::avx512()
        }
    }

    /// The same table with the bf16 kernels that do not need AVX-512 BF16
    /// (so tests can check both on a CPU that has it).
    #[cfg(all(test, target_arch = "x86_64"))]
    pub(crate) fn avx512_without_bf16() -> DotKernels {
        DotKernels {
            dot_bf16: kern!(x86_64::avx512::dot_bf16, dot_bf16_avx512),
            cos_bf16: kern!(x86_64::avx512::cos_bf16, cos_bf16_avx512),
            ..Self::avx512()
        }
    }

    /// `(op, kernel name)` for every op in the table.
    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("dot_f32", self.dot_f32.name),
            ("l2sq_f32", self.l2sq_f32.name),
            ("cos_f32", self.cos_f32.name),
            ("dot_bf16", self.dot_bf16.name),
            ("l2sq_bf16", self.l2sq_bf16.name),
            ("cos_bf16", self.cos_bf16.name),
            ("dot_f16", self.dot_f16.name),
            ("l2sq_f16", self.l2sq_f16.name),
            ("cos_f16", self.cos_f16.name),
            ("dot_s8", self.dot_s8.name),
            ("dot_u8", self.dot_u8.name),
            ("dot_u8s8", self.dot_u8s8.name),
            ("l2sq_s8", self.l2sq_s8.name),
            ("l2sq_u8", self.l2sq_u8.name),
            ("sum_u64", self.sum_u64.name),
        ];
        if let Some(k) = &self.scan_f32_ip {
            v.push(("scan_f32_ip", k.name));
        }
        if let Some(k) = &self.scan_s8_ip {
            v.push(("scan_s8_ip", k.name));
        }
        v
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use half::bf16;

    /// The plain sums these tests check against (the `lowp-reference` crate
    /// cannot serve unit tests: it links its own copy of lowp).
    mod oracle {
        use half::bf16;

        /// `Σ a·b` in f64 (exact products of bf16 values).
        pub fn dot(a: &[bf16], b: &[bf16]) -> f64 {
            a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
        }

        /// `Σ |a·b|` in f64.
        pub fn dot_abs(a: &[bf16], b: &[bf16]) -> f64 {
            a.iter()
                .zip(b)
                .map(|(x, y)| (f64::from(*x) * f64::from(*y)).abs())
                .sum()
        }

        /// `Σ a·b`, exact.
        pub fn dot_i64(a: &[i8], b: &[i8]) -> i64 {
            a.iter().zip(b).map(|(&x, &y)| i64::from(x) * i64::from(y)).sum()
        }
    }

    /// Both bf16 paths of the AVX-512 levels (with and without `vdpbf16ps`),
    /// against the oracle, bound `(n + 4)·ε·Σ|ab|` (normal inputs only here).
    #[test]
    fn both_avx512_bf16_paths_match_the_oracle() {
        if !Isa::Avx512.is_available() {
            return;
        }
        let mut tables = vec![DotKernels::avx512_without_bf16()];
        if crate::cpu_features().avx512bf16 {
            tables.push(DotKernels::avx512());
            assert!(DotKernels::avx512().dot_bf16.name.ends_with("avx512bf16"));
        }
        for k in tables {
            for n in 0..300usize {
                let a: Vec<bf16> = (0..n)
                    .map(|i| bf16::from_f32(((i * 37 % 101) as f32 - 50.0) * 0.013))
                    .collect();
                let b: Vec<bf16> = (0..n)
                    .map(|i| bf16::from_f32(((i * 53 % 97) as f32 - 48.0) * 0.71))
                    .collect();
                let (pa, pb) = (a.as_ptr() as *const u16, b.as_ptr() as *const u16);
                // SAFETY: both hold n elements; AVX-512 was checked above and the
                // BF16 table is only built when avx512bf16 is detected.
                let (d, c) = unsafe { ((k.dot_bf16.f)(pa, pb, n), (k.cos_bf16.f)(pa, pb, n)) };
                let tol = (n as f64 + 4.0) * f32::EPSILON as f64 * oracle::dot_abs(&a, &b);
                assert!(
                    (d as f64 - oracle::dot(&a, &b)).abs() <= tol,
                    "{} n={n}",
                    k.dot_bf16.name
                );
                assert!(
                    (c[0] as f64 - oracle::dot(&a, &b)).abs() <= tol,
                    "{} n={n}",
                    k.cos_bf16.name
                );
                let ta = (n as f64 + 4.0) * f32::EPSILON as f64 * oracle::dot(&a, &a);
                assert!(
                    (c[1] as f64 - oracle::dot(&a, &a)).abs() <= ta,
                    "{} n={n}",
                    k.cos_bf16.name
                );
            }
        }
    }

    /// The one-query s8 scan kernels of every level (VNNI, AVX-512BW, AVX2)
    /// against the oracle: every d in 0..=300, 4-row groups plus leftovers,
    /// padded rows, extreme values; bit-exact.
    #[test]
    fn s8_scan_kernels_match_the_oracle() {
        for isa in Isa::available() {
            let Some(k) = DotKernels::select(isa).scan_s8_ip else {
                continue;
            };
            for d in 0..=300usize {
                let (rows, rs) = (7usize, d + 3);
                let pick = |i: usize| [-128i8, 127, -1, 0, 1, 77, -99][(i * 31 + i / 7) % 7];
                let db: Vec<i8> = (0..rows * rs).map(pick).collect();
                let q: Vec<i8> = (0..d).map(|i| pick(i * 5 + 3)).collect();
                let mut out = vec![0i32; rows];
                // SAFETY: q holds d bytes, every row r < rows lies in db
                // (r·rs + d <= rows·rs), out holds rows i32; the table only
                // holds kernels of available levels.
                unsafe { (k.f)(q.as_ptr(), db.as_ptr(), rs, rows, d, out.as_mut_ptr()) };
                for (r, &o) in out.iter().enumerate() {
                    let want = oracle::dot_i64(&q, &db[r * rs..r * rs + d]);
                    assert_eq!(o as i64, want, "{} d={d} row {r}", k.name);
                }
            }
        }
    }

    #[test]
    fn every_level_names_its_kernels() {
        for isa in Isa::available() {
            let names = DotKernels::select(isa).names();
            assert!(names.len() >= 15);
            for (op, k) in names {
                assert!(k.starts_with(op), "{op} -> {k}");
            }
        }
    }
}
