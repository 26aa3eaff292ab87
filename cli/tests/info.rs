//! `lowp info`: text by default, one JSON object with `--json`, and a clear
//! error (non-zero exit) for a bad `LOWP_MAX_ISA`.

use serde_json::Value;
use std::process::{Command, Output};

fn lowp(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lowp"));
    cmd.args(args)
        .env_remove("LOWP_MAX_ISA")
        .env_remove("LOWP_NUM_THREADS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run lowp")
}

fn info_json(env: &[(&str, &str)]) -> Value {
    let out = lowp(&["info", "--json"], env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim().lines().count(),
        1,
        "one JSON object on one line: {text}"
    );
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn info_json_has_every_section() {
    let v = info_json(&[]);
    for key in [
        "cpu",
        "features",
        "isa",
        "threads",
        "topology",
        "caches",
        "build",
        "kernels",
        "peak_probes",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    let topo = &v["topology"];
    let allowed = topo["allowed_cpus"].as_array().unwrap();
    assert!(!allowed.is_empty(), "{topo}");
    assert!(topo["physical_cores"].as_u64().unwrap() >= 1);
    assert!(topo["physical_cores"].as_u64().unwrap() <= allowed.len() as u64);
    let nodes = topo["numa_nodes"].as_array().unwrap();
    assert!(
        nodes.iter().any(|n| !n["cpus"].as_array().unwrap().is_empty()),
        "{topo}"
    );
    assert!(topo["smt_siblings"].as_array().is_some());
    for level in ["l1d", "l2", "l3"] {
        assert!(topo["caches"][level].as_array().is_some(), "{level}: {topo}");
    }
    let plan = &topo["thread_plan"];
    assert_eq!(plan["threads"], v["threads"]["threads"]);
    assert_eq!(plan["affinity"], "none");
    let avail: Vec<&str> = v["isa"]["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(avail[0], "scalar");
    let selected = v["isa"]["selected"].as_str().unwrap();
    assert_eq!(selected, *avail.last().unwrap());
    assert_eq!(v["isa"]["choice"], "best");
    // A kernel table per available level.
    let kernels = v["kernels"].as_object().unwrap();
    assert_eq!(kernels.keys().map(|k| k.as_str()).collect::<Vec<_>>(), avail);
    assert!(v["features"]["avx2"].is_boolean());
    assert!(v["threads"]["threads"].as_u64().unwrap() >= 1);
    assert!(v["caches"]["l1d"].as_u64().unwrap() > 0);
    assert!(v["build"]["rustc"].as_str().unwrap().contains("rustc"));
}

#[test]
fn info_reports_the_env_cap_and_threads() {
    let v = info_json(&[("LOWP_MAX_ISA", "scalar"), ("LOWP_NUM_THREADS", "3")]);
    assert_eq!(v["isa"]["selected"], "scalar");
    assert_eq!(v["isa"]["choice"], "env");
    assert_eq!(v["isa"]["env_max_isa"], "scalar");
    assert_eq!(v["threads"]["threads"], 3);
    assert_eq!(v["threads"]["source"], "LOWP_NUM_THREADS=3");
}

/// `LOWP_MAX_ISA` is a maximum (like `ONEDNN_MAX_CPU_ISA`): every level
/// name works on every machine and selects the best available level not
/// above it (`avx2vnni` on an AVX-512 CPU without AVX-VNNI runs `avx2`).
#[test]
fn lowp_max_isa_is_a_maximum_on_every_machine() {
    let avail: Vec<String> = info_json(&[])["isa"]["available"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let order = ["scalar", "avx2", "avx2vnni", "avx512", "avx512vnni"];
    for (i, cap) in order.iter().enumerate() {
        let v = info_json(&[("LOWP_MAX_ISA", cap)]);
        let want = order[..=i]
            .iter()
            .rev()
            .find(|l| avail.iter().any(|a| a == *l))
            .unwrap();
        assert_eq!(v["isa"]["selected"], *want, "LOWP_MAX_ISA={cap}");
        assert_eq!(v["isa"]["env_max_isa"], *cap);
    }
}

#[test]
fn no_subcommand_prints_the_text_report() {
    let out = lowp(&[], &[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for heading in [
        "CPU",
        "Detected features",
        "ISA levels",
        "Threads",
        "Topology",
        "thread plan:",
        "Caches",
        "Build",
        "Kernels per ISA level",
        "Quick benchmark",
    ] {
        assert!(text.contains(heading), "no {heading:?} in:\n{text}");
    }
    assert!(text.contains("selected: "), "{text}");
    // The quick benchmark: the main kernels with % of their peak.
    for op in ["sgemm", "igemm_u8s8s32", "dot_s8", "scan_s8_ip"] {
        assert!(text.contains(&format!("  {op} ")), "no {op} in:\n{text}");
    }
    // It ends pointing at the README's usage section.
    let tail: Vec<&str> = text.trim_end().lines().rev().take(2).collect();
    assert!(tail[1].contains("Use lowp from your crate"), "{tail:?}");
    assert!(tail[0].contains("LOWP_VERBOSE=1"), "{tail:?}");
    if text.contains("avx512vnni  1") {
        assert!(text.contains("% of peak_vpdpbusd_zmm"), "{text}");
    }
    // `--no-bench` and the explicit `info` print the report only.
    for args in [&["--no-bench"][..], &["info"][..]] {
        let out = lowp(args, &[]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Topology") && !text.contains("Quick benchmark"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn bad_lowp_max_isa_fails_naming_the_variable() {
    for args in [
        &[][..],
        &["info", "--json"][..],
        &["bench", "--op", "peak_read_bw"][..],
    ] {
        let out = lowp(args, &[("LOWP_MAX_ISA", "bogus")]);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("LOWP_MAX_ISA") && err.contains("bogus"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
    let out = lowp(&["info"], &[("LOWP_NUM_THREADS", "zero")]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("LOWP_NUM_THREADS"));
}
