//! The benchmark registry's types. An op plugs into `lowp bench` with one
//! file in `ops/` that exports an [`OpEntry`] (and one line in `ops/mod.rs`):
//! its name, the [`Case`]s it offers, and the rows it adds to `--compare`.
//!
//! A case is an op at one shape: how to set it up on a [`Context`] (allocate,
//! pack, build plans: untimed) and what one timed run is. The harness builds
//! one context per selected (ISA level, thread count), calls `setup` once,
//! then times the returned runner (warm-up, median of the repetitions).

use crate::CliResult;
use lowp::peak::{PeakConfig, Work};
use lowp::{Context, Isa};
use serde_json::Value;

/// An op's shape: the JSON schema's `m`, `n`, `k`, plus any op-specific
/// fields (conv: h, w, c, r, s, stride, pad, groups; scans: n_vectors, dim).
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Rows of the output (GEMM M).
    pub m: usize,
    /// Columns of the output (GEMM N).
    pub n: usize,
    /// Reduction length (GEMM K).
    pub k: usize,
    /// Further JSON fields, in order, written after `k`.
    pub extra: Vec<(&'static str, Value)>,
}

impl Shape {
    /// An `m × n × k` shape with no extra fields.
    pub fn mnk(m: usize, n: usize, k: usize) -> Shape {
        Shape {
            m,
            n,
            k,
            extra: Vec::new(),
        }
    }

    /// Parses `MxNxK` (as given to `--shapes`).
    pub fn parse(s: &str) -> CliResult<Shape> {
        let dims: Vec<&str> = s.trim().split(['x', 'X']).collect();
        let parsed: Result<Vec<usize>, _> = dims.iter().map(|d| d.trim().parse::<usize>()).collect();
        match parsed {
            Ok(v) if v.len() == 3 => Ok(Shape::mnk(v[0], v[1], v[2])),
            _ => {
                Err(format!("--shapes: {s:?} is not MxNxK (three whole numbers, e.g. 128x4096x1024)").into())
            }
        }
    }

    /// `MxNxK`.
    pub fn label(&self) -> String {
        format!("{}x{}x{}", self.m, self.n, self.k)
    }
}

/// Which ISA levels a case runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaSel {
    /// Once per selected level (an op with a kernel per level).
    Each,
    /// Only at this level, when it is selected (a peak probe of that level).
    Only(Isa),
    /// Once whatever the selection, reported at this level (memory probes).
    Once(Isa),
}

/// One timed run: returns the work it did (operations, bytes moved).
pub type Runner = Box<dyn FnMut() -> Work>;

/// Sets a case up on a context (untimed) and returns its runner.
pub type Setup = Box<dyn Fn(&Context) -> CliResult<Runner>>;

/// One benchmark: an op at one shape.
pub struct Case {
    /// JSON `op` (e.g. `igemm_u8s8s32`, `peak_fma_f32_zmm`).
    pub op: String,
    /// JSON `impl` (`lowp`, or the other library's name; `probe` for peaks).
    pub impl_name: &'static str,
    /// The shape.
    pub shape: Shape,
    /// What the table prints for the shape (defaults to `MxNxK`).
    pub label: Option<String>,
    /// Which levels it runs at.
    pub isas: IsaSel,
    /// Whether the JSON line carries `gbytes_per_s` (memory-bound ops).
    pub memory_bound: bool,
    /// Whether this case is itself a peak probe (its result is a peak).
    pub is_peak: bool,
    /// The peak probe a result at a given level is compared with (% of peak).
    pub peak_for: fn(Isa) -> Option<&'static str>,
    /// Set-up, run once per context.
    pub setup: Setup,
}

impl Case {
    /// The table's shape column.
    pub fn shape_label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.shape.label())
    }
}

/// What an op's cases may depend on.
#[derive(Clone, Debug)]
pub struct CaseOpts {
    /// `--shapes`, when given: replaces the op's default shapes.
    pub shapes: Option<Vec<Shape>>,
    /// `--shapes` entries with a `:`, when any entry is given: the
    /// convolution layers (`ops::conv_shape`), checked.
    pub specs: Option<Vec<String>>,
    /// `--quick`: fewer repetitions (every listed shape still runs).
    pub quick: bool,
    /// Sizes for the peak probes.
    pub peak: PeakConfig,
}

/// A row of a `--compare` table: the results of `op` (at `isa`, if given).
#[derive(Clone, Debug)]
pub struct CompareRow {
    /// What the row shows.
    pub label: String,
    /// The op (case name) whose results fill the row.
    pub op: String,
    /// Only results at this level; `None` for any.
    pub isa: Option<Isa>,
    /// Only results of this `impl` (e.g. `lowp` vs another library); `None` for any.
    pub impl_name: Option<&'static str>,
}

/// An op in the registry.
pub struct OpEntry {
    /// Name for `--op` (each case's own `op` name is accepted too).
    pub name: &'static str,
    /// One line for `--list`.
    pub about: &'static str,
    /// The cases this op offers.
    pub cases: fn(&CaseOpts) -> Vec<Case>,
    /// Rows it contributes to the named `--compare` table (empty if none).
    pub compare: fn(&str) -> Vec<CompareRow>,
}

/// The comparisons `--compare` knows.
pub const COMPARISONS: &[(&str, &str)] = &[(
    "chain-vs-vnni",
    "u8×s8: vpdpbusd vs the vpmaddubsw chain vs the exact s16 vpmaddwd path",
)];

/// `peak_for` of cases that have no matching peak.
pub fn no_peak(_: Isa) -> Option<&'static str> {
    None
}

/// `peak_for` of f32 FMA ops (sgemm, f32 dot): the level's widest FMA.
pub fn peak_fma_f32(isa: Isa) -> Option<&'static str> {
    match isa {
        Isa::Scalar => None,
        Isa::Avx2 | Isa::Avx2Vnni => Some("peak_fma_f32_ymm"),
        Isa::Avx512 | Isa::Avx512Vnni => Some("peak_fma_f32_zmm"),
    }
}

/// `peak_for` of u8×s8 ops (igemm, conv, s8 dots): `vpdpbusd` where the
/// level has VNNI, else the `vpmaddubsw` chain (the faster of the two
/// non-VNNI paths, so an exact-path panel shows below 100%).
pub fn peak_u8s8(isa: Isa) -> Option<&'static str> {
    match isa {
        Isa::Scalar => None,
        Isa::Avx2 => Some("peak_chain_u8s8_ymm"),
        Isa::Avx2Vnni => Some("peak_vpdpbusd_ymm_vex"),
        Isa::Avx512 => Some("peak_chain_u8s8_zmm"),
        Isa::Avx512Vnni => Some("peak_vpdpbusd_zmm"),
    }
}

/// `peak_for` of memory-bound ops (scans): the read bandwidth, in GB/s.
pub fn peak_read_bw(_: Isa) -> Option<&'static str> {
    Some("peak_read_bw")
}

/// `peak_for` of scans whose data fits in L3: the L3 read bandwidth.
pub fn peak_read_bw_l3(_: Isa) -> Option<&'static str> {
    Some("peak_read_bw_l3")
}

/// The read-bandwidth peak a scan over `bytes` compares with: the L3 probe
/// when the data fits in half the L3 (it stays resident between calls),
/// else the memory probe.
pub fn read_bw_peak_for(bytes: usize) -> fn(Isa) -> Option<&'static str> {
    let l3 = lowp::Topology::detect()
        .map(|t| t.cache_sizes().l3)
        .unwrap_or(lowp::CacheSizes::default().l3);
    if bytes <= l3 / 2 {
        peak_read_bw_l3
    } else {
        peak_read_bw
    }
}
