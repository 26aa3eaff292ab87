//! The harness with a test-only registry entry (it is not registered in
//! `lowp bench`): per-level cases, shape override, op-specific JSON fields,
//! matching peaks measured on demand, table, comparison and plot.

use lowp::peak::Work;
use lowp::Isa;
use lowp_cli::bench::case::{
    peak_fma_f32, peak_read_bw, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape,
};
use lowp_cli::bench::{collect, compare, json, plot, table, BenchArgs, Measurement};
use serde_json::json;
use std::hint::black_box;

/// A dot product of length m·n·k on the calling thread: enough to time.
fn cases(opts: &CaseOpts) -> Vec<Case> {
    let shapes = opts
        .shapes
        .clone()
        .unwrap_or_else(|| vec![Shape::mnk(2, 3, 64), Shape::mnk(4, 4, 64)]);
    let mut out: Vec<Case> = shapes
        .into_iter()
        .map(|shape| {
            let len = shape.m * shape.n * shape.k;
            Case {
                op: "test_dot".into(),
                impl_name: "lowp",
                label: None,
                isas: IsaSel::Each,
                memory_bound: false,
                is_peak: false,
                peak_for: peak_fma_f32,
                shape: Shape {
                    extra: vec![("groups", json!(1))],
                    ..shape
                },
                setup: Box::new(move |_ctx| {
                    let a: Vec<f32> = (0..len).map(|i| i as f32).collect();
                    Ok(Box::new(move || {
                        black_box(a.iter().map(|x| x * x).sum::<f32>());
                        Work {
                            ops: 2.0 * len as f64,
                            bytes: 0.0,
                        }
                    }))
                }),
            }
        })
        .collect();
    out.push(Case {
        op: "test_scan".into(),
        impl_name: "lowp",
        label: Some("1 KiB".into()),
        isas: IsaSel::Once(Isa::Scalar),
        memory_bound: true,
        is_peak: false,
        peak_for: peak_read_bw,
        shape: Shape::mnk(1, 256, 1),
        setup: Box::new(|_ctx| {
            let v = vec![1u32; 256];
            Ok(Box::new(move || {
                black_box(v.iter().sum::<u32>());
                Work {
                    ops: 256.0,
                    bytes: 1024.0,
                }
            }))
        }),
    });
    out
}

fn compare_rows(name: &str) -> Vec<CompareRow> {
    if name != "chain-vs-vnni" {
        return vec![];
    }
    vec![CompareRow {
        label: "test dot at avx2".into(),
        op: "test_dot".into(),
        isa: Some(Isa::Avx2),
        impl_name: Some("lowp"),
    }]
}

const TEST_ENTRY: OpEntry = OpEntry {
    name: "test",
    about: "test-only op",
    cases,
    compare: compare_rows,
};

fn args(extra: impl FnOnce(&mut BenchArgs)) -> BenchArgs {
    let mut a = BenchArgs {
        isa: "all".into(),
        threads: vec![1, 2],
        quick: true,
        probe_macs: Some(1 << 16),
        probe_bytes: Some(1 << 20),
        ..Default::default()
    };
    extra(&mut a);
    a
}

fn run(a: &BenchArgs) -> Vec<Measurement> {
    collect(a, &[&TEST_ENTRY]).unwrap()
}

#[test]
fn each_level_each_thread_count_with_matching_peaks() {
    let results = run(&args(|_| {}));
    // `--isa all` means every available level up to the LOWP_MAX_ISA cap (CI
    // runs the suite once more with LOWP_MAX_ISA=avx2).
    let cap = lowp::Context::from_env().unwrap().isa();
    let levels: Vec<Isa> = Isa::available().into_iter().filter(|i| *i <= cap).collect();
    let dots: Vec<&Measurement> = results.iter().filter(|r| r.op == "test_dot").collect();
    assert_eq!(dots.len(), 2 * 2 * levels.len());
    for isa in &levels {
        for t in [1, 2] {
            assert_eq!(dots.iter().filter(|r| r.isa == *isa && r.threads == t).count(), 2);
        }
    }
    for r in &dots {
        assert!(r.gops > 0.0 && r.seconds > 0.0 && r.gbytes_per_s.is_none());
        let want = peak_fma_f32(r.isa).filter(|p| lowp::peak::find(p).is_some_and(|p| p.is_available()));
        assert_eq!(r.peak.map(|p| p.0), want, "{r:?}");
        if want.is_some() {
            assert!(r.percent_of_peak().unwrap() > 0.0);
        }
    }
    let scans: Vec<&Measurement> = results.iter().filter(|r| r.op == "test_scan").collect();
    assert_eq!(scans.len(), 2, "once per thread count, whatever the levels");
    for r in scans {
        assert_eq!(r.isa, Isa::Scalar);
        assert!(r.gbytes_per_s.unwrap() > 0.0);
        assert_eq!(r.peak.unwrap().0, "peak_read_bw");
        assert!(r.peak.unwrap().1 > 0.0);
    }
    let t = table::render(&results);
    assert!(
        t.contains("test_dot") && t.contains("2x3x64") && t.contains("1 KiB"),
        "{t}"
    );
    assert!(t.contains("% of peak_read_bw"), "{t}");
}

#[test]
fn interleaved_timing_measures_the_same_plan() {
    let a = args(|a| {
        a.interleave = true;
        a.threads = vec![1];
    });
    let results = run(&a);
    let plain = run(&args(|a| a.threads = vec![1]));
    let key = |r: &Measurement| (r.op.clone(), r.label.clone(), r.isa, r.threads);
    assert_eq!(
        results.iter().map(key).collect::<Vec<_>>(),
        plain.iter().map(key).collect::<Vec<_>>()
    );
    for r in &results {
        assert!(r.seconds > 0.0 && r.gops > 0.0, "{r:?}");
    }
}

#[test]
fn shapes_isa_and_op_selection() {
    let a = args(|a| {
        a.isa = "scalar".into();
        a.threads = vec![1];
        a.op = vec!["test_dot".into()];
        a.shapes = vec!["3x5x7".into()];
    });
    let results = run(&a);
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!((r.shape.m, r.shape.n, r.shape.k, r.isa), (3, 5, 7, Isa::Scalar));
    let line = json::line(r);
    let keys: Vec<&str> = line.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        ["op", "m", "n", "k", "groups", "threads", "isa", "impl", "seconds", "gops"]
    );
    assert_eq!(line["isa"], "scalar");
    assert_eq!(line["impl"], "lowp");
    assert!(collect(&args(|a| a.op = vec!["nope".into()]), &[&TEST_ENTRY]).is_err());
}

#[test]
fn compare_rows_come_from_the_entries() {
    if !Isa::Avx2.is_available() {
        return;
    }
    let a = args(|a| a.compare = Some("chain-vs-vnni".into()));
    let results = run(&a);
    let text = compare::render("chain-vs-vnni", &compare_rows("chain-vs-vnni"), &results);
    assert!(
        text.contains("test dot at avx2 2x3x64") && text.contains("(1.00x)"),
        "{text}"
    );
    assert!(text.contains("test dot at avx2 4x4x64"), "{text}");
}

#[test]
fn plot_with_peak_lines() {
    let results = run(&args(|a| a.threads = vec![1]));
    let path = std::env::temp_dir().join(format!("lowp-harness-{}.svg", std::process::id()));
    plot::draw(&path, &results).unwrap();
    let doc = std::fs::read_to_string(&path).unwrap();
    assert!(doc.contains("test_dot 2x3x64") && doc.contains("test_scan 1 KiB"));
    if let Ok(keep) = std::env::var("LOWP_KEEP_PLOT") {
        std::fs::copy(&path, keep).unwrap();
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn peak_helpers_name_real_probes() {
    for isa in Isa::ALL {
        for name in [peak_fma_f32(isa), peak_u8s8(isa), peak_read_bw(isa)]
            .into_iter()
            .flatten()
        {
            let probe = lowp::peak::find(name).unwrap_or_else(|| panic!("{name} is no probe"));
            assert!(probe.isa() <= isa, "{name} is above {isa}");
        }
    }
}
