//! `lowp info`: the machine as lowp sees it. The report is a list of
//! sections; each is one function returning its JSON value and its text
//! lines, so adding one (topology, say) is one function and one line in
//! `SECTIONS`.

use crate::CliResult;
use lowp::topology::format_cpu_list;
use lowp::{build_info, cpu_features, Context, Isa, IsaChoice};
use serde_json::{json, Value};

/// Options of `lowp info`.
#[derive(clap::Args, Debug, Default)]
pub struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One part of the report.
pub struct Section {
    /// Key in the JSON object.
    pub key: &'static str,
    /// Heading in the text report.
    pub title: &'static str,
    /// The section as JSON.
    pub json: Value,
    /// The section as text lines (indented under the title).
    pub text: Vec<String>,
}

type SectionFn = fn(&Context) -> CliResult<Section>;

/// The report, in order.
const SECTIONS: &[SectionFn] = &[
    cpu,
    features,
    isa,
    threads,
    topology,
    caches,
    build,
    kernels,
    peak_probes,
];

/// Prints the report for the context the environment describes; fails (naming
/// the variable) when `LOWP_MAX_ISA` or `LOWP_NUM_THREADS` is invalid.
pub fn run(args: &InfoArgs) -> CliResult<()> {
    let ctx = Context::from_env()?;
    let sections = SECTIONS.iter().map(|f| f(&ctx)).collect::<CliResult<Vec<_>>>()?;
    if args.json {
        let obj: serde_json::Map<String, Value> = sections
            .into_iter()
            .map(|s| (s.key.to_string(), s.json))
            .collect();
        outln!("{}", Value::Object(obj));
    } else {
        for s in sections {
            outln!("{}", s.title);
            for line in s.text {
                outln!("  {line}");
            }
        }
    }
    Ok(())
}

fn cpu(_: &Context) -> CliResult<Section> {
    let brand = lowp_kernels::detect::cpu_brand();
    let vendor = lowp_kernels::detect::cpu_vendor();
    let unknown = || "unknown".to_string();
    Ok(Section {
        key: "cpu",
        title: "CPU",
        text: vec![
            format!("model:  {}", brand.clone().unwrap_or_else(unknown)),
            format!("vendor: {}", vendor.clone().unwrap_or_else(unknown)),
        ],
        json: json!({ "model": brand, "vendor": vendor }),
    })
}

fn features(_: &Context) -> CliResult<Section> {
    let list = cpu_features().list();
    let present: Vec<&str> = list.iter().filter(|(_, p)| *p).map(|(n, _)| *n).collect();
    let absent: Vec<&str> = list.iter().filter(|(_, p)| !*p).map(|(n, _)| *n).collect();
    let map: serde_json::Map<String, Value> = list.iter().map(|(n, p)| (n.to_string(), json!(p))).collect();
    Ok(Section {
        key: "features",
        title: "Detected features",
        text: vec![
            format!("present: {}", present.join(" ")),
            format!("absent:  {}", absent.join(" ")),
        ],
        json: Value::Object(map),
    })
}

fn isa(ctx: &Context) -> CliResult<Section> {
    let available = Isa::available();
    let (choice, env) = match ctx.isa_choice() {
        IsaChoice::Best => ("best", None),
        IsaChoice::Env(v) => ("env", Some(v.clone())),
        IsaChoice::Builder => ("builder", None),
    };
    let mut text = vec![];
    for level in Isa::ALL {
        let mark = if level == ctx.isa() {
            "selected"
        } else if available.contains(&level) {
            "available"
        } else {
            "not available"
        };
        text.push(format!("{:<11} {mark}", level.name()));
    }
    text.push(format!("selected: {} ({})", ctx.isa(), ctx.isa_choice()));
    Ok(Section {
        key: "isa",
        title: "ISA levels",
        text,
        json: json!({
            "available": available.iter().map(|i| i.name()).collect::<Vec<_>>(),
            "selected": ctx.isa().name(),
            "choice": choice,
            "reason": ctx.isa_choice().to_string(),
            "env_max_isa": env,
        }),
    })
}

fn threads(ctx: &Context) -> CliResult<Section> {
    let env = std::env::var("LOWP_NUM_THREADS")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let hw = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let source = match &env {
        Some(v) => format!("LOWP_NUM_THREADS={v}"),
        None => "default".to_string(),
    };
    Ok(Section {
        key: "threads",
        title: "Threads",
        text: vec![
            format!("threads: {} ({source})", ctx.num_threads()),
            format!("available parallelism: {hw}"),
        ],
        json: json!({
            "threads": ctx.num_threads(),
            "source": source,
            "available_parallelism": hw,
        }),
    })
}

fn topology(ctx: &Context) -> CliResult<Section> {
    let topo = ctx.topology();
    let allowed = topo.allowed_cpus();
    let cores = topo.physical_cores();
    // SMT sibling groups among the allowed CPUs, each once.
    let mut smt: Vec<Vec<usize>> = Vec::new();
    for &c in allowed {
        if let Some(sib) = topo.smt_siblings(c) {
            if !smt.iter().any(|g| g.as_slice() == sib) {
                smt.push(sib.to_vec());
            }
        }
    }
    let smt_text: Vec<String> = smt.iter().map(|g| format_cpu_list(g)).collect();
    let nodes: Vec<Value> = topo
        .nodes()
        .iter()
        .map(|n| json!({ "id": n.id, "cpus": n.cpus }))
        .collect();
    // Per cache level: (size, CPUs sharing it) groups; L1d and L2 per core.
    let mut levels = serde_json::Map::new();
    let mut cache_text = Vec::new();
    type Get = fn(&lowp::topology::CpuInfo) -> Option<usize>;
    let getters: [(&str, Get); 3] = [
        ("l1d", |c| c.caches.l1d),
        ("l2", |c| c.caches.l2),
        ("l3", |c| c.caches.l3),
    ];
    for (name, get) in getters {
        let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
        for &cpu in allowed {
            let Some(info) = topo.cpu(cpu) else { continue };
            let Some(size) = get(info) else { continue };
            let sharing = if name == "l3" && !info.caches.l3_shared_cpus.is_empty() {
                info.caches.l3_shared_cpus.clone()
            } else {
                info.siblings.clone()
            };
            if !groups.iter().any(|(_, g)| *g == sharing) {
                groups.push((size, sharing));
            }
        }
        // Text: one entry per distinct size, e.g. "32 KiB x2 (CPUs 0 | 1)".
        let mut sizes: Vec<usize> = groups.iter().map(|(sz, _)| *sz).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let desc: Vec<String> = sizes
            .iter()
            .map(|&sz| {
                let g: Vec<String> = groups
                    .iter()
                    .filter(|(s, _)| *s == sz)
                    .map(|(_, g)| format_cpu_list(g))
                    .collect();
                format!("{} x{} (CPUs {})", human_bytes(sz), g.len(), g.join(" | "))
            })
            .collect();
        cache_text.push(format!(
            "{:<4} {}",
            name.to_uppercase().replace('D', "d"),
            if desc.is_empty() {
                "not reported".to_string()
            } else {
                desc.join(", ")
            }
        ));
        levels.insert(
            name.to_string(),
            Value::Array(
                groups
                    .iter()
                    .map(|(sz, g)| json!({ "bytes": sz, "cpus": g }))
                    .collect(),
            ),
        );
    }
    let workers = ctx.worker_cpus();
    let mut text = vec![
        format!(
            "allowed CPUs: {} ({} of {} online)",
            format_cpu_list(allowed),
            allowed.len(),
            topo.cpus().len()
        ),
        format!(
            "physical cores: {} (one CPU each: {}), packages: {}",
            cores.len(),
            format_cpu_list(&cores),
            topo.num_packages()
        ),
        format!("SMT sibling groups: {}", smt_text.join(" | ")),
    ];
    for n in topo.nodes() {
        text.push(format!("NUMA node {}: CPUs {}", n.id, format_cpu_list(&n.cpus)));
    }
    text.extend(cache_text);
    text.push(format!(
        "thread plan: {} threads, affinity {}, numa {}, workers pinned to {}",
        ctx.num_threads(),
        ctx.affinity(),
        ctx.numa(),
        workers.map_or("(not pinned)".to_string(), |w| {
            w.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
        })
    ));
    text.extend(topo.notes().iter().map(|n| format!("note: {n}")));
    Ok(Section {
        key: "topology",
        title: "Topology",
        text,
        json: json!({
            "allowed_cpus": allowed,
            "online_cpus": topo.online_cpus(),
            "physical_cores": cores.len(),
            "core_cpus": cores,
            "packages": topo.num_packages(),
            "smt_siblings": smt,
            "numa_nodes": nodes,
            "caches": Value::Object(levels),
            "thread_plan": {
                "threads": ctx.num_threads(),
                "affinity": ctx.affinity().to_string(),
                "numa": ctx.numa().to_string(),
                "worker_cpus": workers,
            },
            "notes": topo.notes(),
        }),
    })
}

fn caches(ctx: &Context) -> CliResult<Section> {
    let c = ctx.cache_sizes();
    Ok(Section {
        key: "caches",
        title: "Caches (used for blocking)",
        text: vec![format!(
            "L1d {}  L2 {}  L3 {}",
            human_bytes(c.l1d),
            human_bytes(c.l2),
            human_bytes(c.l3)
        )],
        json: json!({ "l1d": c.l1d, "l2": c.l2, "l3": c.l3 }),
    })
}

fn build(_: &Context) -> CliResult<Section> {
    let b = build_info();
    Ok(Section {
        key: "build",
        title: "Build",
        text: vec![
            format!("lowp {} built by {}", b.version, b.rustc),
            format!(
                "target {} profile {} opt-level {}",
                b.target, b.profile, b.opt_level
            ),
            format!("compile-time target features: {}", b.target_features),
            format!("kernel families: {}", b.kernel_families.join(" ")),
        ],
        json: json!({
            "version": b.version,
            "rustc": b.rustc,
            "target": b.target,
            "profile": b.profile,
            "opt_level": b.opt_level,
            "target_features": b.target_features.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
            "kernel_families": b.kernel_families,
        }),
    })
}

fn kernels(_: &Context) -> CliResult<Section> {
    let mut text = vec![];
    let mut map = serde_json::Map::new();
    for level in Isa::available() {
        let ctx = Context::builder().max_isa(level).threads(1).build()?;
        let names = ctx.kernels().names();
        if names.is_empty() {
            text.push(format!("{}: (no kernels registered)", level.name()));
        } else {
            text.push(format!("{}:", level.name()));
            text.extend(names.iter().map(|(op, k)| format!("  {op:<24} {k}")));
        }
        let rows: Vec<Value> = names
            .iter()
            .map(|(op, k)| json!({ "op": op, "kernel": k }))
            .collect();
        map.insert(level.name().to_string(), Value::Array(rows));
    }
    Ok(Section {
        key: "kernels",
        title: "Kernels per ISA level",
        text,
        json: Value::Object(map),
    })
}

fn peak_probes(_: &Context) -> CliResult<Section> {
    let probes: Vec<_> = lowp::peak::available_probes();
    Ok(Section {
        key: "peak_probes",
        title: "Peak probes this CPU can run (lowp bench --op peak)",
        text: probes
            .iter()
            .map(|p| format!("{:<24} {:<11} {}", p.name(), p.isa().name(), p.about()))
            .collect(),
        json: Value::Array(probes.iter().map(|p| json!(p.name())).collect()),
    })
}

/// `1536` -> "1.5 KiB".
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
