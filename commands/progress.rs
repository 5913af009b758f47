//! Progress of long jobs: a bar (rate, ETA) on a terminal, plain lines under cron.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sportello::batch::Progress;

pub enum Reporter {
    Bar(ProgressBar),
    /// Plain lines on stderr, at most every few seconds.
    Lines(Mutex<(Instant, String, Option<u64>)>),
}

impl Reporter {
    pub fn new() -> Reporter {
        if std::io::stderr().is_terminal() {
            Reporter::Bar(ProgressBar::hidden())
        } else {
            Reporter::Lines(Mutex::new((Instant::now(), String::new(), None)))
        }
    }
}

impl Progress for Reporter {
    fn start(&self, what: &str, total: Option<u64>, done: u64) {
        match self {
            Reporter::Bar(bar) => {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
                bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, ETA {eta})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_message(what.to_string());
            }
            Reporter::Lines(state) => {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                *s = (Instant::now(), what.to_string(), total);
                eprintln!("{what}: started{}", if done > 0 { format!(", resuming at {done}") } else { String::new() });
            }
        }
    }

    fn advance(&self, done: u64) {
        match self {
            Reporter::Bar(bar) => bar.set_position(done),
            Reporter::Lines(state) => {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                if s.0.elapsed() >= Duration::from_secs(5) {
                    s.0 = Instant::now();
                    match s.2 {
                        Some(t) => eprintln!("{}: {done} of {t}", s.1),
                        None => eprintln!("{}: {done}", s.1),
                    }
                }
            }
        }
    }

    fn finish(&self, message: &str) {
        match self {
            Reporter::Bar(bar) => bar.finish_with_message(message.to_string()),
            Reporter::Lines(state) => {
                let s = state.lock().unwrap_or_else(|e| e.into_inner());
                eprintln!("{}: done, {message}", s.1);
            }
        }
    }
}
