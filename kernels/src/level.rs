//! The CPU features of each ISA level, in one place: every kernel of a level
//! is compiled for its level's whole list (through `with_level!`), and
//! `lowp` runs a level only on a CPU with every feature of the list.

/// The level's list: as `#[target_feature(enable = …)]` on each item
/// (`with_level! { avx512: fn … }`), as that attribute ahead of a kernel
/// macro's input (`with_level! { avx512 => kernel_macro! { … } }`, for
/// macros that take attributes first), or as a string literal
/// (`with_level!(@list avx512)`).
macro_rules! with_level {
    (@list avx2) => { "avx,avx2,fma,f16c" };
    (@list avx2vnni) => { "avx,avx2,fma,f16c,avxvnni" };
    (@list avx512) => { "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq" };
    (@list avx512vnni) => { "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni" };
    (@list avx512bf16) => { "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16" };
    // `#[target_feature]` takes a literal only, so each list is spelt once
    // more here, as the attribute handed to `$mac` ahead of its input (a
    // test checks that the two spellings agree).
    (avx2 => $mac:ident! { $($t:tt)* }) => {
        $mac! { #[target_feature(enable = "avx,avx2,fma,f16c")] $($t)* }
    };
    (avx2vnni => $mac:ident! { $($t:tt)* }) => {
        $mac! { #[target_feature(enable = "avx,avx2,fma,f16c,avxvnni")] $($t)* }
    };
    (avx512 => $mac:ident! { $($t:tt)* }) => {
        $mac! { #[target_feature(enable = "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")] $($t)* }
    };
    (avx512vnni => $mac:ident! { $($t:tt)* }) => {
        $mac! { #[target_feature(enable = "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")] $($t)* }
    };
    (avx512bf16 => $mac:ident! { $($t:tt)* }) => {
        $mac! { #[target_feature(enable = "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")] $($t)* }
    };
    ($level:ident: $($i:item)*) => { with_level! { $level => each_item! { $($i)* } } };
}

/// `#[$a]` on each item.
macro_rules! each_item {
    (#[$a:meta] $($i:item)*) => { $( #[$a] $i )* };
}

/// Splits a `with_level!(@list …)` string into its names at compile time.
macro_rules! level_list {
    ($level:ident) => {{
    const S: &str = with_level!(@list $level);
        const N: usize = count_commas(S) + 1;
        const L: [&str; N] = split::<N>(S);
        &L
    }};
}

/// Commas in `s`.
const fn count_commas(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        n += (b[i] == b',') as usize;
        i += 1;
    }
    n
}

/// The `N` comma-separated names of `s`.
const fn split<const N: usize>(s: &'static str) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut rest, mut k) = (s, 0);
    while k < N {
        let b = rest.as_bytes();
        let mut i = 0;
        while i < b.len() && b[i] != b',' {
            i += 1;
        }
        let (head, tail) = rest.split_at(i);
        out[k] = head;
        rest = if tail.is_empty() { tail } else { tail.split_at(1).1 };
        k += 1;
    }
    out
}

/// Features of the `avx2` level (AVX2 + FMA + F16C).
pub const AVX2: &[&str] = level_list!(avx2);
/// Features of the `avx2vnni` level (the `avx2` level plus AVX-VNNI).
pub const AVX2VNNI: &[&str] = level_list!(avx2vnni);
/// Features of the `avx512` level (the `avx2` level plus AVX-512 F/BW/VL/DQ).
pub const AVX512: &[&str] = level_list!(avx512);
/// Features of the `avx512vnni` level (the `avx512` level plus AVX-512 VNNI).
pub const AVX512VNNI: &[&str] = level_list!(avx512vnni);
/// Features of the BF16 kernels (the `avx512` level plus AVX-512 BF16).
pub const AVX512BF16: &[&str] = level_list!(avx512bf16);

#[cfg(test)]
mod tests {
    /// The literal of `with_level!`'s `#[target_feature]` rule for `level`.
    fn stamped(level: &str) -> &'static str {
        let src = include_str!("level.rs");
        let rule = src.find(&format!("({level} => $mac")).expect("a rule per level");
        let from = rule + src[rule..].find("enable = \"").expect("a list") + 10;
        &src[from..from + src[from..].find('"').expect("closed")]
    }

    #[test]
    fn each_level_spells_its_list_once() {
        for (level, list, l) in [
            ("avx2", super::AVX2, with_level!(@list avx2)),
            ("avx2vnni", super::AVX2VNNI, with_level!(@list avx2vnni)),
            ("avx512", super::AVX512, with_level!(@list avx512)),
            ("avx512vnni", super::AVX512VNNI, with_level!(@list avx512vnni)),
            ("avx512bf16", super::AVX512BF16, with_level!(@list avx512bf16)),
        ] {
            assert_eq!(list.join(","), l, "{level}");
            assert_eq!(
                stamped(level),
                l,
                "{level}: the #[target_feature] rule differs from @list"
            );
        }
        assert!(super::AVX512VNNI.starts_with(super::AVX512) && super::AVX512.starts_with(super::AVX2));
    }

    #[test]
    fn every_name_is_one_detection_answers() {
        let detected = crate::detect::CpuFeatures::default().list().map(|(name, _)| name);
        for list in [
            super::AVX2,
            super::AVX2VNNI,
            super::AVX512,
            super::AVX512VNNI,
            super::AVX512BF16,
        ] {
            for f in list {
                assert!(detected.contains(f), "{f}: not in CpuFeatures::list");
            }
        }
    }
}
