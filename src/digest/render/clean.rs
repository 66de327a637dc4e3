//! Cleaning what members wrote before any renderer shows it.

use super::*;

/// Whether `c` is dropped from anything shown: control characters other
/// than newline and tab (terminal escapes, NUL, carriage returns) and the
/// bidirectional overrides that can make text read differently from what
/// it is.
pub(super) fn unwanted(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without [`unwanted`] characters and with tabs as spaces.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| unwanted(c) || c == '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !unwanted(c))
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect(),
    )
}

/// `text` cleaned and on one line, for names and titles.
pub(super) fn one_line(text: &str) -> Cow<'_, str> {
    let cleaned = clean(text);
    if !cleaned.contains('\n') {
        return cleaned;
    }
    Cow::Owned(cleaned.replace('\n', " "))
}

/// `text` for a Discord message: Markdown characters escaped with a
/// backslash (so a name or quote cannot open a code block, a spoiler or a
/// masked link, nor show a `<@id>` or `<#id>` as a mention), a zero-width
/// space after every `@` (so "@everyone" never pings) and on one line.
pub(crate) fn discord_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in one_line(text).chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            c => out.push(c),
        }
    }
    out
}

/// Text spliced into the mail's HTML: escaped for element content and
/// quoted attribute values, and without [`unwanted`] characters. The one
/// HTML escaper of the appliance that does more than maud's own, because
/// member text goes into a mail read far from any control of ours.
pub(super) struct Shown<'t>(pub(super) &'t str);

impl maud::Render for Shown<'_> {
    fn render_to(&self, out: &mut String) {
        for c in self.0.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c if unwanted(c) => {}
                c => out.push(c),
            }
        }
    }
}
