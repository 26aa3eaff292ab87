//! Facts about how this copy of lowp was built (from build.rs).

/// Build facts printed by `lowp info`.
#[derive(Clone, Copy, Debug)]
pub struct BuildInfo {
    /// `rustc --version` of the compiler that built lowp.
    pub rustc: &'static str,
    /// Target triple.
    pub target: &'static str,
    /// Cargo profile (`release`, `debug`).
    pub profile: &'static str,
    /// Optimization level.
    pub opt_level: &'static str,
    /// Target features enabled at compile time (comma-separated). Kernels do
    /// not depend on these: they are selected at run time.
    pub target_features: &'static str,
    /// lowp's version.
    pub version: &'static str,
    /// Kernel families compiled into this build.
    pub kernel_families: &'static [&'static str],
}

/// The build facts of this copy of lowp.
pub fn build_info() -> BuildInfo {
    BuildInfo {
        rustc: env!("LOWP_BUILD_RUSTC"),
        target: env!("LOWP_BUILD_TARGET"),
        profile: env!("LOWP_BUILD_PROFILE"),
        opt_level: env!("LOWP_BUILD_OPT_LEVEL"),
        target_features: env!("LOWP_BUILD_TARGET_FEATURES"),
        version: env!("CARGO_PKG_VERSION"),
        kernel_families: if cfg!(lowp_x86_kernels) {
            &["scalar", "avx2", "avx2vnni", "avx512", "avx512vnni"]
        } else {
            &["scalar"]
        },
    }
}
