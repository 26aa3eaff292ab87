//! Golden table of the block sizes: every choice [`blocking`](super::blocking)
//! makes over a wide grid of shapes, thread counts, kernel geometries, B kinds
//! and cache sizes, hashed per group and compared with `plan_golden.txt`
//! (recorded from the driver before the blocking was gathered into one place),
//! so a change in any block size, loop order or thread grid is caught.
//! After an intended change, rewrite the table with
//! `LOWP_BLESS=1 cargo test -p lowp --lib plan_golden` and say why in the commit.

use super::blocking::{self, BKind, Geometry, LoopOrder, Request};
use super::partition::split;
use crate::context::CacheSizes;

const DIMS: [usize; 16] = [
    1, 2, 3, 4, 5, 14, 16, 17, 64, 128, 129, 256, 300, 1000, 1024, 4096,
];

const CACHES: [(&str, CacheSizes); 3] = [
    (
        "default",
        CacheSizes {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 8 << 20,
        },
    ),
    (
        "tiny",
        CacheSizes {
            l1d: 4 << 10,
            l2: 16 << 10,
            l3: 64 << 10,
        },
    ),
    (
        "48k-2m-36m",
        CacheSizes {
            l1d: 48 << 10,
            l2: 2 << 20,
            l3: 36 << 20,
        },
    ),
];

/// (name, geometry, is f32): the sgemm tiles and INT8 panel heights.
fn geometries() -> [(&'static str, Geometry, bool); 6] {
    let g = |mr, nr, k_unit, bytes| Geometry {
        mr,
        nr,
        k_unit,
        a_bytes: bytes,
        b_bytes: bytes,
    };
    [
        ("f32-14x32", g(14, 32, 1, 4), true),
        ("f32-6x16", g(6, 16, 1, 4), true),
        ("f32-4x8", g(4, 8, 1, 4), true),
        ("i8-14x32", g(14, 32, 4, 1), false),
        ("i8-8x32", g(8, 32, 4, 1), false),
        ("i8-4x16", g(4, 16, 4, 1), false),
    ]
}

/// FNV-1a over a stream of numbers.
struct Fnv(u64);

impl Fnv {
    fn push(&mut self, x: usize) {
        for b in (x as u64).to_le_bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// One line per group: its key and the hash of every choice in it.
fn table() -> Vec<String> {
    let mut lines = Vec::new();
    for (cname, caches) in CACHES {
        for (gname, geo, f32) in geometries() {
            let b_kinds: &[&str] = if f32 {
                &["pack", "prepacked-f32", "prepacked-whole-k"]
            } else {
                &["pack", "prepacked-whole-k"]
            };
            for &bname in b_kinds {
                for (kname, kc_at_least) in [("none", None), ("max", Some(usize::MAX))] {
                    for threads in 1..=3 {
                        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                        for m in DIMS {
                            for n in DIMS {
                                for k in DIMS {
                                    let b = match bname {
                                        "pack" => BKind::Pack,
                                        "prepacked-f32" => BKind::Prepacked {
                                            kc: blocking::prepacked_f32_kc(caches, geo.mr, geo.nr, k),
                                        },
                                        _ => BKind::Prepacked {
                                            kc: blocking::round_up(k, geo.k_unit),
                                        },
                                    };
                                    let p = blocking::plan(
                                        caches,
                                        &Request {
                                            geometry: geo,
                                            m,
                                            n,
                                            k,
                                            threads,
                                            b,
                                            kc_at_least,
                                        },
                                    );
                                    let (blk, grid) = (p.blocks, p.grid);
                                    for x in [m, n, k, blk.mc, blk.nc, blk.kc, grid.tm, grid.tn] {
                                        h.push(x);
                                    }
                                    for t in 0..grid.tm {
                                        let rows = split(m, grid.tm, geo.mr, t).len();
                                        h.push(usize::from(p.order(rows) == LoopOrder::OneABlock));
                                    }
                                }
                            }
                        }
                        lines.push(format!(
                            "plan {cname} {gname} b={bname} kc_at_least={kname} threads={threads} {:016x}",
                            h.0
                        ));
                    }
                }
            }
            if f32 {
                // sgemm's own paths: the prepacked depth, the cache-fit test,
                // the unpacked, small-M and dot-GEMV block sizes.
                let mut h = Fnv(0xcbf2_9ce4_8422_2325);
                for m in DIMS {
                    for n in DIMS {
                        for k in DIMS {
                            h.push(blocking::prepacked_f32_kc(caches, geo.mr, geo.nr, k));
                            for share in [2, 8] {
                                h.push(usize::from(blocking::f32_fits_l2(caches, m, k, n, Some(share))));
                                h.push(blocking::unpacked_row_major_kc(caches, m, k, n, geo.mr, share));
                            }
                            h.push(blocking::dots_cols(caches, k));
                        }
                    }
                }
                for groups in 1..=4 {
                    h.push(blocking::small_m_kc(groups));
                }
                h.push(blocking::sweep_cols());
                lines.push(format!("sgemm-paths {cname} {gname} {:016x}", h.0));
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for max_rows in [4, 6, 8, 24, 40, 42] {
        for m in 1..=5000 {
            h.push(blocking::int8_panel_rows(m, max_rows));
        }
    }
    lines.push(format!("int8-panel-rows {:016x}", h.0));
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for k in 0..=5000 {
        h.push(blocking::int8_prepacked_kc(k));
    }
    lines.push(format!("int8-prepacked-kc {:016x}", h.0));
    lines
}

#[test]
fn block_sizes_match_the_golden_table() {
    let got = table();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/gemm/plan_golden.txt");
    if std::env::var_os("LOWP_BLESS").is_some() {
        std::fs::write(path, got.join("\n") + "\n").unwrap();
        return;
    }
    let want: Vec<&str> = include_str!("plan_golden.txt").lines().collect();
    assert_eq!(
        got.len(),
        want.len(),
        "the golden table has a different number of groups"
    );
    let diff: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .map(|(g, w)| format!("got  {g}\nwant {w}"))
        .collect();
    assert!(
        diff.is_empty(),
        "block sizes changed in {} groups:\n{}",
        diff.len(),
        diff.join("\n")
    );
}
