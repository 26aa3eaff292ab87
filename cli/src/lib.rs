//! The `lowp` command as a library: `lowp info` ([`info`]) and `lowp bench`
//! ([`mod@bench`], whose registry in [`bench::case`] and [`bench::ops`] is where
//! an op plugs in). The binary in `main.rs` only parses arguments.
#![warn(missing_docs)]

/// `print!` to stdout, except that a closed pipe (`lowp bench --list |
/// head`) ends the program quietly, as SIGPIPE would, instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!($($t)*))
    };
}

/// `println!` through [`out!`].
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($t)*)))
    };
}

pub mod bench;
pub mod info;

/// Errors of the command line: lowp's own, I/O, and argument problems.
pub type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Writes to stdout and flushes; on a closed pipe the program exits with
/// status 0 (the reader has what it wanted), on another error with 1.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("lowp: writing to stdout: {e}");
        std::process::exit(1);
    }
}
