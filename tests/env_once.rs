//! Process-wide environment handling, checked in a child process (the
//! environment and the once-per-process state cannot be reset in-process):
//! a bad `LOWP_MAX_ISA` warns once, however many `Context::default()` calls.

use std::process::Command;

const CHILD: &str = "LOWP_ENV_ONCE_CHILD";

/// The child's body: many default contexts under a bad environment.
#[test]
fn child_builds_default_contexts() {
    if std::env::var_os(CHILD).is_none() {
        return; // Only meaningful in the child the test below starts.
    }
    for _ in 0..5 {
        let ctx = lowp::Context::default();
        assert_eq!(ctx.isa(), lowp::Isa::best());
    }
}

#[test]
fn a_bad_environment_warns_once_per_process() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_builds_default_contexts",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("LOWP_MAX_ISA", "bogus")
        .env_remove("LOWP_VERBOSE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let warnings = err.lines().filter(|l| l.contains("LOWP_MAX_ISA")).count();
    assert_eq!(warnings, 1, "stderr:\n{err}");
    assert!(err.contains("bogus") && err.contains("avx2vnni"), "{err}");
}
