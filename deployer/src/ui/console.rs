//! Where messages go and how they look: notes and progress on standard error (silenced by
//! `-q`), results on standard output, colour and progress bars only on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::{GlobalArgs, OutputFormat};

/// The settings every command's output follows.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    /// Text for people or JSON for scripts (standard output only).
    pub format: OutputFormat,
    /// Say nothing but results and errors.
    pub quiet: bool,
    /// Say more.
    pub verbose: bool,
    /// Colour escape codes allowed.
    pub color: bool,
    /// Standard error is a terminal (progress bars instead of plain lines).
    pub terminal: bool,
    /// Standard input is a terminal (questions can be asked).
    pub interactive: bool,
}

impl Console {
    /// The console for this process.
    pub fn new(global: &GlobalArgs, format: OutputFormat) -> Console {
        let terminal = std::io::stderr().is_terminal();
        Console {
            format,
            quiet: global.quiet,
            verbose: global.verbose,
            color: terminal && !global.no_color,
            terminal,
            interactive: terminal && std::io::stdin().is_terminal(),
        }
    }

    /// Whether results are JSON.
    pub fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// A progress note on standard error.
    pub fn note(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", message.as_ref());
        }
    }

    /// A note shown only with `-v`.
    pub fn detail(&self, message: impl AsRef<str>) {
        if self.verbose {
            eprintln!("{}", message.as_ref());
        }
    }

    /// A warning on standard error (shown even with `-q`).
    pub fn warn(&self, message: impl AsRef<str>) {
        eprintln!(
            "{}: {}",
            self.paint("warning", Paint::Yellow),
            message.as_ref()
        );
    }

    /// A text result on standard output (nothing in JSON mode).
    pub fn result(&self, text: impl AsRef<str>) {
        if !self.json() {
            print!("{}", text.as_ref());
        }
    }

    /// Asks a yes/no question on the terminal; anything but y/yes is no.
    pub fn confirm(&self, question: &str) -> bool {
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }

    /// Asks a yes/no question like [`Console::confirm`], listening for Ctrl-C meanwhile: `None`
    /// when it was pressed instead of an answer.
    pub async fn ask(&self, question: &str) -> Option<bool> {
        let seen = crate::interrupt::install();
        let console = *self;
        let question = question.to_string();
        // A thread of its own, not spawn_blocking: the runtime would wait at its end for a read
        // that Ctrl-C left unanswered.
        let (tx, answer) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(console.confirm(&question));
        });
        tokio::select! {
            answer = answer => Some(answer.unwrap_or(false)),
            _ = crate::interrupt::after(seen) => {
                eprintln!();
                None
            }
        }
    }

    /// `text` in `paint` when colour is on.
    pub fn paint(&self, text: &str, paint: Paint) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", paint.code())
        } else {
            text.to_string()
        }
    }
}

/// The few colours used.
#[derive(Debug, Clone, Copy)]
pub enum Paint {
    /// Success, additions.
    Green,
    /// Changes, warnings.
    Yellow,
    /// Failures, removals.
    Red,
    /// Names.
    Bold,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Green => "32",
            Paint::Yellow => "33",
            Paint::Red => "31",
            Paint::Bold => "1",
        }
    }

    /// The colour of a CloudFormation status.
    pub fn of_status(status: &str) -> Paint {
        if status.ends_with("_FAILED") || status.contains("ROLLBACK") {
            Paint::Red
        } else if status.ends_with("_COMPLETE") {
            Paint::Green
        } else {
            Paint::Yellow
        }
    }
}
