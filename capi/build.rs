//! Passes the target triple on to the tests, which compile the C test
//! program with the `cc` crate.
fn main() {
    println!(
        "cargo:rustc-env=LOWP_CAPI_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
    println!("cargo:rerun-if-changed=build.rs");
}
