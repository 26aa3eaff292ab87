//! Every registered op through `lowp bench`, at every available level and at
//! 1 and 2 threads, on tiny `--shapes`: each JSON line follows ARCHITECTURE.md §8's
//! schema (with the op's own extra fields) and every (case, level, threads)
//! appears once. This checks output, not speed.

use serde_json::Value;
use std::process::Command;

const TINY: &[&str] = &[
    "--quick",
    "--reps",
    "1",
    "--probe-macs",
    "65536",
    "--probe-bytes",
    "1048576",
];

fn lines(op: &str, shapes: &str) -> Vec<Value> {
    let mut args = vec![
        "bench",
        "--op",
        op,
        "--shapes",
        shapes,
        "--threads",
        "1,2",
        "--json",
        "-",
    ];
    args.extend_from_slice(TINY);
    let out = Command::new(env!("CARGO_BIN_EXE_lowp"))
        .args(&args)
        .env_remove("LOWP_MAX_ISA")
        .env_remove("LOWP_NUM_THREADS")
        .output()
        .expect("run lowp");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().map(|l| serde_json::from_str(l).expect(l)).collect()
}

fn available() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_lowp"))
        .args(["info", "--json"])
        .env_remove("LOWP_MAX_ISA")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["isa"]["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Checks keys (in order), positive timings, and that each (op, impl,
/// shape, level, threads) is there exactly once per level and thread count.
fn check(lines: &[Value], extra: &[&str], memory: bool, ops: &[(&str, &str)], isas: &[String]) {
    let mut want = vec!["op", "m", "n", "k"];
    want.extend_from_slice(extra);
    want.extend(["threads", "isa", "impl", "seconds", "gops"]);
    if memory {
        want.push("gbytes_per_s");
    }
    for v in lines {
        let o = v.as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, want, "{v}");
        assert!(o["seconds"].as_f64().unwrap() > 0.0, "{v}");
        assert!(o["gops"].as_f64().unwrap() > 0.0, "{v}");
        if memory {
            assert!(o["gbytes_per_s"].as_f64().unwrap() > 0.0, "{v}");
        }
    }
    for (op, imp) in ops {
        for isa in isas {
            for t in [1, 2] {
                let n = lines
                    .iter()
                    .filter(|v| {
                        v["op"] == *op && v["impl"] == *imp && v["isa"] == isa.as_str() && v["threads"] == t
                    })
                    .count();
                assert_eq!(n, 1, "{op} {imp} {isa} {t}t in {lines:?}");
            }
        }
    }
    let expected = ops.len() * isas.len() * 2;
    assert_eq!(lines.len(), expected, "{lines:?}");
}

#[test]
fn sgemm_lines() {
    let l = lines("sgemm", "5x17x33");
    check(
        &l,
        &[],
        false,
        &[("sgemm", "lowp"), ("sgemm", "lowp_packed")],
        &available(),
    );
    assert!(l.iter().all(|v| v["m"] == 5 && v["n"] == 17 && v["k"] == 33));
}

#[test]
fn igemm_pipelines_lines() {
    let l = lines("igemm", "7x33x19");
    let ops = [
        ("igemm_u8s8s32", "lowp"),
        ("igemm_u8s8s32_f32", "lowp"),
        ("igemm_u8s8u8", "lowp"),
        ("igemm_u8s8u8_fixed", "lowp"),
    ];
    check(&l, &[], false, &ops, &available());
    // A single pipeline by its case name.
    let l = lines("igemm_u8s8u8", "3x5x7");
    check(&l, &[], false, &[("igemm_u8s8u8", "lowp")], &available());
}

#[test]
fn igemm_kernel_families_run_at_their_own_level() {
    let l = lines("igemm_kernels", "9x40x24");
    let isas = available();
    let has = |s: &str| isas.iter().any(|i| i == s);
    let mut want: Vec<(&str, &str)> = Vec::new();
    if has("avx512vnni") {
        want.extend([
            ("igemm_kernel_vpdpbusd_zmm", "avx512vnni"),
            ("igemm_kernel_vpdpbusd_ymm", "avx512vnni"),
        ]);
    }
    if has("avx512") {
        want.extend([
            ("igemm_kernel_chain_zmm", "avx512"),
            ("igemm_kernel_exact_zmm", "avx512"),
        ]);
    }
    if has("avx2") {
        want.extend([
            ("igemm_kernel_chain_ymm", "avx2"),
            ("igemm_kernel_exact_ymm", "avx2"),
        ]);
    }
    for (op, isa) in &want {
        check(
            &l.iter().filter(|v| v["op"] == *op).cloned().collect::<Vec<_>>(),
            &[],
            false,
            &[(op, "lowp")],
            &[isa.to_string()],
        );
    }
    assert_eq!(l.len(), 2 * want.len(), "{l:?}");
}

#[test]
fn dot_lines() {
    let l = lines("dot", "1x1x37");
    check(
        &l,
        &["dim"],
        false,
        &[("dot_f32", "lowp"), ("dot_s8", "lowp")],
        &available(),
    );
    assert!(l.iter().all(|v| v["k"] == 37 && v["dim"] == 37));
}

#[test]
fn scan_lines() {
    let l = lines("scan", "3x300x19");
    // One query (memory bound: GB/s), and many queries (a GEMM: GOP/s).
    let (many, one): (Vec<Value>, Vec<Value>) = l
        .into_iter()
        .partition(|v| v["op"].as_str().unwrap().starts_with("scan_many"));
    check(
        &one,
        &["n_vectors", "dim"],
        true,
        &[("scan_s8_ip", "lowp"), ("scan_f32_ip", "lowp")],
        &available(),
    );
    assert!(one
        .iter()
        .all(|v| v["n_vectors"] == 300 && v["dim"] == 19 && v["m"] == 1));
    check(
        &many,
        &["n_vectors", "dim", "queries"],
        false,
        &[("scan_many_s8_ip", "lowp"), ("scan_many_s8_ip_packed", "lowp")],
        &available(),
    );
    assert!(many
        .iter()
        .all(|v| v["n_vectors"] == 300 && v["dim"] == 19 && v["m"] == 3 && v["queries"] == 3));
}
