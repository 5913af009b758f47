//! Standard output that ends quietly when the reader goes away (`sportello search | head -1`).
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE and `std::println!` panics
//! on it. Every line the binary prints goes through [`Stdout`] instead (the `println!` and
//! `print!` below shadow the standard ones in every module of the binary): on a closed pipe the
//! process ends at once with exit code 0, as `head`/`grep -q` users expect; any other write
//! failure is reported on standard error with exit code 1.

use std::io::{self, Write};

/// Standard output; a closed pipe ends the process quietly.
pub struct Stdout;

impl Stdout {
    fn check<T>(r: io::Result<T>) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => quiet_end(),
            other => other,
        }
    }
}

/// The reader of standard output has gone: nothing more to say to it.
pub fn quiet_end() -> ! {
    std::process::exit(0)
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::check(io::stdout().lock().write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        Self::check(io::stdout().lock().write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::check(io::stdout().lock().flush())
    }
}

/// Writes formatted text to standard output (the body of `println!`/`print!`).
pub fn write_fmt(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = io::stdout().lock();
    let result = out.write_fmt(args).and_then(|_| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = Stdout::check(result) {
        drop(out);
        eprintln!("sportello: {}: {e}", tr!("io-write-output"));
        std::process::exit(sportello::error::exit::FAILURE);
    }
}

/// `println!` through [`Stdout`]: a closed pipe ends the program quietly instead of a panic.
macro_rules! println {
    () => {
        $crate::stdout::write_fmt(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::stdout::write_fmt(format_args!($($arg)*), true)
    };
}

/// `print!` through [`Stdout`].
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::stdout::write_fmt(format_args!($($arg)*), false)
    };
}
