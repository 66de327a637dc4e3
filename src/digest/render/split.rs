//! Cutting a long Discord post into messages Discord accepts.

/// Splits `text` into messages of at most `limit` characters for Discord
/// (2000): at line boundaries when possible, a line longer than `limit` at
/// its last space or, failing that, anywhere between two characters.
/// Characters are counted as UTF-16 units, which is never fewer than
/// Unicode characters, so a part fits whichever way it is counted. Blank
/// parts are left out (Discord refuses empty messages); a `limit` under 2
/// counts as 2 so that any character fits.
pub fn split_for_discord(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(2);
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    let mut started = false;
    for line in text.split('\n') {
        for piece in split_long_line(line, limit) {
            let len = discord_len(piece);
            if started && current_len + 1 + len > limit {
                push_part(&mut parts, std::mem::take(&mut current));
                current_len = 0;
                started = false;
            }
            if started {
                current.push('\n');
                current_len += 1;
            }
            current.push_str(piece);
            current_len += len;
            started = true;
        }
    }
    push_part(&mut parts, current);
    parts
}

/// The length Discord's limit is checked against, counted conservatively
/// (see [`split_for_discord`]).
pub fn discord_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn push_part(parts: &mut Vec<String>, part: String) {
    if !part.trim().is_empty() {
        parts.push(part.trim_matches('\n').to_owned());
    }
}

/// `line` in pieces of at most `limit`, cut after a space in the second
/// half of a piece when there is one.
fn split_long_line(mut line: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    while discord_len(line) > limit {
        let mut len = 0;
        let mut hard = 0;
        let mut soft = None;
        for (i, c) in line.char_indices() {
            len += c.len_utf16();
            if len > limit {
                break;
            }
            hard = i + c.len_utf8();
            if c == ' ' && len > limit / 2 {
                soft = Some(hard);
            }
        }
        let cut = soft.unwrap_or(hard);
        pieces.push(&line[..cut]);
        line = &line[cut..];
    }
    pieces.push(line);
    pieces
}
