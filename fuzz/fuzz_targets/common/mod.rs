//! Helpers shared by the differential targets (not a target itself: the
//! smoke script runs only `fuzz_targets/*.rs`).
#![allow(dead_code)]

use lowp::{Context, Isa};
use std::sync::OnceLock;

/// One context per available ISA level for 1, 2 and 3 threads, built once
/// per process (pools are expensive to build per input).
pub fn contexts(threads: u8) -> &'static [Context] {
    static CTX: OnceLock<Vec<Vec<Context>>> = OnceLock::new();
    let all = CTX.get_or_init(|| {
        (1..=3)
            .map(|t| {
                Isa::available()
                    .into_iter()
                    .map(|isa| {
                        Context::builder()
                            .max_isa(isa)
                            .threads(t)
                            .ignore_env()
                            .build()
                            .expect("an available level builds")
                    })
                    .collect()
            })
            .collect()
    });
    &all[usize::from(threads % 3)]
}

/// Values drawn from the fuzzer's bytes, cycling (all zeros when empty).
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn byte(&mut self) -> u8 {
        if self.data.is_empty() {
            return 0;
        }
        let b = self.data[self.pos % self.data.len()];
        // Vary repeated cycles so short inputs still give varied matrices.
        let b = b.wrapping_add(((self.pos / self.data.len()) as u8).wrapping_mul(37));
        self.pos += 1;
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from(self.byte()) | u16::from(self.byte()) << 8
    }
    /// An f32 from a small menu of magnitudes (finite), so the oracle bound
    /// is meaningful and sums cannot overflow.
    pub fn f32_small(&mut self) -> f32 {
        let b = self.byte();
        let m = f32::from(self.byte() as i8) / 16.0;
        match b % 8 {
            0 => 0.0,
            1 => m,
            2 => m * 1e-3,
            3 => m * 1e3,
            4 => -0.0,
            5 => m * 1e-30,
            6 => f32::from_bits(u32::from(self.u16())), // subnormal
            _ => f32::from(self.u16()) / 1024.0 - 32.0,
        }
    }
}

/// Mostly [`Bytes::f32_small`]; when `special` is nonzero, a value whose
/// first byte is a multiple of `one_in` is `menu[special % menu.len()]`
/// instead (NaN, infinities, huge values...).
pub fn f32_or_special(src: &mut Bytes<'_>, special: u8, one_in: u8, menu: &[f32]) -> f32 {
    if special != 0 && src.byte().is_multiple_of(one_in) {
        menu[usize::from(special) % menu.len()]
    } else {
        src.f32_small()
    }
}

/// Halves the larger of `m` and `n` until `m·n·k ≤ max_macs`, so the oracle
/// (and ASan) stay fast.
pub fn shrink_mn(m: &mut usize, n: &mut usize, k: usize, max_macs: usize) {
    while *m * *n * k > max_macs {
        if *m > *n {
            *m /= 2
        } else {
            *n /= 2
        }
    }
}

/// 8-bit values for a type with range [min, max]: uniform bytes, only the
/// extremes, or small around the middle, as `mode` says.
pub fn int8_value(src: &mut Bytes<'_>, signed: bool, mode: u8) -> i32 {
    let (min, max) = if signed { (-128, 127) } else { (0, 255) };
    let b = src.byte();
    match mode % 4 {
        0 | 3 => {
            if signed {
                i32::from(b as i8)
            } else {
                i32::from(b)
            }
        }
        1 => {
            if b & 1 == 0 {
                min
            } else {
                max
            }
        }
        _ => (min + max + 1) / 2 + i32::from(b % 16) - 8,
    }
}

/// A layout for an `r × c` matrix: `(row_stride, col_stride, len)`.
pub fn layout(kind: u8, pad: u8, r: usize, c: usize) -> (usize, usize, usize) {
    let pad = usize::from(pad % 5);
    let (rs, cs) = match kind % 3 {
        0 => (c + pad, 1),
        1 => (1, r + pad),
        // Both strides > 1 (gaps between elements).
        _ => ((c * 2 + pad).max(1), 2),
    };
    let len = if r == 0 || c == 0 {
        0
    } else {
        (r - 1) * rs + (c - 1) * cs + 1
    };
    (rs.max(1), cs.max(1), len)
}
