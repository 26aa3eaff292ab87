//! The per-call log (`lowp::verbose`): one line per call naming the op, ISA
//! level, shape, path, kernel(s) and threads; nothing when off; and
//! `LOWP_VERBOSE=1` turning it on (checked in a child process).

use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
use lowp::{sgemm, Context, Isa, MatMut, MatRef};
use std::process::Command;
use std::sync::{Arc, Mutex};

const CHILD: &str = "LOWP_VERBOSE_TEST_CHILD";

fn run_sgemm(ctx: &Context, m: usize, k: usize, n: usize) {
    let a = vec![0.5f32; m * k];
    let b = vec![0.25f32; k * n];
    // A column-major B when M is large: the packed tile path whatever the
    // caches (a row-major B that fits runs unpacked).
    let b = if m > 16 {
        MatRef::col_major(&b, k, n)
    } else {
        MatRef::row_major(&b, k, n)
    }
    .unwrap();
    let mut c = vec![0.0f32; m * n];
    sgemm(
        ctx,
        1.0,
        MatRef::row_major(&a, m, k).unwrap(),
        b,
        0.0,
        MatMut::row_major(&mut c, m, n).unwrap(),
    )
    .unwrap();
    assert!(c.iter().all(|&v| v == 0.125 * k as f32));
}

/// Runs an `m × k × n` u8×s8 GEMM; returns the weights' panel split.
fn run_igemm(ctx: &Context, m: usize, k: usize, n: usize, w: &[i8]) -> (usize, usize) {
    let packed = PackedI8Weights::pack(
        ctx,
        MatRef::row_major(w, k, n).unwrap(),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
    .unwrap();
    let x = vec![200u8; m * k];
    let mut c = vec![0i32; m * n];
    igemm(
        ctx,
        MatRef::row_major(&x, m, k).unwrap(),
        0,
        &packed,
        Output::S32 {
            c: MatMut::row_major(&mut c, m, n).unwrap(),
            accumulate: false,
        },
    )
    .unwrap();
    packed.panel_paths()
}

#[test]
fn one_line_per_call_with_the_path_taken() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    lowp::verbose::set_sink(Some(Arc::new(move |l: &str| {
        sink.lock().unwrap().push(l.to_string())
    })));
    let take = || std::mem::take(&mut *lines.lock().unwrap());

    for isa in Isa::available() {
        let quiet = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(2)
            .ignore_env()
            .verbose(true)
            .build()
            .unwrap();
        // Off (for this context; the global switch off): nothing.
        lowp::verbose::set_enabled(false);
        run_sgemm(&quiet, 3, 8, 8);
        assert!(take().is_empty(), "{isa}: a quiet context logged");

        for (m, k, n, path) in [
            (1, 64, 96, "gemv"),
            (200, 160, 300, "tiles"),
            (0, 4, 4, "empty"),
            (3, 0, 4, "scale_c"),
        ] {
            run_sgemm(&ctx, m, k, n);
            let got = take();
            assert_eq!(got.len(), 1, "{isa} {m}x{k}x{n}: {got:?}");
            let l = &got[0];
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(
                &f[..6],
                [
                    "lowp_verbose",
                    "exec",
                    "sgemm",
                    isa.name(),
                    &format!("m{m}k{k}n{n}"),
                    &format!("path:{path}")
                ],
                "{l}"
            );
            assert!(
                f[6].starts_with("kernel:") && f[7] == "threads:2" && f[8].ends_with("ms"),
                "{l}"
            );
            if path == "tiles" {
                assert_eq!(f[6], format!("kernel:{}", ctx.kernels().sgemm.name()), "{l}");
            }
        }

        // INT8: the panel split the packed weights report, and the kernels.
        let (k, n) = (64, 80);
        let mild = vec![1i8; k * n];
        let harsh: Vec<i8> = (0..k * n).map(|i| if i % 2 == 0 { 127 } else { -128 }).collect();
        for w in [&mild, &harsh] {
            let (main, exact) = run_igemm(&ctx, 5, k, n, w);
            let got = take();
            assert_eq!(got.len(), 1, "{isa}: {got:?}");
            let l = &got[0];
            assert!(
                l.starts_with(&format!("lowp_verbose,exec,igemm_u8,{isa},m5k{k}n{n},path:")),
                "{l}"
            );
            assert!(l.contains(&format!(":{main}/exact:{exact},")), "{l}");
            let ks = &ctx.kernels().igemm;
            let label = if ks.main.saturates {
                "chain"
            } else if isa == Isa::Scalar {
                "main"
            } else {
                "vnni"
            };
            assert!(l.contains(&format!("path:{label}:")), "{l}");
            assert!(l.contains(ks.main.name), "{l}");
            assert_eq!(l.contains("+"), exact > 0 && ks.exact.is_some(), "{l}");
        }
        // The global switch logs calls of any context.
        lowp::verbose::set_enabled(true);
        run_sgemm(&quiet, 2, 4, 4);
        assert_eq!(take().len(), 1, "{isa}");
        lowp::verbose::set_enabled(false);
    }
    lowp::verbose::set_sink(None);
}

/// The child's body: two calls on a default context.
#[test]
fn child_makes_two_calls() {
    if std::env::var_os(CHILD).is_none() {
        return; // Only meaningful in the child the test below starts.
    }
    let ctx = Context::default();
    run_sgemm(&ctx, 4, 16, 16);
    run_igemm(&ctx, 1, 16, 16, &[1; 256]);
}

#[test]
fn lowp_verbose_env_logs_every_call_to_stderr() {
    for (value, lines) in [("1", 2), ("0", 0)] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_makes_two_calls",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env("LOWP_VERBOSE", value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let log: Vec<&str> = err.lines().filter(|l| l.starts_with("lowp_verbose,")).collect();
        assert_eq!(log.len(), lines, "LOWP_VERBOSE={value}: {err}");
        if lines == 2 {
            assert!(log[0].contains(",sgemm,") && log[0].contains("m4k16n16"), "{err}");
            assert!(
                log[1].contains(",igemm_u8,") && log[1].contains("m1k16n16"),
                "{err}"
            );
        }
    }
}
