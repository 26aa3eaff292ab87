//! f32 → bf16 rounding (the portable definition every level follows) and its
//! scalar slice kernel.

/// One f32 to bf16 bits as `vcvtneps2bf16` rounds it: to nearest, ties to
/// even; subnormals become a zero of their sign; NaNs keep their top bits
/// and are made quiet; ±Inf stays ±Inf.
#[inline(always)]
pub fn f32_to_bf16_rne(x: f32) -> u16 {
    let u = x.to_bits();
    if u & 0x7f80_0000 == 0 {
        return ((u >> 16) & 0x8000) as u16;
    }
    if u & 0x7fff_ffff > 0x7f80_0000 {
        return ((u >> 16) | 0x40) as u16;
    }
    // Adding 0x7fff plus the kept lsb carries into bit 16 exactly when the
    // dropped half is above a tie, or a tie with an odd kept part.
    (u.wrapping_add(0x7fff + ((u >> 16) & 1)) >> 16) as u16
}

convert_f32_to_bf16_kernel! {
    /// f32 → bf16 slice conversion, portable Rust.
    fn convert_f32_to_bf16_scalar;
}
