//! The machine as Linux describes it in sysfs: online CPUs, physical cores,
//! SMT siblings, packages, NUMA nodes and cache sizes.
//!
//! Everything is read from a root path (`/sys` on a live machine), so tests
//! can feed recorded trees of other machines:
//!
//! - `devices/system/cpu/online` (or the `cpuN` directories and their `online` files),
//! - `devices/system/cpu/cpuN/topology/{core_id,physical_package_id,thread_siblings_list}`
//!   (`core_cpus_list` when `thread_siblings_list` is absent),
//! - `devices/system/cpu/cpuN/cache/index*/{level,type,size,shared_cpu_list}`,
//! - `devices/system/node/nodeN/cpulist`.
//!
//! Missing pieces fall back to something safe and are listed in
//! [`Topology::notes`]: no node directory gives one node holding every CPU, no
//! topology directory makes each CPU its own core in package 0, no cache
//! directory gives [`CacheSizes::default`]. Only a tree where no CPU at all
//! can be found is an error.
//!
//! Cache sizes come from sysfs rather than CPUID because sysfs says what *this*
//! CPU sees: on AMD guests CPUID 0x80000006 reports the host package's L3.
//!
//! ```
//! use lowp::topology::Topology;
//! // One CPU per physical core among the CPUs this process may run on.
//! let topo = Topology::detect().or_else(|_| Topology::flat(&[0]))?;
//! assert!(!topo.physical_cores().is_empty());
//! # Ok::<(), lowp::Error>(())
//! ```

use crate::error::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

/// Cache sizes used to derive block sizes, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheSizes {
    /// L1 data cache per core.
    pub l1d: usize,
    /// L2 per core.
    pub l2: usize,
    /// L3 visible to this CPU (the slice shared by its core complex).
    pub l3: usize,
}

impl Default for CacheSizes {
    /// Conservative sizes for when nothing can be read: 32 KiB, 1 MiB, 8 MiB.
    fn default() -> Self {
        CacheSizes {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 8 << 20,
        }
    }
}

/// The caches one CPU sees, as sysfs reports them (`None`: not reported).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CpuCaches {
    /// L1 data cache, bytes.
    pub l1d: Option<usize>,
    /// L2 cache, bytes.
    pub l2: Option<usize>,
    /// L3 cache as this CPU sees it, bytes.
    pub l3: Option<usize>,
    /// The online CPUs sharing that L3 (this CPU included); empty when unknown.
    pub l3_shared_cpus: Vec<usize>,
}

/// One online logical CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CpuInfo {
    /// The CPU number the kernel uses (`cpuN`, `sched_setaffinity`).
    pub cpu: usize,
    /// Core id, unique within its package (not necessarily contiguous).
    pub core_id: usize,
    /// Physical package (socket) id.
    pub package_id: usize,
    /// NUMA node id.
    pub node: usize,
    /// Online SMT siblings sharing this CPU's physical core, this CPU included, ascending.
    pub siblings: Vec<usize>,
    /// The caches this CPU sees.
    pub caches: CpuCaches,
}

/// One NUMA node.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NumaNode {
    /// Node id (`nodeN`).
    pub id: usize,
    /// Its online CPUs, ascending (empty for a memory-only node).
    pub cpus: Vec<usize>,
}

/// The online CPUs of a machine, their cores, packages, NUMA nodes and
/// caches, and the subset this process may run on (its affinity mask).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    cpus: Vec<CpuInfo>,
    nodes: Vec<NumaNode>,
    allowed: Vec<usize>,
    notes: Vec<String>,
}

impl Topology {
    /// Reads `/sys` and keeps the CPUs of the calling thread's affinity mask
    /// (`sched_getaffinity`: respects `taskset`, `numactl`, cpusets).
    ///
    /// The sysfs tree is read once per process and cached (CPU hotplug after
    /// the first call is not seen); the affinity mask is read on every call.
    /// `Err(Error::Topology)` when `/sys` has no CPU to read (not Linux, or
    /// sysfs not mounted).
    pub fn detect() -> Result<Topology> {
        static SYSFS: OnceLock<Result<Topology>> = OnceLock::new();
        let base = SYSFS
            .get_or_init(|| Topology::from_sysfs(Path::new("/sys"), None))
            .clone()?;
        match crate::threading::current_affinity() {
            Some(mask) => base.restrict(&mask),
            None => Ok(base),
        }
    }

    /// Reads the sysfs tree under `root` (e.g. `/sys`, or a recorded tree).
    /// `allowed`: the CPUs the process may run on (`None`: every online CPU);
    /// CPUs that are not online are dropped from it.
    ///
    /// `Err(Error::Topology)` when no CPU can be found under `root`, or when
    /// none of `allowed` is online.
    pub fn from_sysfs(root: &Path, allowed: Option<&[usize]>) -> Result<Topology> {
        let cpu_dir = root.join("devices/system/cpu");
        let mut notes = Vec::new();
        let online = read_online(&cpu_dir)?;
        let online_set: BTreeSet<usize> = online.iter().copied().collect();

        // Per-CPU topology and caches.
        struct Raw {
            cpu: usize,
            core_id: Option<usize>,
            package_id: Option<usize>,
            siblings: Option<Vec<usize>>,
            caches: CpuCaches,
            has_cache_dir: bool,
        }
        let mut raws = Vec::with_capacity(online.len());
        for &cpu in &online {
            let dir = cpu_dir.join(format!("cpu{cpu}"));
            let topo = dir.join("topology");
            let siblings = read_cpu_list(&topo.join("thread_siblings_list"))
                .or_else(|| read_cpu_list(&topo.join("core_cpus_list")))
                .map(|s| {
                    s.into_iter()
                        .filter(|c| online_set.contains(c))
                        .collect::<Vec<_>>()
                });
            let (caches, has_cache_dir) = read_caches(&dir.join("cache"), &online_set);
            raws.push(Raw {
                cpu,
                core_id: read_usize(&topo.join("core_id")),
                package_id: read_usize(&topo.join("physical_package_id")),
                siblings,
                caches,
                has_cache_dir,
            });
        }
        let no_topology: Vec<usize> = raws
            .iter()
            .filter(|r| r.core_id.is_none() && r.siblings.is_none())
            .map(|r| r.cpu)
            .collect();
        if !no_topology.is_empty() {
            notes.push(format!(
                "no core topology for CPUs {}: each taken as its own core",
                format_cpu_list(&no_topology)
            ));
        }
        let no_cache: Vec<usize> = raws.iter().filter(|r| !r.has_cache_dir).map(|r| r.cpu).collect();
        if !no_cache.is_empty() {
            notes.push(format!(
                "no cache information for CPUs {}: default sizes assumed",
                format_cpu_list(&no_cache)
            ));
        }

        // SMT siblings: from sysfs lists; else CPUs sharing (package, core id);
        // else the CPU alone.
        let mut by_core: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
        for r in &raws {
            if let Some(core) = r.core_id {
                by_core
                    .entry((r.package_id.unwrap_or(0), core))
                    .or_default()
                    .push(r.cpu);
            }
        }
        let mut cpus: Vec<CpuInfo> = raws
            .into_iter()
            .map(|r| {
                let mut siblings = match (&r.siblings, r.core_id) {
                    (Some(s), _) => s.clone(),
                    (None, Some(core)) => by_core
                        .get(&(r.package_id.unwrap_or(0), core))
                        .cloned()
                        .unwrap_or_default(),
                    (None, None) => Vec::new(),
                };
                if !siblings.contains(&r.cpu) {
                    siblings.push(r.cpu);
                }
                siblings.sort_unstable();
                siblings.dedup();
                CpuInfo {
                    cpu: r.cpu,
                    core_id: r.core_id.unwrap_or(r.cpu),
                    package_id: r.package_id.unwrap_or(0),
                    node: 0,
                    siblings,
                    caches: r.caches,
                }
            })
            .collect();

        // NUMA nodes.
        let mut nodes = read_nodes(&root.join("devices/system/node"), &online_set);
        if nodes.is_empty() {
            notes.push("no NUMA node information: one node holding every CPU assumed".into());
            nodes.push(NumaNode {
                id: 0,
                cpus: online.clone(),
            });
        }
        let mut node_of: BTreeMap<usize, usize> = BTreeMap::new();
        for n in &nodes {
            for &c in &n.cpus {
                node_of.entry(c).or_insert(n.id);
            }
        }
        let orphans: Vec<usize> = online
            .iter()
            .copied()
            .filter(|c| !node_of.contains_key(c))
            .collect();
        if !orphans.is_empty() {
            let first = nodes[0].id;
            notes.push(format!(
                "CPUs {} are on no NUMA node: placed on node {first}",
                format_cpu_list(&orphans)
            ));
            nodes[0].cpus.extend(&orphans);
            nodes[0].cpus.sort_unstable();
            for c in orphans {
                node_of.insert(c, first);
            }
        }
        for c in &mut cpus {
            c.node = node_of.get(&c.cpu).copied().unwrap_or(0);
        }

        let topo = Topology {
            cpus,
            nodes,
            allowed: online,
            notes,
        };
        match allowed {
            Some(a) => topo.restrict(a),
            None => Ok(topo),
        }
    }

    /// A machine about which nothing is known but its CPU numbers: each CPU
    /// its own core in package 0 and node 0, default cache sizes, all allowed.
    /// `Err(Error::Topology)` for an empty list.
    pub fn flat(cpus: &[usize]) -> Result<Topology> {
        if cpus.is_empty() {
            return Err(Error::Topology {
                msg: "a flat topology needs at least one CPU".into(),
            });
        }
        Ok(Topology::flat_nonempty(cpus))
    }

    /// [`Topology::flat`] for a list the caller knows is non-empty (an empty
    /// one is taken as CPU 0).
    pub(crate) fn flat_nonempty(cpus: &[usize]) -> Topology {
        let mut list: Vec<usize> = cpus.to_vec();
        list.sort_unstable();
        list.dedup();
        if list.is_empty() {
            list.push(0);
        }
        Topology {
            cpus: list
                .iter()
                .map(|&cpu| CpuInfo {
                    cpu,
                    core_id: cpu,
                    package_id: 0,
                    node: 0,
                    siblings: vec![cpu],
                    caches: CpuCaches::default(),
                })
                .collect(),
            nodes: vec![NumaNode {
                id: 0,
                cpus: list.clone(),
            }],
            allowed: list,
            notes: vec!["topology unknown: each CPU taken as its own core, default cache sizes".into()],
        }
    }

    /// The same machine with only `allowed` (intersected with the online
    /// CPUs) available to the process. `Err(Error::Topology)` when none of
    /// `allowed` is online.
    pub fn restrict(&self, allowed: &[usize]) -> Result<Topology> {
        let mut keep: Vec<usize> = allowed
            .iter()
            .copied()
            .filter(|&c| self.cpu(c).is_some())
            .collect();
        keep.sort_unstable();
        keep.dedup();
        if keep.is_empty() {
            return Err(Error::Topology {
                msg: format!(
                    "none of the allowed CPUs [{}] is online (online: {})",
                    format_cpu_list(allowed),
                    format_cpu_list(&self.online_cpus())
                ),
            });
        }
        Ok(Topology {
            allowed: keep,
            ..self.clone()
        })
    }

    /// Every online CPU, ascending by CPU number.
    pub fn cpus(&self) -> &[CpuInfo] {
        &self.cpus
    }

    /// One online CPU, `None` if `cpu` is not online.
    pub fn cpu(&self, cpu: usize) -> Option<&CpuInfo> {
        self.cpus
            .binary_search_by_key(&cpu, |c| c.cpu)
            .ok()
            .map(|i| &self.cpus[i])
    }

    /// The online CPU numbers, ascending.
    pub fn online_cpus(&self) -> Vec<usize> {
        self.cpus.iter().map(|c| c.cpu).collect()
    }

    /// The CPUs this process may run on (online ∩ affinity mask), ascending.
    pub fn allowed_cpus(&self) -> &[usize] {
        &self.allowed
    }

    /// Whether `cpu` is online and in the affinity mask.
    pub fn is_allowed(&self, cpu: usize) -> bool {
        self.allowed.binary_search(&cpu).is_ok()
    }

    /// The NUMA nodes, ascending by id (memory-only nodes have no CPUs).
    pub fn nodes(&self) -> &[NumaNode] {
        &self.nodes
    }

    /// The online CPUs of NUMA node `node` (allowed or not), `None` if there
    /// is no such node.
    pub fn cpus_of_node(&self, node: usize) -> Option<&[usize]> {
        self.nodes
            .iter()
            .find(|n| n.id == node)
            .map(|n| n.cpus.as_slice())
    }

    /// The online SMT siblings of `cpu` (itself included), `None` if `cpu`
    /// is not online.
    pub fn smt_siblings(&self, cpu: usize) -> Option<&[usize]> {
        self.cpu(cpu).map(|c| c.siblings.as_slice())
    }

    /// The online CPUs sharing `cpu`'s L3 (itself included); `None` if `cpu`
    /// is not online, empty if sysfs does not say.
    pub fn l3_shared_cpus(&self, cpu: usize) -> Option<&[usize]> {
        self.cpu(cpu).map(|c| c.caches.l3_shared_cpus.as_slice())
    }

    /// One CPU per physical core among the allowed CPUs (the lowest allowed
    /// SMT sibling of each core), ascending.
    pub fn physical_cores(&self) -> Vec<usize> {
        self.first_threads(&self.allowed)
    }

    /// The first (lowest) CPU of each physical core present in `cpus`, ascending.
    pub(crate) fn first_threads(&self, cpus: &[usize]) -> Vec<usize> {
        let set: BTreeSet<usize> = cpus.iter().copied().collect();
        set.iter()
            .copied()
            .filter(|&c| self.smt_rank(c, &set) == 0)
            .collect()
    }

    /// How many of `cpu`'s SMT siblings in `among` come before it.
    pub(crate) fn smt_rank(&self, cpu: usize, among: &BTreeSet<usize>) -> usize {
        self.smt_siblings(cpu)
            .map(|s| s.iter().filter(|&&x| x < cpu && among.contains(&x)).count())
            .unwrap_or(0)
    }

    /// Number of distinct packages among the online CPUs.
    pub fn num_packages(&self) -> usize {
        self.cpus
            .iter()
            .map(|c| c.package_id)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Cache sizes for blocking over the allowed CPUs: for each level the
    /// smallest size any of them reports, [`CacheSizes::default`]'s where
    /// none reports the level.
    pub fn cache_sizes(&self) -> CacheSizes {
        self.cache_sizes_of(&self.allowed)
    }

    /// [`Topology::cache_sizes`] over the online CPUs among `cpus` (over the
    /// allowed CPUs if none of `cpus` is online).
    pub fn cache_sizes_of(&self, cpus: &[usize]) -> CacheSizes {
        let mut infos: Vec<&CpuInfo> = cpus.iter().filter_map(|&c| self.cpu(c)).collect();
        if infos.is_empty() {
            infos = self.allowed.iter().filter_map(|&c| self.cpu(c)).collect();
        }
        let d = CacheSizes::default();
        let min = |f: fn(&CpuCaches) -> Option<usize>, dflt: usize| {
            infos.iter().filter_map(|c| f(&c.caches)).min().unwrap_or(dflt)
        };
        CacheSizes {
            l1d: min(|c| c.l1d, d.l1d),
            l2: min(|c| c.l2, d.l2),
            l3: min(|c| c.l3, d.l3),
        }
    }

    /// What could not be read and was assumed instead (empty for a complete tree).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

impl fmt::Display for Topology {
    /// One line, e.g. `2 CPUs online (allowed 0-1), 2 physical cores, 1 package,
    /// 1 NUMA node; L1d 32 KiB, L2 1024 KiB, L3 32768 KiB (shared by 2 CPUs)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let c = self.cache_sizes();
        let shared = self
            .allowed
            .first()
            .and_then(|&cpu| self.l3_shared_cpus(cpu))
            .map(|s| s.len())
            .unwrap_or(0);
        write!(
            f,
            "{} online (allowed {}), {}, {}, {}; L1d {} KiB, L2 {} KiB, L3 {} KiB",
            plural(self.cpus.len(), "CPU"),
            format_cpu_list(&self.allowed),
            plural(self.physical_cores().len(), "physical core"),
            plural(self.num_packages(), "package"),
            plural(self.nodes.len(), "NUMA node"),
            c.l1d >> 10,
            c.l2 >> 10,
            c.l3 >> 10,
        )?;
        if shared > 0 {
            write!(f, " (shared by {})", plural(shared, "CPU"))?;
        }
        Ok(())
    }
}

/// Parses a kernel CPU list such as `0-3,8-11` or `5` (whitespace around the
/// list and its items is ignored; the empty list is allowed). The result is
/// ascending without duplicates. `Err` names `arg` and the bad item.
///
/// ```
/// assert_eq!(lowp::topology::parse_cpu_list("cores", "0-2,8")?, vec![0, 1, 2, 8]);
/// assert!(lowp::topology::parse_cpu_list("cores", "3-1").is_err());
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn parse_cpu_list(arg: &'static str, s: &str) -> Result<Vec<usize>> {
    /// Upper bound on a CPU number, so "0-99999999999" cannot allocate without end.
    const MAX_CPU: usize = 1 << 20;
    let mut out = Vec::new();
    let s = s.trim();
    if s.is_empty() {
        return Ok(out);
    }
    for item in s.split(',') {
        let item = item.trim();
        let num = |t: &str| -> Result<usize> {
            match t.trim().parse::<usize>() {
                Ok(n) if n < MAX_CPU => Ok(n),
                Ok(n) => Err(Error::param(arg, format!("CPU {n} in {s:?} is beyond {MAX_CPU}"))),
                Err(_) => Err(Error::param(
                    arg,
                    format!("{item:?} in {s:?} is not a CPU number or range like 0-3"),
                )),
            }
        };
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(Error::param(
                        arg,
                        format!("range {item:?} in {s:?} runs backwards"),
                    ));
                }
                out.extend(a..=b);
            }
            None => out.push(num(item)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Formats CPU numbers as a kernel CPU list (`0-3,8-11`); the input need not
/// be sorted. The empty list formats as `(none)`.
pub fn format_cpu_list(cpus: &[usize]) -> String {
    let mut v = cpus.to_vec();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return "(none)".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            v[i].to_string()
        } else {
            format!("{}-{}", v[i], v[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

fn read_usize(path: &Path) -> Option<usize> {
    // Some platforms write -1 for an unknown package id: taken as unknown.
    read_trimmed(path)?.parse::<usize>().ok()
}

fn read_cpu_list(path: &Path) -> Option<Vec<usize>> {
    parse_cpu_list("sysfs CPU list", &read_trimmed(path)?).ok()
}

/// Parses a sysfs cache size: `32K`, `1024K`, `8M`, or plain bytes.
fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1usize << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        b'G' | b'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits.trim().parse::<usize>().ok()?.checked_mul(mult)
}

/// The online CPUs: `cpu/online`, else every `cpuN` directory whose `online`
/// file (absent for a CPU that cannot be hot-unplugged) is not `0`.
fn read_online(cpu_dir: &Path) -> Result<Vec<usize>> {
    if let Some(list) = read_cpu_list(&cpu_dir.join("online")) {
        if !list.is_empty() {
            return Ok(list);
        }
    }
    let mut found = Vec::new();
    if let Ok(entries) = fs::read_dir(cpu_dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(num) = name.to_str().and_then(|n| n.strip_prefix("cpu")) else {
                continue;
            };
            let Ok(cpu) = num.parse::<usize>() else {
                continue;
            };
            if read_trimmed(&e.path().join("online")).as_deref() != Some("0") {
                found.push(cpu);
            }
        }
    }
    found.sort_unstable();
    if found.is_empty() {
        return Err(Error::Topology {
            msg: format!("no online CPU found under {}", cpu_dir.display()),
        });
    }
    Ok(found)
}

/// The caches of one CPU from its `cache/index*` directories; the flag says
/// whether any cache entry was found.
fn read_caches(cache_dir: &Path, online: &BTreeSet<usize>) -> (CpuCaches, bool) {
    let mut caches = CpuCaches::default();
    let Ok(entries) = fs::read_dir(cache_dir) else {
        return (caches, false);
    };
    let mut any = false;
    let mut dirs: Vec<_> = entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with("index")))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        let (Some(level), Some(ty), Some(size)) = (
            read_usize(&d.join("level")),
            read_trimmed(&d.join("type")),
            read_trimmed(&d.join("size")).and_then(|s| parse_size(&s)),
        ) else {
            continue;
        };
        any = true;
        let data = ty == "Data" || ty == "Unified";
        match (level, data) {
            (1, true) => caches.l1d = Some(size),
            (2, true) => caches.l2 = Some(size),
            (3, true) => {
                caches.l3 = Some(size);
                caches.l3_shared_cpus = read_cpu_list(&d.join("shared_cpu_list"))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| online.contains(c))
                    .collect();
            }
            _ => {}
        }
    }
    (caches, any)
}

/// The `nodeN` directories and their online CPUs, ascending by id.
fn read_nodes(node_dir: &Path, online: &BTreeSet<usize>) -> Vec<NumaNode> {
    let mut nodes = Vec::new();
    let Ok(entries) = fs::read_dir(node_dir) else {
        return nodes;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_prefix("node"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let Some(cpus) = read_cpu_list(&e.path().join("cpulist")) else {
            continue;
        };
        nodes.push(NumaNode {
            id,
            cpus: cpus.into_iter().filter(|c| online.contains(c)).collect(),
        });
    }
    nodes.sort_by_key(|n| n.id);
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("32K"), Some(32 << 10));
        assert_eq!(parse_size("32768K"), Some(32 << 20));
        assert_eq!(parse_size("8M"), Some(8 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("K"), None);
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn cpu_lists_round_trip() {
        for s in ["0", "0-3,8-11", "1,3,5", "0-1"] {
            assert_eq!(format_cpu_list(&parse_cpu_list("t", s).unwrap()), s);
        }
        assert_eq!(parse_cpu_list("t", " 0 - 2 , 5\n").unwrap(), vec![0, 1, 2, 5]);
        assert_eq!(parse_cpu_list("t", "").unwrap(), Vec::<usize>::new());
        assert_eq!(format_cpu_list(&[]), "(none)");
        for bad in ["a", "1-", "-1", "3-1", "1,,2", "99999999999"] {
            let e = parse_cpu_list("cores", bad).unwrap_err();
            assert!(e.to_string().contains("cores"), "{e}");
        }
    }
}
