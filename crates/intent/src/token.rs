//! Stage 2 of the pipeline: splits normalised text into words, Discord mentions and the
//! punctuation that delimits clauses.
//!
//! Owns the Discord-specific syntax (`<@id>`, `<@!id>`, `@name` typed as text, custom emoji,
//! quoted lines, links) and the apostrophe rules: French elisions split ("j'ai" → "j" "ai")
//! while English negative contractions stay one word ("don't" → "dont") so that the
//! negation survives. Tokens are byte ranges into the normalised buffer, kept in a fixed
//! array: nothing here allocates.

use crate::normalize::Normalized;

/// How many tokens of a message are analysed.
///
/// A request to the bot is a sentence or two (under 30 words); 160 tokens cover any message
/// a player types while keeping the per-message arrays on the stack small. A message cut
/// here is treated as truncated (its real end is unknown).
pub(crate) const MAX_TOKENS: usize = 160;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Letters and digits (and any non-ASCII letter).
    Word,
    /// A real user mention, `<@id>` or `<@!id>`; [`mention_id`] reads its id back. (Not
    /// carried here: a `u64` would double the size of every token and tagged slot, and
    /// the per-message arrays of them are a measurable part of parsing.)
    Mention,
    /// `?`: ends a clause and makes its sentence a question.
    Question,
    /// `.`, `!`, `;` or a line break: ends a sentence.
    Stop,
    /// `,` or `:`: ends a clause inside a sentence.
    Comma,
}

/// One token: its kind, its bytes in the normalised buffer and a few spelling facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: u16,
    pub(crate) end: u16,
    /// Typed right after an `@` ("@CubeGuardian", "@bot"): a textual mention.
    pub(crate) at: bool,
    /// Joined to the previous word by a hyphen ("re-démarre", "peux-tu").
    pub(crate) hyphenated: bool,
    /// Follows an apostrophe ("we're", "i'll"): a contraction, not a word of its own.
    pub(crate) after_apostrophe: bool,
    /// Ends in é, ée, és or ées in the original text: a French past participle.
    pub(crate) participle: bool,
    /// Has a letter repeated for emphasis ("redémarreeee"), see `Normalized::elongated`.
    pub(crate) elongated: bool,
    /// Holds an apostrophe ("don't", "r'lance"): the tagger reads the word without it,
    /// and every other word needs no look for one.
    pub(crate) apostrophe: bool,
}

/// The tokens of one message.
pub(crate) struct Tokens {
    items: [Token; MAX_TOKENS],
    len: usize,
    truncated: bool,
}

/// The filler of unused entries, and the defaults of a new token. All zero bytes
/// (`Word` is the first kind), so that the array of a new [`Tokens`] is one `memset`.
const EMPTY: Token = Token {
    kind: TokenKind::Word,
    start: 0,
    end: 0,
    at: false,
    hyphenated: false,
    after_apostrophe: false,
    participle: false,
    elongated: false,
    apostrophe: false,
};

impl Tokens {
    /// Splits `norm` into tokens, keeping at most [`MAX_TOKENS`].
    #[cfg(test)]
    pub(crate) fn new(norm: &Normalized) -> Self {
        let mut t = Tokens::empty();
        t.split(norm);
        t
    }

    /// No tokens yet, for [`Tokens::split`]: made once per thread and split into again for
    /// every message, as `Normalized::empty`.
    pub(crate) const fn empty() -> Self {
        Tokens {
            items: [EMPTY; MAX_TOKENS],
            len: 0,
            truncated: false,
        }
    }

    /// Splits `norm` into this list, replacing the tokens it held (entries past `len` are
    /// never read), keeping at most [`MAX_TOKENS`].
    pub(crate) fn split(&mut self, norm: &Normalized) {
        self.len = 0;
        self.truncated = norm.truncated();
        self.scan(norm);
    }

    pub(crate) fn as_slice(&self) -> &[Token] {
        &self.items[..self.len]
    }

    /// Whether the message was cut (by the normaliser's or the tokeniser's caps).
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    #[inline]
    fn push(&mut self, tok: Token) -> bool {
        if self.len == MAX_TOKENS {
            self.truncated = true;
            return false;
        }
        // Runs of punctuation count once; a question mark wins over other punctuation.
        if tok.kind != TokenKind::Word && !matches!(tok.kind, TokenKind::Mention) {
            if let Some(last) = self.len.checked_sub(1).map(|i| &mut self.items[i]) {
                if !matches!(last.kind, TokenKind::Word | TokenKind::Mention) {
                    if tok.kind == TokenKind::Question
                        || (tok.kind == TokenKind::Stop && last.kind == TokenKind::Comma)
                    {
                        last.kind = tok.kind;
                    }
                    return true;
                }
            }
            if self.len == 0 && tok.kind != TokenKind::Question {
                return true;
            }
        }
        self.items[self.len] = tok;
        self.len += 1;
        true
    }

    fn scan(&mut self, norm: &Normalized) {
        let b = norm.as_bytes();
        let n = b.len();
        let mut i = 0;
        let mut pending_at = false;
        let mut pending_hyphen = false;
        let mut pending_apostrophe = false;
        while i < n {
            let c = b[i];
            if c == b' ' {
                // The commonest byte between words, first (before the `match` below, a
                // jump table whose target changes from byte to byte). It keeps a pending
                // `@`: "@ CubeGuardian" still counts as a textual mention.
                pending_hyphen = false;
                pending_apostrophe = false;
                i += 1;
                continue;
            }
            // The byte first: nearly no token is a '>', and the line's start was otherwise
            // read back for every token.
            if c == b'>' && (i == 0 || b[i - 1] == b'\n' || after_a_mention_only(b, i)) {
                // Discord block quote: someone else's words, never an order to the bot.
                if b[i..].starts_with(b">>> ") {
                    return;
                }
                if b[i..].starts_with(b"> ") {
                    while i < n && b[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
            }
            if is_word_byte(c) {
                let start = i;
                let mut end = i + 1;
                // The letters in a loop of their own: nearly every byte of a word.
                while end < n && is_word_byte(b[end]) {
                    end += 1;
                }
                let mut apostrophe = false;
                if end < n && b[end] == b'\'' {
                    (end, apostrophe) = over_apostrophes(b, start, end);
                }
                if end < n && b[end] == b':' && is_link_start(&b[start..end], &b[end..]) {
                    while i < n && !matches!(b[i], b' ' | b'\n') {
                        i += 1;
                    }
                    pending_at = false;
                    continue;
                }
                let tok = Token {
                    kind: TokenKind::Word,
                    start: start as u16,
                    end: end as u16,
                    at: pending_at,
                    hyphenated: pending_hyphen,
                    after_apostrophe: pending_apostrophe,
                    participle: participle_ending(norm, start, end),
                    elongated: norm.elongated_within(start, end),
                    apostrophe,
                };
                if !self.push(tok) {
                    return;
                }
                pending_at = false;
                pending_hyphen = false;
                pending_apostrophe = false;
                // The space that follows most words, skipped at once (as its arm above).
                i = if b.get(end) == Some(&b' ') {
                    end + 1
                } else {
                    end
                };
                continue;
            }
            pending_hyphen = false;
            pending_apostrophe = false;
            let kind = match c {
                b'?' => Some(TokenKind::Question),
                b'.' | b'!' | b';' | b'\n' => Some(TokenKind::Stop),
                b',' | b':' => Some(TokenKind::Comma),
                _ => None,
            };
            match c {
                b'=' => {
                    // "restart = perte de progression": an equation reads like "est".
                    let tok = one_byte(TokenKind::Word, i);
                    if !self.push(tok) {
                        return;
                    }
                    i += 1;
                    pending_at = false;
                    continue;
                }
                b'"' => {
                    // Quoted words are mentioned, not used: "«redémarre» c'est ce qu'il a dit".
                    if let Some(close) = b[i + 1..].iter().position(|&q| q == b'"') {
                        i += close + 2;
                        continue;
                    }
                }
                b'<' => {
                    if let Some((tok, next)) = discord_markup(b, i) {
                        if let Some(tok) = tok {
                            if !self.push(tok) {
                                return;
                            }
                        }
                        i = next;
                        pending_at = false;
                        continue;
                    }
                }
                b'@' => {
                    pending_at = true;
                    i += 1;
                    continue;
                }
                b'*' | b'_' if i > 0 && is_word_byte(b[i - 1]) && closes_emphasis(b, i) => {
                    // "__**redémarre le serveur**__ c'est urgent": the end of bold or
                    // underlined words ends their clause.
                    let tok = one_byte(TokenKind::Comma, i);
                    if !self.push(tok) {
                        return;
                    }
                    while i < n && matches!(b[i], b'*' | b'_') {
                        i += 1;
                    }
                    pending_at = false;
                    continue;
                }
                b'-' => pending_hyphen = i > 0 && is_word_byte(b[i - 1]),
                b'\'' => pending_apostrophe = i > 0 && is_word_byte(b[i - 1]),
                _ => {}
            }
            pending_at = false;
            if let Some(kind) = kind {
                let tok = one_byte(kind, i);
                if !self.push(tok) {
                    return;
                }
            }
            i += 1;
        }
    }
}

/// Whether only a mention and spaces stand before byte `i` on its line: "<@1> > Redémarrage
/// refusé…" quotes the bot's words to it, though Discord shows no quote there.
fn after_a_mention_only(b: &[u8], i: usize) -> bool {
    if b[i - 1] != b' ' {
        return false;
    }
    let start = b[..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |k| k + 1);
    after_mention(&b[start..i]).is_some_and(<[u8]>::is_empty)
}

/// `line` past the user mention it opens on (`<@id>`, `<@!id>`) and the spaces around it;
/// `None` when it opens on none.
pub(crate) fn after_mention(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii_start();
    let end = line.iter().take(25).position(|&b| b == b'>')?;
    mention_id(&line[..=end])?;
    Some(line[end + 1..].trim_ascii_start())
}

/// Letters, digits and the bytes of non-ASCII letters (the normaliser keeps no other
/// non-ASCII character).
/// Whether a byte belongs to a word: an ASCII letter or digit, or part of a non-ASCII
/// letter. Asked of every byte of every message, hence one table look-up rather than
/// three range tests.
#[inline]
fn is_word_byte(b: u8) -> bool {
    const WORD_BYTES: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = (b as u8).is_ascii_alphanumeric() || b >= 0x80;
            b += 1;
        }
        table
    };
    WORD_BYTES[usize::from(b)]
}

/// Where the word at `start..end`, followed by an apostrophe, really ends, and whether
/// it keeps an apostrophe inside: English "n't" stays in the word ("don't" is one
/// negation), and so does the clipped "re-" of spoken "r'lance" (the tagger reads the
/// word as "relance"); any other apostrophe ends the word (a French elision, "j'ai").
/// Out of line: few words are followed by an apostrophe.
#[inline(never)]
fn over_apostrophes(b: &[u8], start: usize, mut end: usize) -> (usize, bool) {
    let n = b.len();
    let mut apostrophe = false;
    loop {
        while end < n && is_word_byte(b[end]) {
            end += 1;
        }
        if end < n
            && b[end] == b'\''
            && end > start
            && b[end - 1] == b'n'
            && end + 1 < n
            && b[end + 1] == b't'
            && (end + 2 == n || !is_word_byte(b[end + 2]))
        {
            end += 2;
        } else if end < n
            && b[end] == b'\''
            && end == start + 1
            && b[start] == b'r'
            && end + 1 < n
            && b[end + 1].is_ascii_alphabetic()
        {
            end += 1;
        } else {
            return (end, apostrophe);
        }
        apostrophe = true;
    }
}

/// A token of the one byte at `i` (punctuation, or "=" read as a word).
fn one_byte(kind: TokenKind, i: usize) -> Token {
    Token {
        kind,
        start: i as u16,
        end: i as u16 + 1,
        ..EMPTY
    }
}

/// Whether the run of `*` and `_` at `i` closes emphasis before more words: it is
/// followed by a space and a word.
fn closes_emphasis(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < b.len() && matches!(b[j], b'*' | b'_') {
        j += 1;
    }
    b.get(j) == Some(&b' ') && b.get(j + 1).is_some_and(|&c| is_word_byte(c))
}

/// "http://…", "https://…": links are skipped whole (their paths are not words).
fn is_link_start(word: &[u8], rest: &[u8]) -> bool {
    matches!(word, b"http" | b"https") && rest.starts_with(b"://")
}

/// Whether the word ends in "é", "ée", "és" or "ées" in the original text.
fn participle_ending(norm: &Normalized, start: usize, end: usize) -> bool {
    if !norm.any_acute() {
        return false;
    }
    let b = norm.as_bytes();
    let mut k = end;
    if k > start && b[k - 1] == b's' {
        k -= 1;
    }
    if k > start && b[k - 1] == b'e' && norm.had_acute(k - 1) {
        return true;
    }
    k >= start + 2 && b[k - 1] == b'e' && b[k - 2] == b'e' && norm.had_acute(k - 2)
}

/// Parses Discord markup starting at `b[i] == '<'`: a user mention becomes a token;
/// role and channel mentions, custom emoji, timestamps and `<link>`s are skipped.
/// Returns `None` when this `<` is plain text.
fn discord_markup(b: &[u8], i: usize) -> Option<(Option<Token>, usize)> {
    let close = i + b[i..].iter().take(100).position(|&c| c == b'>')?;
    let inner = &b[i + 1..close];
    let next = close + 1;
    if let Some(rest) = inner.strip_prefix(b"@") {
        let digits = rest.strip_prefix(b"!").unwrap_or(rest);
        if parse_id(digits).is_some() {
            let tok = Token {
                kind: TokenKind::Mention,
                start: i as u16,
                end: next as u16,
                ..EMPTY
            };
            return Some((Some(tok), next));
        }
        if let Some(role) = rest.strip_prefix(b"&") {
            return parse_id(role).map(|_| (None, next));
        }
        return None;
    }
    if let Some(chan) = inner.strip_prefix(b"#") {
        return parse_id(chan).map(|_| (None, next));
    }
    let emoji = inner.strip_prefix(b"a").unwrap_or(inner);
    if let Some(rest) = emoji.strip_prefix(b":") {
        let colon = rest.iter().position(|&c| c == b':')?;
        // A custom emoji closes a clause, as a Unicode one does (see the normaliser).
        let comma = Token {
            kind: TokenKind::Comma,
            start: i as u16,
            end: next as u16,
            ..EMPTY
        };
        return parse_id(&rest[colon + 1..]).map(|_| (Some(comma), next));
    }
    if inner.starts_with(b"t:") || inner.starts_with(b"http") {
        return Some((None, next));
    }
    None
}

/// The user id of a [`TokenKind::Mention`] token, from its normalised text (`<@id>` or
/// `<@!id>`, as [`discord_markup`] accepted it).
pub(crate) fn mention_id(text: &[u8]) -> Option<u64> {
    let inner = text.strip_prefix(b"<@")?.strip_suffix(b">")?;
    parse_id(inner.strip_prefix(b"!").unwrap_or(inner))
}

/// A Discord snowflake: 1 to 20 ASCII digits that fit in a `u64`.
fn parse_id(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        let n = Normalized::new(s);
        let t = Tokens::new(&n);
        t.as_slice()
            .iter()
            .map(|t| {
                let text = String::from_utf8_lossy(&n.as_bytes()[t.start as usize..t.end as usize])
                    .replace('\'', "");
                match t.kind {
                    TokenKind::Word => {
                        let mut s = String::new();
                        if t.at {
                            s.push('@');
                        }
                        if t.hyphenated {
                            s.push('-');
                        }
                        if t.after_apostrophe {
                            s.push('\'');
                        }
                        s.push_str(&text);
                        if t.participle {
                            s.push('*');
                        }
                        s
                    }
                    TokenKind::Mention => format!("<{}>", mention_id(text.as_bytes()).unwrap()),
                    TokenKind::Question => "?".into(),
                    TokenKind::Stop => ".".into(),
                    TokenKind::Comma => ",".into(),
                }
            })
            .collect()
    }

    #[test]
    fn splits_words_and_punctuation() {
        assert_eq!(
            toks("Hey <@123>, peux-tu reboot ?!"),
            ["hey", "<123>", ",", "peux", "-tu", "reboot", "?"]
        );
    }

    #[test]
    fn parses_mentions() {
        assert_eq!(toks("<@!42> ok"), ["<42>", "ok"]);
        assert_eq!(toks("<@&42> <#7> <:restart:99> <a:x:1> ok"), ["ok"]);
        assert_eq!(
            toks("<@99999999999999999999999>"),
            ["@99999999999999999999999"]
        );
        assert_eq!(toks("<@bot> x"), ["@bot", "x"]);
    }

    #[test]
    fn emoji_and_closing_emphasis_end_a_clause() {
        assert_eq!(
            toks("reboot mc <:cry:712345678909876543> mes coffres"),
            ["reboot", "mc", ",", "mes", "coffres"]
        );
        assert_eq!(
            toks("redémarre mc 😭😭 mes"),
            ["redemarre", "mc", ",", "mes"]
        );
        assert_eq!(
            toks("__**relance le serveur**__ c'est urgent"),
            ["relance", "le", "serveur", ",", "c", "'est", "urgent"]
        );
        assert_eq!(toks("le_serveur **gras**"), ["le", "serveur", "gras"]);
    }

    #[test]
    fn textual_mentions_are_flagged() {
        assert_eq!(toks("@CubeGuardian @ bot"), ["@cubeguardian", "@bot"]);
    }

    #[test]
    fn elisions_split_but_english_negations_stay_whole() {
        assert_eq!(toks("j'ai qu'est-ce"), ["j", "'ai", "qu", "'est", "-ce"]);
        assert_eq!(toks("don't can't we're"), ["dont", "cant", "we", "'re"]);
        // Spoken "r'lance" is one word (a clipped "relance"), not an elision.
        assert_eq!(toks("r'lance r' l'r"), ["rlance", "r", "l", "'r"]);
    }

    #[test]
    fn participle_endings_are_flagged() {
        assert_eq!(
            toks("redémarré redémarrée relancés redémarre"),
            ["redemarre*", "redemarree*", "relances*", "redemarre"]
        );
    }

    #[test]
    fn quotes_and_links_are_skipped() {
        assert_eq!(toks("> redémarre le serveur\nnon"), ["non"]);
        assert_eq!(toks("ok\n>>> redémarre\ntout"), ["ok", "."]);
        // The bot's words quoted back to it after its mention.
        assert_eq!(
            toks("<@1> > Redémarrage refusé\nah ok"),
            ["<1>", ".", "ah", "ok"]
        );
        assert_eq!(toks("<@1> a > b"), ["<1>", "a", "b"]);
        assert_eq!(
            toks("voir https://x.y/restart-now merci"),
            ["voir", "merci"]
        );
        assert_eq!(toks("«redémarre» a dit \"Jean\""), ["a", "dit"]);
        assert_eq!(
            toks("il a dit \"redémarre"),
            ["il", "a", "dit", "redemarre"]
        );
    }

    #[test]
    fn caps_the_token_count() {
        let t = Tokens::new(&Normalized::new(&"mot ".repeat(500)));
        assert_eq!(t.as_slice().len(), MAX_TOKENS);
        assert!(t.truncated());
    }

    #[test]
    fn punctuation_runs_collapse_and_question_wins() {
        assert_eq!(toks("quoi ,.? non"), ["quoi", "?", "non"]);
        assert_eq!(toks("!! oui"), ["oui"]);
    }
}
