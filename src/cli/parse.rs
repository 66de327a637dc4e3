//! `cubeguardian parse`: the plain-words recogniser from the command line,
//! one message or a batch on stdin, answered as JSON — the same decisions
//! the bot makes on Discord, for trying phrasings and for scripts.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use crate::intent::{Addressee, Channel, Parsed, Recognizer};

/// What players call the bot when nothing says otherwise.
pub const DEFAULT_BOT_NAME: &str = "CubeGuardian";

fn json(parsed: &Parsed) -> String {
    serde_json::to_string(parsed).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `parse --batch`: one answer per input line, in order; a malformed line
/// gets an `{"error": …}` object in its place so the output stays aligned.
pub fn batch(bot: &Addressee<'_>) -> ExitCode {
    let recognizer = Recognizer::new();
    let mut out = std::io::stdout().lock();
    let mut failed = false;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("error: stdin line {}: {e}", n + 1);
                return ExitCode::FAILURE;
            }
        };
        let answer = match line.split_once('\t') {
            Some(("guild", text)) => json(&recognizer.parse(text, Channel::Guild, bot)),
            Some(("dm", text)) => json(&recognizer.parse(text, Channel::Dm, bot)),
            _ => {
                failed = true;
                let error = format!("line {}: expected `guild<TAB>text` or `dm<TAB>text`", n + 1);
                serde_json::json!({ "error": error }).to_string()
            }
        };
        if writeln!(out, "{answer}").is_err() {
            // stdout closed (e.g. piped into head): nothing left to do.
            return ExitCode::SUCCESS;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// One message, answered on stdout.
pub fn one(text: &str, channel: Channel, bot: &Addressee<'_>) -> ExitCode {
    let parsed = Recognizer::new().parse(text, channel, bot);
    println!("{}", json(&parsed));
    ExitCode::SUCCESS
}
