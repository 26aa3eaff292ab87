//! CPU feature detection. The framework asks here, once, and caches the answer.
//!
//! cpufeatures covers the AVX/AVX2/AVX-512 base features (and checks that the
//! OS saves the wider register state); it has no VNNI/BF16/AMX entries, so
//! those come from `is_x86_feature_detected!` and, for AMX, from CPUID.

/// Which instruction-set features this CPU (and OS) offers.
///
/// Every flag is `false` on targets other than x86_64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFeatures {
    /// SSE4.1 (blend, pmovzx): the x86_64 floor that lowp's AVX2 code assumes too.
    pub sse41: bool,
    /// AVX (VEX 256-bit float).
    pub avx: bool,
    /// AVX2 (256-bit integer).
    pub avx2: bool,
    /// FMA3 (`vfmadd231ps`).
    pub fma: bool,
    /// F16C (`vcvtph2ps`).
    pub f16c: bool,
    /// AVX-512 Foundation.
    pub avx512f: bool,
    /// AVX-512 Byte/Word (`vpmaddubsw` zmm).
    pub avx512bw: bool,
    /// AVX-512 Vector Length (ymm/xmm forms, masked 256-bit ops).
    pub avx512vl: bool,
    /// AVX-512 Doubleword/Quadword.
    pub avx512dq: bool,
    /// AVX-512 VNNI (`vpdpbusd` EVEX).
    pub avx512vnni: bool,
    /// AVX-512 BF16 (`vdpbf16ps`).
    pub avx512bf16: bool,
    /// AVX-512 FP16.
    pub avx512fp16: bool,
    /// AVX-VNNI (VEX `vpdpbusd` ymm, Alder Lake / Sapphire Rapids).
    pub avxvnni: bool,
    /// AMX tiles (CPUID only: whether the OS grants XTILEDATA is not asked).
    pub amx_tile: bool,
    /// AMX INT8 (CPUID only).
    pub amx_int8: bool,
    /// AMX BF16 (CPUID only).
    pub amx_bf16: bool,
}

impl CpuFeatures {
    /// `(name, present)` for every flag, in a fixed order, for printing.
    pub fn list(&self) -> [(&'static str, bool); 16] {
        [
            ("sse4.1", self.sse41),
            ("avx", self.avx),
            ("avx2", self.avx2),
            ("fma", self.fma),
            ("f16c", self.f16c),
            ("avx512f", self.avx512f),
            ("avx512bw", self.avx512bw),
            ("avx512vl", self.avx512vl),
            ("avx512dq", self.avx512dq),
            ("avx512vnni", self.avx512vnni),
            ("avx512bf16", self.avx512bf16),
            ("avx512fp16", self.avx512fp16),
            ("avxvnni", self.avxvnni),
            ("amx-tile", self.amx_tile),
            ("amx-int8", self.amx_int8),
            ("amx-bf16", self.amx_bf16),
        ]
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::CpuFeatures;

    cpufeatures::new!(cpuid_avx2, "avx", "avx2", "fma");
    cpufeatures::new!(cpuid_avx512, "avx512f", "avx512bw", "avx512vl", "avx512dq");

    pub fn detect() -> CpuFeatures {
        let avx2_ok = cpuid_avx2::get();
        let avx512_ok = cpuid_avx512::get();
        // AMX: CPUID leaf 7 sub-leaf 0, EDX bits 22 (bf16), 24 (tile), 25 (int8).
        let max_leaf = core::arch::x86_64::__cpuid(0).eax;
        let edx7 = if max_leaf >= 7 {
            core::arch::x86_64::__cpuid_count(7, 0).edx
        } else {
            0
        };
        CpuFeatures {
            sse41: std::is_x86_feature_detected!("sse4.1"),
            avx: std::is_x86_feature_detected!("avx"),
            avx2: avx2_ok && std::is_x86_feature_detected!("avx2"),
            fma: std::is_x86_feature_detected!("fma"),
            f16c: std::is_x86_feature_detected!("f16c"),
            avx512f: avx512_ok && std::is_x86_feature_detected!("avx512f"),
            avx512bw: avx512_ok && std::is_x86_feature_detected!("avx512bw"),
            avx512vl: avx512_ok && std::is_x86_feature_detected!("avx512vl"),
            avx512dq: avx512_ok && std::is_x86_feature_detected!("avx512dq"),
            avx512vnni: std::is_x86_feature_detected!("avx512vnni"),
            avx512bf16: std::is_x86_feature_detected!("avx512bf16"),
            avx512fp16: std::is_x86_feature_detected!("avx512fp16"),
            avxvnni: std::is_x86_feature_detected!("avxvnni"),
            amx_tile: edx7 & (1 << 24) != 0,
            amx_int8: edx7 & (1 << 25) != 0,
            amx_bf16: edx7 & (1 << 22) != 0,
        }
    }

    pub fn cpu_brand() -> Option<String> {
        let max_ext = core::arch::x86_64::__cpuid(0x8000_0000).eax;
        if max_ext < 0x8000_0004 {
            return None;
        }
        let mut bytes = Vec::with_capacity(48);
        for leaf in 0x8000_0002u32..=0x8000_0004 {
            let r = core::arch::x86_64::__cpuid(leaf);
            for word in [r.eax, r.ebx, r.ecx, r.edx] {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
        }
        let s = String::from_utf8_lossy(&bytes);
        let s = s.trim_matches(char::from(0)).trim();
        (!s.is_empty()).then(|| s.to_string())
    }

    pub fn cpu_vendor() -> Option<String> {
        let r = core::arch::x86_64::__cpuid(0);
        let mut bytes = Vec::with_capacity(12);
        for word in [r.ebx, r.edx, r.ecx] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        Some(String::from_utf8_lossy(&bytes).trim().to_string())
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    use super::CpuFeatures;
    pub fn detect() -> CpuFeatures {
        CpuFeatures::default()
    }
    pub fn cpu_brand() -> Option<String> {
        None
    }
    pub fn cpu_vendor() -> Option<String> {
        None
    }
}

/// Detects the CPU's features now (not cached: the framework caches).
pub fn detect() -> CpuFeatures {
    imp::detect()
}

/// The CPU's brand string from CPUID (e.g. "AMD EPYC 9654 96-Core Processor"), if any.
pub fn cpu_brand() -> Option<String> {
    imp::cpu_brand()
}

/// The CPU vendor string from CPUID (e.g. "AuthenticAMD"), if any.
pub fn cpu_vendor() -> Option<String> {
    imp::cpu_vendor()
}
