//! Builds the `liblowp_capi` shared library (`cargo build -p lowp-capi`:
//! `cargo test` builds only the rlib), compiles `tests/c/test_lowp.c`
//! against `include/lowp.h` and it, runs the program and requires it to
//! pass (it checks every C entry point against plain C loops).

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_c_test_program_passes() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // target/<profile>/deps/<this test> → target/<profile>, where cargo puts
    // the cdylib it built for this test run.
    let exe = std::env::current_exe().unwrap();
    let lib_dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "lowp-capi", "--lib"]);
    if lib_dir.ends_with("release") {
        build.arg("--release");
    }
    let built = build
        .arg("--manifest-path")
        .arg(manifest.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", lib_dir.parent().unwrap())
        .status()
        .expect("run cargo build");
    assert!(built.success(), "cargo build -p lowp-capi failed");
    assert!(
        lib_dir.join("liblowp_capi.so").exists(),
        "no liblowp_capi.so in {}",
        lib_dir.display()
    );
    let out = std::env::temp_dir().join(format!("lowp_capi_test_{}", std::process::id()));
    let target = env!("LOWP_CAPI_TARGET");
    let compiler = cc::Build::new()
        .target(target)
        .host(target)
        .opt_level(1)
        .cargo_metadata(false)
        .get_compiler();
    let status = compiler
        .to_command()
        .arg("-std=c99")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(manifest.join("include"))
        .arg(manifest.join("tests/c/test_lowp.c"))
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(&lib_dir)
        .arg("-llowp_capi")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lm")
        .status()
        .expect("run the C compiler");
    assert!(status.success(), "compiling the C test failed");
    let run = Command::new(&out).output().expect("run the C test");
    let _ = std::fs::remove_file(&out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the C test failed:\n{stderr}");
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("all checks passed"),
        "{stderr}"
    );
}
