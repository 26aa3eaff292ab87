//! Peak probes: short loops that keep one instruction (or one short chain)
//! busy on enough independent accumulators to saturate its pipes, so the
//! framework can time them and state a machine's peak GOP/s per ISA.
//!
//! Every probe has the same contract. It loads three 64-byte operand blobs
//! `x`, `y`, `z` (a ymm probe uses the first 32 bytes of each) and
//! [`N_ACC`] accumulators from `acc`, runs `iters` iterations, each applying
//! its step once to every accumulator, and stores the accumulators back. The
//! steps are written with `asm!` so the compiler cannot hoist a multiply
//! whose operands do not change out of the loop (it would with intrinsics).
//!
//! A probe returns the multiply-adds it did (`iters` × [`N_ACC`] × the
//! multiply-adds of one step); the framework's tests replay the same loop in
//! scalar code, compare the accumulators bit for bit and count the replay's
//! multiply-adds, which pins the claim down.

/// Independent accumulators per probe: enough to hide a 4-5 cycle latency on
/// two pipes, and few enough (with the operands) for the 16 VEX registers.
pub const N_ACC: usize = 12;

/// One operand or accumulator: the bytes of a zmm register.
pub type Blob = [u8; 64];

/// The signature shared by every compute probe. It returns the multiply-adds done.
///
/// # Safety
/// The CPU must support the target features of the probe called.
pub type PeakProbeFn = unsafe fn(iters: usize, x: &Blob, y: &Blob, z: &Blob, acc: &mut [Blob; N_ACC]) -> u64;

/// Stamps one compute probe: a `#[target_feature]` fn with the shared
/// signature whose loop runs `step` on each of the [`N_ACC`] accumulators;
/// `macs` is the multiply-adds one step does.
/// Inside `step`, `$a` is `&mut` the accumulator, `$x`, `$y`, `$z` the operands.
macro_rules! peak_probe {
    (
        $(#[$meta:meta])*
        fn $name:ident;
        features = $feat:literal;
        vector = $vt:ty, load = $load:path, store = $store:path;
        macs = $macs:literal;
        step($a:ident, $x:ident, $y:ident, $z:ident) $step:block
    ) => {
        $(#[$meta])*
        ///
        /// # Safety
        /// The CPU must support every feature in
        #[doc = concat!("`", $feat, "`.")]
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(
            iters: usize,
            x: &$crate::x86_64::peak::Blob,
            y: &$crate::x86_64::peak::Blob,
            z: &$crate::x86_64::peak::Blob,
            acc: &mut [$crate::x86_64::peak::Blob; $crate::x86_64::peak::N_ACC],
        ) -> u64 {
            // SAFETY: each blob is 64 bytes, at least the vector's width, and
            // the loads are unaligned; the caller guarantees the features.
            let ($x, $y, $z): ($vt, $vt, $vt) = unsafe {
                ($load(x.as_ptr().cast()), $load(y.as_ptr().cast()), $load(z.as_ptr().cast()))
            };
            let _ = (&$x, &$y, &$z);
            let mut v: [$vt; $crate::x86_64::peak::N_ACC] =
                // SAFETY: as above, one 64-byte accumulator blob per load.
                core::array::from_fn(|i| unsafe { $load(acc[i].as_ptr().cast()) });
            for _ in 0..iters {
                peak_probe!(@each v, $a, $step, [0 1 2 3 4 5 6 7 8 9 10 11]);
            }
            for (i, a) in acc.iter_mut().enumerate() {
                // SAFETY: 64-byte destination, unaligned store.
                unsafe { $store(a.as_mut_ptr().cast(), v[i]) };
            }
            (iters as u64) * ($crate::x86_64::peak::N_ACC as u64) * $macs
        }
    };
    (@each $v:ident, $a:ident, $step:block, [$($i:tt)*]) => {
        $({
            let $a = &mut $v[$i];
            $step
        })*
    };
}

/// Stamps a family of compute probes that run one `asm!` step at different
/// widths. The step is given once, as
/// `asm(templates...; inputs; scratch)`: the templates name the accumulator
/// `{a}`, the inputs (`x, y` or `x, y, z`, the operand blobs) and scratch
/// registers (written, discarded). Then one line per probe: its name, width
/// (`zmm` or `ymm`) and element kind (`ps` for f32, `si` for integers, which
/// picks the vector type and its loads), the features the step needs and the
/// multiply-adds one step does.
macro_rules! peak_asm_probes {
    (
        asm $spec:tt;
        $(
            $(#[$meta:meta])*
            fn $name:ident: $width:ident $kind:ident, features = $feat:literal, macs = $macs:literal;
        )+
    ) => {
        $(peak_asm_probes!(@vector $width $kind, $spec, [$(#[$meta])*], $name, $feat, $macs);)+
    };
    (@vector zmm ps, $($rest:tt)*) => {
        peak_asm_probes!(@inputs core::arch::x86_64::__m512, core::arch::x86_64::_mm512_loadu_ps,
            core::arch::x86_64::_mm512_storeu_ps, zmm_reg, $($rest)*);
    };
    (@vector ymm ps, $($rest:tt)*) => {
        peak_asm_probes!(@inputs core::arch::x86_64::__m256, core::arch::x86_64::_mm256_loadu_ps,
            core::arch::x86_64::_mm256_storeu_ps, ymm_reg, $($rest)*);
    };
    (@vector zmm si, $($rest:tt)*) => {
        peak_asm_probes!(@inputs core::arch::x86_64::__m512i, core::arch::x86_64::_mm512_loadu_si512,
            core::arch::x86_64::_mm512_storeu_si512, zmm_reg, $($rest)*);
    };
    (@vector ymm si, $($rest:tt)*) => {
        peak_asm_probes!(@inputs core::arch::x86_64::__m256i, core::arch::x86_64::_mm256_loadu_si256,
            core::arch::x86_64::_mm256_storeu_si256, ymm_reg, $($rest)*);
    };
    // Three inputs: all operand blobs feed the step.
    (@inputs $vt:ty, $load:path, $store:path, $reg:ident,
        ($($tpl:literal),+; $x:ident, $y:ident, $z:ident; $($tmp:ident),*), $($rest:tt)*) => {
        peak_asm_probes!(@emit $vt, $load, $store, $reg, [$($tpl),+], [$x $y $z], [$x, $y, $z],
            [$($tmp),*], $($rest)*);
    };
    // Two inputs: `z` is loaded (the shared contract) but not used.
    (@inputs $vt:ty, $load:path, $store:path, $reg:ident,
        ($($tpl:literal),+; $x:ident, $y:ident; $($tmp:ident),*), $($rest:tt)*) => {
        peak_asm_probes!(@emit $vt, $load, $store, $reg, [$($tpl),+], [$x $y _z], [$x, $y],
            [$($tmp),*], $($rest)*);
    };
    (@emit $vt:ty, $load:path, $store:path, $reg:ident, [$($tpl:literal),+], [$bx:ident $by:ident $bz:ident],
        [$($in:ident),+], [$($tmp:ident),*], [$(#[$meta:meta])*], $name:ident, $feat:literal, $macs:literal) => {
        peak_probe! {
            $(#[$meta])*
            fn $name;
            features = $feat;
            vector = $vt, load = $load, store = $store;
            macs = $macs;
            step(a, $bx, $by, $bz) {
                // SAFETY: register-only arithmetic; the probe's target features
                // include every feature its instructions need.
                unsafe {
                    core::arch::asm!(
                        $($tpl),+,
                        a = inout($reg) *a,
                        $($in = in($reg) $in,)+
                        $($tmp = out($reg) _,)*
                        options(nomem, nostack, preserves_flags)
                    )
                }
            }
        }
    };
}

pub mod peak_chain_u8s8;
pub mod peak_fma_f32;
pub mod peak_vdpbf16ps;
pub mod peak_vpdpbusd;
pub mod peak_vpmaddwd_s16;
