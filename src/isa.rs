//! ISA levels, detection (once, cached) and the `LOWP_MAX_ISA` cap.

use crate::error::{Error, Result};
use lowp_kernels::detect::CpuFeatures;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// An instruction-set level: the set of CPU features one family of kernels uses.
///
/// Ordered `Scalar < Avx2 < Avx2Vnni < Avx512 < Avx512Vnni`. The order is a
/// preference, not an inclusion: an AVX-512 CPU may lack AVX-VNNI (Zen 4,
/// Ice Lake), so availability is decided per level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Portable Rust, any target.
    Scalar,
    /// AVX2 + FMA + F16C (Haswell, Zen 1 and later).
    Avx2,
    /// AVX2 level plus AVX-VNNI (VEX `vpdpbusd` ymm: Alder Lake, Sapphire Rapids).
    Avx2Vnni,
    /// AVX2 level plus AVX-512 F, BW, VL and DQ (Skylake-X, Zen 4).
    Avx512,
    /// AVX-512 level plus AVX-512 VNNI (`vpdpbusd` zmm: Cascade Lake, Ice Lake, Zen 4).
    Avx512Vnni,
}

impl Isa {
    /// Every level, lowest first.
    pub const ALL: [Isa; 5] = [
        Isa::Scalar,
        Isa::Avx2,
        Isa::Avx2Vnni,
        Isa::Avx512,
        Isa::Avx512Vnni,
    ];

    /// The name used by `LOWP_MAX_ISA`, `lowp info` and the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx2Vnni => "avx2vnni",
            Isa::Avx512 => "avx512",
            Isa::Avx512Vnni => "avx512vnni",
        }
    }

    /// The CPU features every kernel of this level relies on (names as in
    /// [`CpuFeatures::list`]).
    pub fn required_features(self) -> &'static [&'static str] {
        use lowp_kernels::level;
        match self {
            Isa::Scalar => &[],
            Isa::Avx2 => level::AVX2,
            Isa::Avx2Vnni => level::AVX2VNNI,
            Isa::Avx512 => level::AVX512,
            Isa::Avx512Vnni => level::AVX512VNNI,
        }
    }

    /// Whether a CPU with `features` can run every kernel of this level.
    pub fn supported_by(self, features: &CpuFeatures) -> bool {
        if self != Isa::Scalar && !cfg!(target_arch = "x86_64") {
            return false;
        }
        let list = features.list();
        self.required_features()
            .iter()
            .all(|req| list.iter().any(|(name, present)| name == req && *present))
    }

    /// Whether this CPU can run this level.
    pub fn is_available(self) -> bool {
        self.supported_by(cpu_features())
    }

    /// Every level this CPU can run, lowest first. Tests and benches loop over it.
    ///
    /// ```
    /// let levels = lowp::Isa::available();
    /// assert_eq!(levels[0], lowp::Isa::Scalar);
    /// ```
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// The best level this CPU can run.
    pub fn best() -> Isa {
        *Isa::available().last().unwrap_or(&Isa::Scalar)
    }

    /// The best level this CPU can run that is not above `cap` in the order
    /// `scalar < avx2 < avx2vnni < avx512 < avx512vnni` (a maximum, like
    /// `ONEDNN_MAX_CPU_ISA`: one fleet-wide cap works on every machine).
    /// `avx2vnni` on an AVX-512 VNNI CPU without AVX-VNNI (Zen 4, Ice Lake)
    /// gives `avx2`; [`Isa::Scalar`] is always available.
    ///
    /// ```
    /// use lowp::Isa;
    /// let isa = Isa::best_up_to(Isa::Avx2Vnni);
    /// assert!(isa <= Isa::Avx2Vnni && isa.is_available());
    /// ```
    pub fn best_up_to(cap: Isa) -> Isa {
        Isa::available()
            .into_iter()
            .rfind(|i| *i <= cap)
            .unwrap_or(Isa::Scalar)
    }

    /// `Ok(self)` if this CPU can run this level, else `Err` naming the
    /// missing features and the available levels (for callers that want
    /// exactly one level, such as `lowp bench --isa`).
    pub fn ensure_available(self) -> Result<Isa> {
        if !self.is_available() {
            return Err(Error::UnsupportedIsa {
                msg: format!(
                    "this CPU cannot run {} (it lacks {}); available: {}",
                    self.name(),
                    missing_features(self).join(", "),
                    available_names()
                ),
            });
        }
        Ok(self)
    }
}

fn missing_features(isa: Isa) -> Vec<&'static str> {
    let list = cpu_features().list();
    isa.required_features()
        .iter()
        .copied()
        .filter(|req| !list.iter().any(|(name, present)| name == req && *present))
        .collect()
}

fn available_names() -> String {
    Isa::available()
        .iter()
        .map(|i| i.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = Error;
    /// Parses a level name (case-insensitive; `-` and `_` ignored).
    fn from_str(s: &str) -> Result<Isa> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Isa::ALL
            .into_iter()
            .find(|i| i.name() == norm)
            .ok_or_else(|| Error::UnsupportedIsa {
                msg: format!(
                    "unknown ISA level {s:?}; known: {}; available on this CPU: {}",
                    Isa::ALL.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "),
                    available_names()
                ),
            })
    }
}

/// The CPU's features, detected on first use and cached for the process.
pub fn cpu_features() -> &'static CpuFeatures {
    static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();
    FEATURES.get_or_init(lowp_kernels::detect::detect)
}

/// How the ISA level of a [`crate::Context`] was chosen, for `lowp info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsaChoice {
    /// The best level the CPU offers.
    Best,
    /// Capped by the `LOWP_MAX_ISA` environment variable (its value).
    Env(String),
    /// Capped by the builder's `max_isa`.
    Builder,
}

impl fmt::Display for IsaChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsaChoice::Best => f.write_str("best level this CPU offers"),
            IsaChoice::Env(v) => write!(f, "capped by LOWP_MAX_ISA={v}"),
            IsaChoice::Builder => f.write_str("capped by ContextBuilder::max_isa"),
        }
    }
}

/// Reads `LOWP_MAX_ISA`: `Ok(None)` when unset or empty.
pub fn env_max_isa() -> Result<Option<(Isa, String)>> {
    match std::env::var("LOWP_MAX_ISA") {
        Ok(v) if !v.trim().is_empty() => {
            let isa: Isa = v.parse().map_err(|e| match e {
                Error::UnsupportedIsa { msg } => Error::UnsupportedIsa {
                    msg: format!("LOWP_MAX_ISA: {msg}"),
                },
                e => e,
            })?;
            Ok(Some((isa, v)))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for isa in Isa::ALL {
            assert_eq!(isa.name().parse::<Isa>().unwrap(), isa);
        }
        assert_eq!("AVX512-VNNI".parse::<Isa>().unwrap(), Isa::Avx512Vnni);
        let e = "bogus".parse::<Isa>().unwrap_err().to_string();
        assert!(e.contains("bogus") && e.contains("scalar"), "{e}");
    }

    #[test]
    fn order_is_preference() {
        assert!(Isa::Scalar < Isa::Avx2 && Isa::Avx2 < Isa::Avx2Vnni);
        assert!(Isa::Avx2Vnni < Isa::Avx512 && Isa::Avx512 < Isa::Avx512Vnni);
    }

    #[test]
    fn a_level_needs_every_feature() {
        // Skylake-X: AVX-512 F/BW/VL/DQ but no VNNI must not select Avx512Vnni.
        let skx = CpuFeatures {
            avx: true,
            avx2: true,
            fma: true,
            f16c: true,
            avx512f: true,
            avx512bw: true,
            avx512vl: true,
            avx512dq: true,
            ..Default::default()
        };
        if cfg!(target_arch = "x86_64") {
            assert!(Isa::Avx512.supported_by(&skx));
        }
        assert!(!Isa::Avx512Vnni.supported_by(&skx));
        assert!(!Isa::Avx2Vnni.supported_by(&skx));
        // avx512f alone is not the Avx512 level.
        let knl = CpuFeatures {
            avx512f: true,
            avx512vnni: true,
            ..skx
        };
        let knl = CpuFeatures {
            avx512bw: false,
            ..knl
        };
        assert!(!Isa::Avx512.supported_by(&knl) && !Isa::Avx512Vnni.supported_by(&knl));
        assert!(Isa::Scalar.supported_by(&CpuFeatures::default()));
    }

    #[test]
    fn available_starts_with_scalar_and_caps_are_checked() {
        let avail = Isa::available();
        assert_eq!(avail[0], Isa::Scalar);
        for isa in Isa::ALL {
            assert_eq!(isa.ensure_available().is_ok(), avail.contains(&isa));
            let capped = Isa::best_up_to(isa);
            assert!(capped <= isa && avail.contains(&capped), "{isa} -> {capped}");
            // The best available level under the cap: nothing between.
            assert!(
                avail.iter().all(|a| *a <= capped || *a > isa),
                "{isa} -> {capped}"
            );
            if avail.contains(&isa) {
                assert_eq!(capped, isa);
            }
        }
        assert_eq!(Isa::best_up_to(Isa::Scalar), Isa::Scalar);
        assert_eq!(Isa::best_up_to(Isa::Avx512Vnni), Isa::best());
        assert!(avail.contains(&Isa::best()));
    }
}
