//! `lowp bench`: the peak probes through the harness, with tiny probe sizes
//! (this checks output and schema, not speed).

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

fn lowp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lowp"))
        .args(args)
        .env_remove("LOWP_MAX_ISA")
        .env_remove("LOWP_NUM_THREADS")
        .output()
        .expect("run lowp")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lowp-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const TINY: &[&str] = &["--quick", "--probe-macs", "65536", "--probe-bytes", "1048576"];

fn bench(extra: &[&str]) -> Output {
    let mut args = vec!["bench"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    let out = lowp(&args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn available_probes() -> Vec<String> {
    let out = lowp(&["info", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["peak_probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn json_lines_follow_the_schema() {
    let path = tmp("peak.jsonl");
    let out = bench(&[
        "--op",
        "peak",
        "--threads",
        "1,2",
        "--json",
        path.to_str().unwrap(),
    ]);
    let table = String::from_utf8(out.stdout).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    let probes = available_probes();
    assert_eq!(lines.len(), 2 * probes.len(), "{text}");
    for v in &lines {
        let o = v.as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(|k| k.as_str()).collect();
        let op = o["op"].as_str().unwrap();
        let mut want = vec!["op", "m", "n", "k", "threads", "isa", "impl", "seconds", "gops"];
        if op == "peak_read_bw" || op == "peak_read_bw_l3" || op == "peak_triad" {
            want.push("gbytes_per_s");
            assert!(o["gbytes_per_s"].as_f64().unwrap() > 0.0);
        }
        assert_eq!(keys, want, "{v}");
        assert!(probes.iter().any(|p| p == op), "{op} is not an available probe");
        assert!(
            o["seconds"].as_f64().unwrap() > 0.0 && o["gops"].as_f64().unwrap() > 0.0,
            "{v}"
        );
        assert!(["1", "2"].contains(&o["threads"].to_string().as_str()));
        assert_eq!(o["impl"], "probe");
        assert!(table.contains(op), "table lacks {op}:\n{table}");
    }
    // Each probe once per thread count.
    for p in &probes {
        assert_eq!(lines.iter().filter(|v| v["op"] == p.as_str()).count(), 2, "{p}");
    }
}

#[test]
fn isa_filter_and_single_probe() {
    let out = bench(&["--op", "peak", "--isa", "scalar", "--threads", "1", "--json", "-"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let ops: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["op"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // Only the memory probes run at the scalar level.
    assert_eq!(ops, ["peak_read_bw", "peak_read_bw_l3", "peak_triad"], "{text}");
    let out = bench(&["--op", "peak_triad", "--threads", "1", "--json", "-"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    for (args, needle) in [
        (&["bench", "--op", "no_such_op"][..], "no_such_op"),
        (&["bench", "--isa", "bogus"][..], "bogus"),
        (&["bench", "--threads", "0"][..], "--threads"),
        (&["bench", "--shapes", "12x7"][..], "--shapes"),
        (&["bench", "--compare", "nope"][..], "nope"),
    ] {
        let out = lowp(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn compare_and_plot() {
    let svg = tmp("peak.svg");
    let out = bench(&[
        "--compare",
        "chain-vs-vnni",
        "--threads",
        "1",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("chain-vs-vnni"), "{text}");
    if available_probes().iter().any(|p| p == "peak_vpdpbusd_zmm") {
        assert!(
            text.contains("peak vpdpbusd zmm") && text.contains("(1.00x)"),
            "{text}"
        );
        assert!(text.contains("peak chain u8s8 zmm"), "{text}");
    }
    let doc = std::fs::read_to_string(&svg).unwrap();
    assert!(
        doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"),
        "{doc}"
    );
    assert!(doc.contains("GOP/s"), "axis description missing");
    if available_probes().iter().any(|p| p == "peak_chain_u8s8_ymm") {
        assert!(doc.contains("peak_chain_u8s8_ymm"), "x labels missing");
    }
}

#[test]
fn list_names_ops_and_comparisons() {
    let out = lowp(&["bench", "--list"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("peak") && text.contains("peak_read_bw") && text.contains("chain-vs-vnni"),
        "{text}"
    );
}

#[test]
fn conv_ops_run_the_shapes_given() {
    let out = bench(&[
        "--op",
        "conv2d_f32,conv3d_f32,sgemm",
        "--threads",
        "1",
        "--shapes",
        "6x5x8:16x3x3:s2,3x4x4x8:8x3x3x3:p0",
        "--json",
        "-",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    let isas = lines.iter().filter(|v| v["op"] == "conv2d_f32").count();
    assert!(isas >= 1, "{text}");
    // Each layer once per level; sgemm has no MxNxK entry, so it runs nothing.
    assert_eq!(lines.len(), 2 * isas, "{text}");
    for v in &lines {
        let o = v.as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(|k| k.as_str()).collect();
        let three_d = o["op"] == "conv3d_f32";
        let mut want = vec![
            "op", "m", "n", "k", "h", "w", "c", "r", "s", "stride", "pad", "groups",
        ];
        if three_d {
            want.extend(["d", "t"]);
        }
        want.extend(["algorithm", "threads", "isa", "impl", "seconds", "gops"]);
        assert_eq!(keys, want, "{v}");
        assert_eq!(o["algorithm"], "indirect", "{v}");
        assert!(o["gops"].as_f64().unwrap() > 0.0, "{v}");
        if three_d {
            // 3x4x4x8 -> 8, 3x3x3, no padding: 1x2x2 outputs of depth 8·27.
            assert_eq!(
                (&o["d"], &o["h"], &o["t"], &o["pad"]),
                (&json!(3), &json!(4), &json!(3), &json!(0))
            );
            assert_eq!((&o["m"], &o["n"], &o["k"]), (&json!(4), &json!(8), &json!(8)));
        } else {
            // 6x5x8 -> 16, 3x3, stride 2, padding 1: 3x3 outputs.
            assert_eq!(
                (&o["h"], &o["w"], &o["stride"], &o["pad"]),
                (&json!(6), &json!(5), &json!(2), &json!(1))
            );
            assert_eq!((&o["m"], &o["n"], &o["k"]), (&json!(9), &json!(16), &json!(16)));
        }
    }
    // INT8: the algorithm of the plan at each level (the indirect kernel
    // where the level has it), in the JSON and the table.
    let out = lowp(&[
        "bench",
        "--quick",
        "--op",
        "conv2d_u8s8s32",
        "--isa",
        "all",
        "--threads",
        "1",
        "--shapes",
        "6x5x8:16x3x3:s2",
        "--json",
        "-",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    assert!(!lines.is_empty(), "{text}");
    for v in &lines {
        let want = match v["isa"] == "avx512vnni" {
            true => "indirect-kernel",
            false => "indirect",
        };
        assert_eq!(v["algorithm"], want, "{v}");
    }
    let out = lowp(&[
        "bench",
        "--quick",
        "--op",
        "conv2d_u8s8s32",
        "--threads",
        "1",
        "--shapes",
        "6x5x8:16x3x3:s2",
    ]);
    let table = String::from_utf8(out.stdout).unwrap();
    let want = match lines.iter().any(|v| v["isa"] == "avx512vnni") {
        true => "6x5x8->16 3x3 s2 indirect-kernel",
        false => "6x5x8->16 3x3 s2 indirect",
    };
    assert!(table.contains(want), "{table}");
    let out = lowp(&["bench", "--op", "conv2d_f32", "--shapes", "6x5x8:16x3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("6x5x8:16x3"));
}
