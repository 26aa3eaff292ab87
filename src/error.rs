//! The one error type of lowp. Every message names the argument at fault and
//! the numbers involved, e.g. "b has 63 rows but a has 64 columns".

use std::fmt;

/// Result alias used across lowp.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every way a call into lowp can be refused. One variant per kind of misuse.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Dimensions of two or more arguments disagree.
    ShapeMismatch {
        /// Human-readable description naming the arguments and sizes.
        msg: String,
    },
    /// A slice is too short for the shape and strides that describe it.
    BufferTooSmall {
        /// The argument's name.
        arg: &'static str,
        /// Elements needed (largest addressed index + 1).
        needed: usize,
        /// Elements present.
        len: usize,
    },
    /// A stride is invalid: it overflows, or makes an output alias itself.
    InvalidStride {
        /// The argument's name.
        arg: &'static str,
        /// What is wrong.
        msg: String,
    },
    /// A size computation overflows, or a sum could overflow its accumulator.
    Overflow {
        /// The argument's name.
        arg: &'static str,
        /// What overflows.
        msg: String,
    },
    /// A parameter value is out of its domain (a NaN scale, a zero thread count...).
    InvalidParameter {
        /// The argument's name.
        arg: &'static str,
        /// What is wrong.
        msg: String,
    },
    /// An ISA level is unknown or this CPU cannot run it.
    UnsupportedIsa {
        /// What was asked and what is available.
        msg: String,
    },
    /// A prepacked object does not match the call (other ISA layout, other shape).
    LayoutMismatch {
        /// The argument's name.
        arg: &'static str,
        /// What differs.
        msg: String,
    },
    /// Threads could not be created or pinned.
    Threading {
        /// What failed.
        msg: String,
    },
    /// The machine topology could not be read.
    Topology {
        /// What failed.
        msg: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch { msg } => write!(f, "shape mismatch: {msg}"),
            Error::BufferTooSmall { arg, needed, len } => write!(
                f,
                "{arg} is too short: its shape and strides address {needed} elements but it has {len}"
            ),
            Error::InvalidStride { arg, msg } => write!(f, "invalid stride for {arg}: {msg}"),
            Error::Overflow { arg, msg } => write!(f, "overflow in {arg}: {msg}"),
            Error::InvalidParameter { arg, msg } => write!(f, "invalid {arg}: {msg}"),
            Error::UnsupportedIsa { msg } => write!(f, "unsupported ISA: {msg}"),
            Error::LayoutMismatch { arg, msg } => write!(f, "layout mismatch in {arg}: {msg}"),
            Error::Threading { msg } => write!(f, "threading: {msg}"),
            Error::Topology { msg } => write!(f, "topology: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Shorthand for [`Error::ShapeMismatch`].
    pub fn shape(msg: impl Into<String>) -> Self {
        Error::ShapeMismatch { msg: msg.into() }
    }
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(arg: &'static str, msg: impl Into<String>) -> Self {
        Error::InvalidParameter { arg, msg: msg.into() }
    }
    /// Shorthand for [`Error::Overflow`].
    pub fn overflow(arg: &'static str, msg: impl Into<String>) -> Self {
        Error::Overflow { arg, msg: msg.into() }
    }
}
