//! Build script: declares which kernel families exist on the target
//! architecture (cfgs), the check-cfg list, and the build facts `lowp info` prints.

use std::env;
use std::process::Command;

fn main() {
    // Kernel families by target arch. Everything x86 sits behind these (or
    // behind `target_arch = "x86_64"`); other arches build scalar only.
    for cfg in ["lowp_x86_kernels", "lowp_avx2", "lowp_avx512", "lowp_vnni"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch == "x86_64" {
        for cfg in ["lowp_x86_kernels", "lowp_avx2", "lowp_avx512", "lowp_vnni"] {
            println!("cargo::rustc-cfg={cfg}");
        }
    }

    // Build facts.
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo::rustc-env=LOWP_BUILD_RUSTC={version}");
    println!(
        "cargo::rustc-env=LOWP_BUILD_TARGET={}",
        env::var("TARGET").unwrap_or_default()
    );
    println!(
        "cargo::rustc-env=LOWP_BUILD_PROFILE={}",
        env::var("PROFILE").unwrap_or_default()
    );
    println!(
        "cargo::rustc-env=LOWP_BUILD_OPT_LEVEL={}",
        env::var("OPT_LEVEL").unwrap_or_default()
    );
    println!(
        "cargo::rustc-env=LOWP_BUILD_TARGET_FEATURES={}",
        env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default()
    );
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=RUSTFLAGS");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
}
