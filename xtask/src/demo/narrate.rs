//! How the demo speaks: each step's title, the command a user would type, and what came of it.

use std::io::IsTerminal;
use std::time::Instant;

/// Prints a step's title (bold on a terminal).
pub fn step(number: usize, title: &str) {
    if std::io::stdout().is_terminal() {
        println!("\n\x1b[1m{number}. {title}\x1b[0m");
    } else {
        println!("\n{number}. {title}");
    }
}

/// Prints a command line as typed at a prompt.
pub fn command_line(line: &str) {
    println!("$ {line}");
}

/// Prints what a command did.
pub fn result(text: &str) {
    for line in text.lines() {
        println!("  {line}");
    }
}

/// The time since `start`, in seconds with one decimal.
pub fn seconds(start: Instant) -> String {
    format!("{:.1} s", start.elapsed().as_secs_f64())
}

/// `args` quoted for a POSIX shell where needed.
pub fn shell_words(args: &[&str]) -> String {
    args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
}

fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_words;

    #[test]
    fn words_are_quoted_only_when_the_shell_needs_it() {
        assert_eq!(
            shell_words(&["resume", "arn:aws:states:x", "--patch", r#"{"foo":"bar"}"#]),
            r#"resume arn:aws:states:x --patch '{"foo":"bar"}'"#
        );
        assert_eq!(shell_words(&["it's"]), r"'it'\''s'");
        assert_eq!(shell_words(&[""]), "''");
    }
}
