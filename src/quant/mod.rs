//! Quantization toolkit: parameters, conversions, fixed-point
//! requantization, calibration observers, weight and dynamic quantization,
//! fake quantization.
//!
//! One rounding rule end to end: round half to even, saturating to the
//! output range. Every conversion dispatches through the [`Context`]'s
//! kernel table (AVX-512, AVX2 or scalar), all levels bit-identical.
//!
//! [`Context`]: crate::Context

mod convert;
pub(crate) mod dynamic;
mod exec;
mod fake;
pub(crate) mod fixed_point;
pub mod observer;
mod params;
mod table;

pub use convert::{
    dequantize, dequantize_mat, dequantize_s32, quantize, quantize_mat, requantize, requantize_mat,
};
pub use dynamic::{dynamic_params_u8, quantize_dynamic_u8, quantize_weights_per_channel_s8};
pub use fake::fake_quantize;
pub use fixed_point::{
    multiply_by_quantized_multiplier, quantize_multiplier, requantize_fixed, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul, FixedPointRequantize, FixedScale,
};
pub use observer::{
    HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver, Observer, PerChannelMinMaxObserver,
};
pub use params::{Granularity, QuantDtype, QuantParams, QuantType};
pub use table::QuantKernels;
