//! Progress of long jobs: a bar (rate, ETA) on a terminal, timestamped plain lines under cron,
//! nothing with `--quiet`. Each phase of a job (reading a file, pre-loading, ...) is started and
//! finished in turn; a finished phase leaves one line saying how it ended and how long it took.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sportello::batch::Progress;

/// Set once by `--quiet`: no progress at all.
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// How a plain line is stamped: local time with its offset, to the second.
pub fn timestamp() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Items,
    Bytes,
}

impl Unit {
    fn show(self, n: u64) -> String {
        match self {
            Unit::Items => HumanCount(n).to_string(),
            Unit::Bytes => HumanBytes(n).to_string(),
        }
    }
}

enum Mode {
    Bar,
    Lines,
    Hidden,
}

struct Phase {
    what: String,
    total: Option<u64>,
    started: Instant,
    /// When the last plain line was printed.
    last_line: Instant,
    bar: Option<ProgressBar>,
}

pub struct Reporter {
    mode: Mode,
    unit: Unit,
    phase: Mutex<Option<Phase>>,
}

/// Plain lines at most this often.
const LINE_EVERY: Duration = Duration::from_secs(5);

impl Reporter {
    /// Progress counted in items (rows, letters, messages).
    pub fn new() -> Reporter {
        let mode = if QUIET.load(Ordering::Relaxed) {
            Mode::Hidden
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        };
        Reporter { mode, unit: Unit::Items, phase: Mutex::new(None) }
    }

    /// Progress counted in bytes of a file.
    pub fn bytes() -> Reporter {
        let mut r = Reporter::new();
        r.unit = Unit::Bytes;
        r
    }

    fn style(&self, total: Option<u64>) -> ProgressStyle {
        let template = match (total, self.unit) {
            (None, _) => "{spinner} {msg} ({elapsed})",
            (Some(_), Unit::Bytes) => "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta})",
            (Some(_), Unit::Items) => "{msg} [{bar:30}] {human_pos}/{human_len} ({per_sec}, ETA {eta})",
        };
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> ")
    }

    /// Ends the current phase, if any, with one line.
    fn end(&self, phase: Phase, message: &str) {
        if let Some(bar) = &phase.bar {
            bar.finish_and_clear();
        }
        let took = format!("{:.1} s", phase.started.elapsed().as_secs_f64());
        match self.mode {
            Mode::Hidden => {}
            Mode::Bar => eprintln!("{}: {message} ({took})", phase.what),
            Mode::Lines => eprintln!("{} {}: {message} ({took})", timestamp(), phase.what),
        }
    }
}

impl Progress for Reporter {
    fn start(&self, what: &str, total: Option<u64>, done: u64) {
        let mut current = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(previous) = current.take() {
            self.end(previous, &tr!("progress-done"));
        }
        let bar = match self.mode {
            Mode::Hidden => None,
            Mode::Bar => {
                let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
                bar.set_style(self.style(total));
                bar.set_message(what.to_string());
                bar.set_position(done);
                if total.is_none() {
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
                Some(bar)
            }
            Mode::Lines => {
                let size = total.map(|t| format!(" ({})", self.unit.show(t))).unwrap_or_default();
                let resume = if done > 0 { tr!("progress-resuming", at = self.unit.show(done)) } else { String::new() };
                eprintln!("{} {what}: {}{size}{resume}", timestamp(), tr!("progress-started"));
                None
            }
        };
        let now = Instant::now();
        *current = Some(Phase { what: what.to_string(), total, started: now, last_line: now, bar });
    }

    fn advance(&self, done: u64) {
        let mut current = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let Some(phase) = current.as_mut() else { return };
        if let Some(bar) = &phase.bar {
            bar.set_position(done);
        }
        if matches!(self.mode, Mode::Lines) && phase.last_line.elapsed() >= LINE_EVERY {
            phase.last_line = Instant::now();
            let of = match phase.total {
                Some(t) if t > 0 => {
                    tr!("progress-of", total = self.unit.show(t), percent = done.saturating_mul(100) / t)
                }
                _ => String::new(),
            };
            eprintln!("{} {}: {}{of}", timestamp(), phase.what, self.unit.show(done));
        }
    }

    fn finish(&self, message: &str) {
        let mut current = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(phase) = current.take() {
            self.end(phase, message);
        }
    }
}

impl Drop for Reporter {
    /// A job that failed half-way leaves no bar drawn behind it.
    fn drop(&mut self) {
        let current = self.phase.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = current.take().and_then(|p| p.bar) {
            bar.abandon();
            eprintln!();
        }
    }
}
