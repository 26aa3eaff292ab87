//! Topology parsing against recorded sysfs trees (tests/fixtures/sysfs) and
//! hand-made broken trees, checked against answers known by hand.

use lowp::topology::{parse_cpu_list, CacheSizes, Topology};
use lowp::Error;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sysfs")
        .join(name)
}

fn load(name: &str) -> Topology {
    Topology::from_sysfs(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn list(s: &str) -> Vec<usize> {
    parse_cpu_list("test", s).unwrap()
}

/// A scratch sysfs root, removed on drop.
struct Tree(PathBuf);

impl Tree {
    fn new(name: &str) -> Tree {
        let p = std::env::temp_dir().join(format!("lowp-topo-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Tree(p)
    }
    fn file(&self, rel: &str, content: &str) -> &Self {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
        self
    }
    fn cache(&self, cpu: usize, index: usize, level: usize, ty: &str, size: &str, shared: &str) -> &Self {
        let d = format!("devices/system/cpu/cpu{cpu}/cache/index{index}");
        self.file(&format!("{d}/level"), &format!("{level}\n"))
            .file(&format!("{d}/type"), &format!("{ty}\n"))
            .file(&format!("{d}/size"), &format!("{size}\n"))
            .file(&format!("{d}/shared_cpu_list"), &format!("{shared}\n"))
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn zen4_2core() {
    let t = load("zen4-2core");
    assert_eq!(t.online_cpus(), vec![0, 1]);
    assert_eq!(t.allowed_cpus(), &[0, 1]);
    assert_eq!(t.physical_cores(), vec![0, 1]);
    assert_eq!(t.smt_siblings(0), Some(&[0][..]));
    assert_eq!(t.smt_siblings(1), Some(&[1][..]));
    assert_eq!(t.smt_siblings(2), None);
    assert_eq!(t.cpu(1).unwrap().core_id, 1);
    assert_eq!(t.cpu(1).unwrap().package_id, 0);
    assert_eq!(t.num_packages(), 1);
    assert_eq!(t.nodes().len(), 1);
    assert_eq!(t.cpus_of_node(0), Some(&[0, 1][..]));
    assert_eq!(t.cpus_of_node(1), None);
    assert_eq!(
        t.cache_sizes(),
        CacheSizes {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 32 << 20
        }
    );
    assert_eq!(t.l3_shared_cpus(0), Some(&[0, 1][..]));
    assert!(t.notes().is_empty(), "{:?}", t.notes());
    let line = t.to_string();
    assert!(
        line.contains("2 physical cores") && line.contains("shared by 2 CPUs"),
        "{line}"
    );
}

#[test]
fn xeon_2s_smt() {
    let t = load("xeon-2s-smt");
    assert_eq!(t.online_cpus(), (0..16).collect::<Vec<_>>());
    assert_eq!(t.physical_cores(), (0..8).collect::<Vec<_>>());
    assert_eq!(t.smt_siblings(9), Some(&[1, 9][..]));
    assert_eq!(t.smt_siblings(4), Some(&[4, 12][..]));
    // Core ids repeat across packages and skip numbers.
    let ids: Vec<(usize, usize)> = t.cpus().iter().map(|c| (c.package_id, c.core_id)).collect();
    assert_eq!(
        &ids[..8],
        &[(0, 0), (0, 1), (0, 4), (0, 5), (1, 0), (1, 1), (1, 4), (1, 5)]
    );
    assert_eq!(ids[10], (0, 4));
    assert_eq!(t.num_packages(), 2);
    let nodes: Vec<usize> = t.nodes().iter().map(|n| n.id).collect();
    assert_eq!(nodes, vec![0, 1, 2]);
    assert_eq!(t.cpus_of_node(0).unwrap(), list("0-3,8-11").as_slice());
    assert_eq!(t.cpus_of_node(1).unwrap(), list("4-7,12-15").as_slice());
    assert_eq!(t.cpus_of_node(2), Some(&[][..]), "memory-only node");
    assert_eq!(t.cpu(13).unwrap().node, 1);
    assert_eq!(t.cpu(10).unwrap().node, 0);
    assert_eq!(
        t.cache_sizes(),
        CacheSizes {
            l1d: 48 << 10,
            l2: 2 << 20,
            l3: 7680 << 10
        }
    );
    assert_eq!(t.l3_shared_cpus(13).unwrap(), list("4-7,12-15").as_slice());
    assert!(t.notes().is_empty(), "{:?}", t.notes());
}

#[test]
fn xeon_restricted_by_affinity_mask() {
    // taskset -c 1,8,9,99: 99 is not online and is dropped; CPU 8's sibling 0
    // is not allowed, so 8 stands for its core.
    let t = Topology::from_sysfs(&fixture("xeon-2s-smt"), Some(&[9, 8, 1, 99])).unwrap();
    assert_eq!(t.allowed_cpus(), &[1, 8, 9]);
    assert!(t.is_allowed(9) && !t.is_allowed(0) && !t.is_allowed(99));
    assert_eq!(t.physical_cores(), vec![1, 8]);
    // The machine itself is unchanged.
    assert_eq!(t.online_cpus().len(), 16);
    assert_eq!(t.smt_siblings(8), Some(&[0, 8][..]));
    let again = load("xeon-2s-smt").restrict(&[1, 8, 9]).unwrap();
    assert_eq!(again, t);

    let e = Topology::from_sysfs(&fixture("xeon-2s-smt"), Some(&[16, 40])).unwrap_err();
    assert!(
        matches!(&e, Error::Topology { msg } if msg.contains("16,40") && msg.contains("0-15")),
        "{e}"
    );
}

#[test]
fn no_numa() {
    let t = load("no-numa");
    // No cpu/online file: the cpuN directories say which CPUs exist.
    assert_eq!(t.online_cpus(), vec![0, 1, 2, 3]);
    assert_eq!(t.smt_siblings(1), Some(&[0, 1][..]));
    assert_eq!(t.smt_siblings(2), Some(&[2, 3][..]));
    assert_eq!(t.physical_cores(), vec![0, 2]);
    assert_eq!(t.nodes().len(), 1);
    assert_eq!(t.cpus_of_node(0), Some(&[0, 1, 2, 3][..]));
    assert!(t.cpus().iter().all(|c| c.node == 0));
    assert_eq!(
        t.cache_sizes(),
        CacheSizes {
            l1d: 32 << 10,
            l2: 512 << 10,
            l3: 16 << 20
        }
    );
    assert_eq!(t.notes().len(), 1);
    assert!(t.notes()[0].contains("NUMA"), "{:?}", t.notes());
}

#[test]
fn bare_cpu_dirs_fall_back() {
    // Only cpuN directories: no topology, no caches, no nodes; cpu2 offline.
    let tree = Tree::new("bare");
    tree.file("devices/system/cpu/cpu0/uevent", "")
        .file("devices/system/cpu/cpu1/online", "1\n")
        .file("devices/system/cpu/cpu2/online", "0\n")
        .file("devices/system/cpu/cpufreq/uevent", "");
    let t = Topology::from_sysfs(&tree.0, None).unwrap();
    assert_eq!(t.online_cpus(), vec![0, 1]);
    assert_eq!(t.physical_cores(), vec![0, 1]);
    assert_eq!(t.smt_siblings(1), Some(&[1][..]));
    assert_eq!(t.cpu(1).unwrap().core_id, 1);
    assert_eq!(t.cache_sizes(), CacheSizes::default());
    assert_eq!(t.cpus_of_node(0), Some(&[0, 1][..]));
    assert_eq!(t.notes().len(), 3, "{:?}", t.notes());
}

#[test]
fn nothing_readable_is_an_error() {
    let tree = Tree::new("empty");
    let e = Topology::from_sysfs(&tree.0, None).unwrap_err();
    assert!(
        matches!(&e, Error::Topology { msg } if msg.contains("no online CPU")),
        "{e}"
    );
    let e = Topology::from_sysfs(&tree.0.join("does-not-exist"), None).unwrap_err();
    assert!(matches!(e, Error::Topology { .. }));
    assert!(matches!(Topology::flat(&[]), Err(Error::Topology { .. })));
}

#[test]
fn siblings_from_core_ids_and_core_cpus_list() {
    // cpu0/cpu1 share (package 0, core 3) but have no sibling lists; cpu2 and
    // cpu3 name each other in core_cpus_list only (newer kernels' name).
    let tree = Tree::new("siblings");
    tree.file("devices/system/cpu/online", "0-3\n");
    for c in 0..2 {
        tree.file(&format!("devices/system/cpu/cpu{c}/topology/core_id"), "3\n")
            .file(
                &format!("devices/system/cpu/cpu{c}/topology/physical_package_id"),
                "0\n",
            );
    }
    for c in 2..4 {
        tree.file(&format!("devices/system/cpu/cpu{c}/topology/core_id"), "7\n")
            .file(
                &format!("devices/system/cpu/cpu{c}/topology/physical_package_id"),
                "-1\n",
            )
            .file(
                &format!("devices/system/cpu/cpu{c}/topology/core_cpus_list"),
                "2-3\n",
            );
    }
    let t = Topology::from_sysfs(&tree.0, None).unwrap();
    assert_eq!(t.smt_siblings(1), Some(&[0, 1][..]));
    assert_eq!(t.smt_siblings(3), Some(&[2, 3][..]));
    assert_eq!(t.physical_cores(), vec![0, 2]);
    assert_eq!(
        t.cpu(3).unwrap().package_id,
        0,
        "an unknown (-1) package id reads as 0"
    );
}

#[test]
fn hybrid_caches_take_the_smallest() {
    // A P-core (CPU 0) and an E-core (CPU 1) with different L1d/L2; only the
    // P-core reports an L3. CPUs not on any listed node go to the first node.
    let tree = Tree::new("hybrid");
    tree.file("devices/system/cpu/online", "0-1\n")
        .cache(0, 0, 1, "Data", "48K", "0")
        .cache(0, 1, 2, "Unified", "2048K", "0")
        .cache(0, 2, 3, "Unified", "24M", "0-1")
        .cache(1, 0, 1, "Data", "32K", "1")
        .cache(1, 1, 1, "Instruction", "64K", "1")
        .cache(1, 2, 2, "Unified", "4096K", "1")
        .file("devices/system/node/node0/cpulist", "0\n");
    let t = Topology::from_sysfs(&tree.0, None).unwrap();
    assert_eq!(
        t.cache_sizes(),
        CacheSizes {
            l1d: 32 << 10,
            l2: 2 << 20,
            l3: 24 << 20
        }
    );
    assert_eq!(t.cache_sizes_of(&[1]).l1d, 32 << 10);
    assert_eq!(t.cache_sizes_of(&[1]).l3, CacheSizes::default().l3);
    assert_eq!(t.cache_sizes_of(&[0]).l2, 2 << 20);
    assert_eq!(
        t.cache_sizes_of(&[77]),
        t.cache_sizes(),
        "unknown CPUs: the allowed set"
    );
    assert_eq!(t.cpus_of_node(0), Some(&[0, 1][..]));
    assert_eq!(t.cpu(1).unwrap().node, 0);
    assert!(
        t.notes().iter().any(|n| n.contains("no NUMA node")),
        "{:?}",
        t.notes()
    );
}

#[test]
fn detect_matches_this_process() {
    let t = Topology::detect().unwrap();
    assert!(!t.allowed_cpus().is_empty());
    for &c in t.allowed_cpus() {
        assert!(t.cpu(c).is_some(), "allowed CPU {c} is not online");
    }
    let pc = t.physical_cores();
    assert!(!pc.is_empty() && pc.len() <= t.allowed_cpus().len());
    #[cfg(target_os = "linux")]
    {
        let mask = lowp::threading::current_affinity().unwrap();
        let mut expect: Vec<usize> = mask.into_iter().filter(|&c| t.cpu(c).is_some()).collect();
        expect.sort_unstable();
        assert_eq!(t.allowed_cpus(), expect.as_slice());
    }
}

#[test]
fn flat_topology() {
    let t = Topology::flat(&[3, 1, 3]).unwrap();
    assert_eq!(t.online_cpus(), vec![1, 3]);
    assert_eq!(t.physical_cores(), vec![1, 3]);
    assert_eq!(t.cache_sizes(), CacheSizes::default());
    assert_eq!(t.cpus_of_node(0), Some(&[1, 3][..]));
}

#[test]
fn cache_sizes_path_is_unchanged() {
    // lowp::CacheSizes and lowp::topology::CacheSizes are one type.
    let c: lowp::CacheSizes = CacheSizes::default();
    assert_eq!(c.l1d, 32 << 10);
}
