//! Quantization parameters: the affine map `x ≈ (q − zero_point)·scale`
//! between f32 and u8/s8, per tensor or per channel.

use crate::error::{Error, Result};

/// The 8-bit storage type of quantized values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuantDtype {
    /// Unsigned, `[0, 255]`.
    U8,
    /// Signed, `[-128, 127]`.
    S8,
}

impl QuantDtype {
    /// The full range `(qmin, qmax)`.
    pub fn range(self) -> (i32, i32) {
        match self {
            QuantDtype::U8 => (0, 255),
            QuantDtype::S8 => (-128, 127),
        }
    }

    /// The range used with `reduce_range`: one bit less (`[0, 127]` or
    /// `[-64, 63]`), as PyTorch's and ONNX Runtime's `reduce_range` for
    /// CPUs whose `vpmaddubsw` pairs could saturate.
    pub fn reduced_range(self) -> (i32, i32) {
        match self {
            QuantDtype::U8 => (0, 127),
            QuantDtype::S8 => (-64, 63),
        }
    }
}

/// The 8-bit types quantized values are stored in (`u8`, `i8`).
pub trait QuantType: Copy + Default + Send + Sync + sealed::Sealed + 'static {
    /// The matching [`QuantDtype`].
    const DTYPE: QuantDtype;
    /// Whether the type is signed (`i8`).
    const SIGNED: bool;
    /// The value as i32.
    fn to_i32(self) -> i32;
    /// The low byte of `v` (exact for `v` within the type's range).
    fn from_i32(v: i32) -> Self;
    /// The slice as `u8` or as `i8` (one of the two is `Some`): lets
    /// monomorphic vector loops serve both types.
    #[doc(hidden)]
    fn bytes_mut(s: &mut [Self]) -> (Option<&mut [u8]>, Option<&mut [i8]>);
}

impl QuantType for u8 {
    const DTYPE: QuantDtype = QuantDtype::U8;
    const SIGNED: bool = false;
    fn to_i32(self) -> i32 {
        self as i32
    }
    fn from_i32(v: i32) -> Self {
        v as u8
    }
    fn bytes_mut(s: &mut [Self]) -> (Option<&mut [u8]>, Option<&mut [i8]>) {
        (Some(s), None)
    }
}

impl QuantType for i8 {
    const DTYPE: QuantDtype = QuantDtype::S8;
    const SIGNED: bool = true;
    fn to_i32(self) -> i32 {
        self as i32
    }
    fn from_i32(v: i32) -> Self {
        v as i8
    }
    fn bytes_mut(s: &mut [Self]) -> (Option<&mut [u8]>, Option<&mut [i8]>) {
        (None, Some(s))
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for i8 {}
}

/// How scales and zero points map onto a matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// One scale and zero point for every element.
    PerTensor,
    /// One per row (row `i` uses entry `i`): e.g. the output channels of a
    /// weight matrix stored `N × K`.
    PerRow,
    /// One per column (column `j` uses entry `j`).
    PerColumn,
}

/// Scale(s) and zero point(s) of a quantized tensor: `q = clamp(round_half_even(x / scale)
/// + zero_point, qmin, qmax)` and `x ≈ (q − zero_point)·scale`.
///
/// Built by [`QuantParams::per_tensor`], [`QuantParams::per_channel`] or
/// [`QuantParams::from_min_max`]; each validates (scales finite and > 0,
/// zero points within `[qmin, qmax]`) and names the offending field.
///
/// ```
/// use lowp::quant::{QuantDtype, QuantParams};
/// let p = QuantParams::from_min_max(-1.0, 3.0, QuantDtype::U8, false, false)?;
/// assert_eq!(p.zero_point(0), 64); // 0 − round(−1 / (4/255)) = 64 (63.75 rounded)
/// assert!(QuantParams::per_tensor(QuantDtype::S8, f32::NAN, 0).is_err());
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QuantParams {
    dtype: QuantDtype,
    granularity: Granularity,
    scales: Vec<f32>,
    zero_points: Vec<i32>,
    qmin: i32,
    qmax: i32,
}

fn check_scale(arg: &'static str, s: f32) -> Result<()> {
    if s.is_finite() && s > 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            arg,
            format!("scale must be finite and > 0, got {s}"),
        ))
    }
}

impl QuantParams {
    /// One scale and zero point for the whole tensor, full range.
    pub fn per_tensor(dtype: QuantDtype, scale: f32, zero_point: i32) -> Result<QuantParams> {
        Self::build(
            dtype,
            Granularity::PerTensor,
            vec![scale],
            vec![zero_point],
            dtype.range(),
        )
    }

    /// One scale and zero point per channel (`PerRow` or `PerColumn`), full
    /// range. `scales` and `zero_points` have one entry per channel.
    pub fn per_channel(
        dtype: QuantDtype,
        granularity: Granularity,
        scales: Vec<f32>,
        zero_points: Vec<i32>,
    ) -> Result<QuantParams> {
        if granularity == Granularity::PerTensor && scales.len() != 1 {
            return Err(Error::param(
                "scales",
                "a per-tensor quantization has exactly one scale",
            ));
        }
        Self::build(dtype, granularity, scales, zero_points, dtype.range())
    }

    fn build(
        dtype: QuantDtype,
        granularity: Granularity,
        scales: Vec<f32>,
        zero_points: Vec<i32>,
        (qmin, qmax): (i32, i32),
    ) -> Result<QuantParams> {
        if scales.is_empty() {
            return Err(Error::param("scales", "at least one scale is needed"));
        }
        if scales.len() != zero_points.len() {
            return Err(Error::shape(format!(
                "scales has {} entries but zero_points has {}",
                scales.len(),
                zero_points.len()
            )));
        }
        for &s in &scales {
            check_scale("scale", s)?;
        }
        for &z in &zero_points {
            if z < qmin || z > qmax {
                return Err(Error::param(
                    "zero_point",
                    format!("zero point {z} outside the {dtype:?} range [{qmin}, {qmax}]"),
                ));
            }
        }
        Ok(QuantParams {
            dtype,
            granularity,
            scales,
            zero_points,
            qmin,
            qmax,
        })
    }

    /// Parameters covering `[min, max]` (widened to include 0, so zero is
    /// exact), as PyTorch's observers compute them:
    ///
    /// * asymmetric: `scale = (max − min)/(qmax − qmin)`, `zero_point =
    ///   clamp(qmin − round_half_even(min/scale), qmin, qmax)`;
    /// * symmetric: `scale = max(|min|, |max|)/((qmax − qmin)/2)`, zero point
    ///   0 for s8 and 128 (64 reduced) for u8;
    ///
    /// `scale` is at least `f32::EPSILON` (PyTorch's `eps`), so an all-zero
    /// range gives a valid tiny scale. `reduce_range` uses the 7-bit range
    /// ([`QuantDtype::reduced_range`]). `Err` names `min`/`max` when either
    /// is NaN or infinite, or `min > max`.
    pub fn from_min_max(
        min: f32,
        max: f32,
        dtype: QuantDtype,
        symmetric: bool,
        reduce_range: bool,
    ) -> Result<QuantParams> {
        let (scale, zp, range) = Self::scale_zp(min, max, dtype, symmetric, reduce_range)?;
        Self::build(dtype, Granularity::PerTensor, vec![scale], vec![zp], range)
    }

    /// Per-channel [`QuantParams::from_min_max`]: one `(min, max)` per channel.
    pub fn per_channel_from_min_max(
        mins: &[f32],
        maxs: &[f32],
        granularity: Granularity,
        dtype: QuantDtype,
        symmetric: bool,
        reduce_range: bool,
    ) -> Result<QuantParams> {
        if mins.len() != maxs.len() {
            return Err(Error::shape(format!(
                "mins has {} entries but maxs has {}",
                mins.len(),
                maxs.len()
            )));
        }
        let mut scales = Vec::with_capacity(mins.len());
        let mut zps = Vec::with_capacity(mins.len());
        let mut range = dtype.range();
        for (&lo, &hi) in mins.iter().zip(maxs) {
            let (s, z, r) = Self::scale_zp(lo, hi, dtype, symmetric, reduce_range)?;
            scales.push(s);
            zps.push(z);
            range = r;
        }
        Self::build(dtype, granularity, scales, zps, range)
    }

    fn scale_zp(
        min: f32,
        max: f32,
        dtype: QuantDtype,
        symmetric: bool,
        reduce_range: bool,
    ) -> Result<(f32, i32, (i32, i32))> {
        if !min.is_finite() {
            return Err(Error::param("min", format!("must be finite, got {min}")));
        }
        if !max.is_finite() {
            return Err(Error::param("max", format!("must be finite, got {max}")));
        }
        if min > max {
            return Err(Error::param("min", format!("min {min} exceeds max {max}")));
        }
        let (qmin, qmax) = if reduce_range {
            dtype.reduced_range()
        } else {
            dtype.range()
        };
        let (lo, hi) = (min.min(0.0), max.max(0.0));
        if symmetric {
            let amax = (-lo).max(hi);
            let scale = (amax / ((qmax - qmin) as f32 / 2.0)).max(f32::EPSILON);
            let zp = match dtype {
                QuantDtype::S8 => 0,
                QuantDtype::U8 => (qmin + qmax + 1) / 2,
            };
            Ok((scale, zp, (qmin, qmax)))
        } else {
            // (hi − lo) may overflow to +inf for ranges near f32::MAX.
            let scale = ((hi - lo) / (qmax - qmin) as f32).max(f32::EPSILON);
            check_scale("max", scale)?;
            let zp = (qmin as f32 - (lo / scale).round_ties_even()).clamp(qmin as f32, qmax as f32) as i32;
            Ok((scale, zp, (qmin, qmax)))
        }
    }

    /// This quantization restricted to `(qmin, qmax)` (e.g. 7-bit): `Err`
    /// naming `qmin` when the range is empty, outside the type, or excludes
    /// a zero point.
    pub fn with_range(mut self, qmin: i32, qmax: i32) -> Result<QuantParams> {
        let (tmin, tmax) = self.dtype.range();
        if qmin > qmax || qmin < tmin || qmax > tmax {
            return Err(Error::param(
                "qmin",
                format!("range [{qmin}, {qmax}] is empty or outside {:?}", self.dtype),
            ));
        }
        if self.zero_points.iter().any(|&z| z < qmin || z > qmax) {
            return Err(Error::param(
                "qmin",
                format!("range [{qmin}, {qmax}] excludes a zero point"),
            ));
        }
        self.qmin = qmin;
        self.qmax = qmax;
        Ok(self)
    }

    /// The storage type.
    pub fn dtype(&self) -> QuantDtype {
        self.dtype
    }
    /// Per tensor, per row or per column.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }
    /// The scales (one, or one per channel).
    pub fn scales(&self) -> &[f32] {
        &self.scales
    }
    /// The zero points (one, or one per channel).
    pub fn zero_points(&self) -> &[i32] {
        &self.zero_points
    }
    /// Scale of channel `c` (0 for per-tensor). Panics if `c` is out of range.
    pub fn scale(&self, c: usize) -> f32 {
        self.scales[c]
    }
    /// Zero point of channel `c` (0 for per-tensor). Panics if `c` is out of range.
    pub fn zero_point(&self, c: usize) -> i32 {
        self.zero_points[c]
    }
    /// The clamp range `(qmin, qmax)`.
    pub fn range(&self) -> (i32, i32) {
        (self.qmin, self.qmax)
    }
    /// Number of channels (1 per tensor).
    pub fn channels(&self) -> usize {
        self.scales.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let e = QuantParams::per_tensor(QuantDtype::U8, 0.0, 0).unwrap_err();
        assert!(e.to_string().contains("scale"), "{e}");
        let e = QuantParams::per_tensor(QuantDtype::U8, 1.0, 256).unwrap_err();
        assert!(e.to_string().contains("zero_point"), "{e}");
        let e = QuantParams::per_tensor(QuantDtype::S8, f32::INFINITY, 0).unwrap_err();
        assert!(e.to_string().contains("scale"), "{e}");
        let e = QuantParams::per_channel(QuantDtype::S8, Granularity::PerRow, vec![1.0, 2.0], vec![0])
            .unwrap_err();
        assert!(e.to_string().contains("zero_points"), "{e}");
        let e = QuantParams::from_min_max(f32::NAN, 1.0, QuantDtype::U8, false, false).unwrap_err();
        assert!(e.to_string().contains("min"), "{e}");
        let e = QuantParams::from_min_max(0.0, f32::INFINITY, QuantDtype::U8, false, false).unwrap_err();
        assert!(e.to_string().contains("max"), "{e}");
        let e = QuantParams::from_min_max(-f32::MAX, f32::MAX, QuantDtype::U8, false, false).unwrap_err();
        assert!(e.to_string().contains("max"), "{e}");
        let e = QuantParams::per_tensor(QuantDtype::U8, 1.0, 200)
            .unwrap()
            .with_range(0, 127)
            .unwrap_err();
        assert!(e.to_string().contains("qmin"), "{e}");
    }

    #[test]
    fn from_min_max_by_hand() {
        // Asymmetric u8 over [-1, 3]: scale 4/255, zp = 0 − round(−63.75) = 64.
        let p = QuantParams::from_min_max(-1.0, 3.0, QuantDtype::U8, false, false).unwrap();
        assert_eq!(p.scale(0), 4.0 / 255.0);
        assert_eq!(p.zero_point(0), 64);
        // Only positive values: the range widens to include 0, zp = qmin.
        let p = QuantParams::from_min_max(2.0, 5.1, QuantDtype::S8, false, false).unwrap();
        assert_eq!(p.scale(0), 5.1 / 255.0);
        assert_eq!(p.zero_point(0), -128);
        // Symmetric s8: amax / 127.5 (PyTorch divides by (qmax − qmin)/2).
        let p = QuantParams::from_min_max(-2.0, 1.0, QuantDtype::S8, true, false).unwrap();
        assert_eq!(p.scale(0), 2.0 / 127.5);
        assert_eq!(p.zero_point(0), 0);
        // Symmetric u8: zp 128; reduced: 64, range [0, 127].
        let p = QuantParams::from_min_max(-2.0, 1.0, QuantDtype::U8, true, false).unwrap();
        assert_eq!(p.zero_point(0), 128);
        let p = QuantParams::from_min_max(-2.0, 1.0, QuantDtype::U8, true, true).unwrap();
        assert_eq!((p.zero_point(0), p.range()), (64, (0, 127)));
        assert_eq!(p.scale(0), 2.0 / 63.5);
        // An all-zero range gets PyTorch's eps scale.
        let p = QuantParams::from_min_max(0.0, 0.0, QuantDtype::U8, false, false).unwrap();
        assert_eq!((p.scale(0), p.zero_point(0)), (f32::EPSILON, 0));
        // Ties round to even: [-0.5·s.., ..] gives zp exactly at .5 → even.
        // scale = 255/255 = 1 over [-2.5, 252.5]: zp = 0 − round(−2.5) = 2.
        let p = QuantParams::from_min_max(-2.5, 252.5, QuantDtype::U8, false, false).unwrap();
        assert_eq!((p.scale(0), p.zero_point(0)), (1.0, 2));
    }
}
