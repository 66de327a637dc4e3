//! Stage 4 of the pipeline: attaches to every token what the later stages reason about —
//! its lexicon class, and whether it names the bot or another member.
//!
//! Owns the recognition of the bot's own name, which is only known per call ("Cube
//! Guardian", "@CubeGuardian", "cubeguardien" all name it), and of textual `@someone`
//! addresses. Works in fixed arrays: nothing here allocates.

use crate::lexicon::{self, Hit, Lex, Lexicon, MAX_WORD_BYTES, NO_ENTRY};
use crate::normalize::{compact_name, Normalized};
use crate::token::{self, TokenKind, Tokens, MAX_TOKENS};

/// Longest bot name compared (Discord names are at most 32 characters).
const MAX_NAME_BYTES: usize = 64;

/// Whether a token refers to a participant of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ref {
    /// Nobody in particular.
    No,
    /// A real mention of the bot, `<@bot_id>`.
    BotMention,
    /// The bot's name typed as text, with or without `@`.
    BotName,
    /// The word "bot".
    BotWord,
    /// A real mention of another member.
    OtherMention,
    /// `@someone` typed as text, not the bot ("@Jean", "@everyone").
    OtherAt,
}

impl Ref {
    /// Whether this token designates the bot.
    pub(crate) fn is_bot(self) -> bool {
        matches!(self, Ref::BotMention | Ref::BotName | Ref::BotWord)
    }
}

/// One token with what the pipeline knows about it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slot {
    pub(crate) kind: TokenKind,
    pub(crate) lex: Option<Lex>,
    /// Typo edits needed to recognise the word (0 for exact).
    pub(crate) distance: u8,
    pub(crate) refers: Ref,
    pub(crate) participle: bool,
    pub(crate) after_apostrophe: bool,
    pub(crate) start: u16,
    pub(crate) end: u16,
    /// Set by the address stage for vocatives and bot mentions: not part of the content.
    pub(crate) skip: bool,
    /// The lexicon entry that is this word exactly as typed (`lexicon::NO_ENTRY` if
    /// none): the learned stage adds that entry's own features, summed in advance.
    pub(crate) entry: u16,
    /// `lex`'s number for the learned stage (0 for none), from the lexicon entry: see
    /// `lexicon::Hit::code`.
    pub(crate) code: u8,
}

const EMPTY: Slot = Slot {
    kind: TokenKind::Stop,
    lex: None,
    distance: 0,
    refers: Ref::No,
    participle: false,
    after_apostrophe: false,
    start: 0,
    end: 0,
    skip: false,
    entry: NO_ENTRY,
    code: 0,
};

/// Room for the slots of one message (2.5 KiB), kept by the caller and overwritten by
/// each message (as the normalised text and token buffers are): made anew for each
/// message, filling it cost more instructions than tagging most messages' words.
pub(crate) struct SlotBuf([Slot; MAX_TOKENS]);

impl SlotBuf {
    pub(crate) const fn empty() -> Self {
        SlotBuf([EMPTY; MAX_TOKENS])
    }
}

/// A tagged message.
pub(crate) struct Tagged<'a> {
    /// Only the first `len` hold this message's tokens; the rest are a former message's.
    slots: &'a mut [Slot; MAX_TOKENS],
    len: usize,
    truncated: bool,
    norm: &'a Normalized,
    /// `norm`'s text, at hand for [`Tagged::text`], which every stage after this one asks
    /// of the tokens it looks at.
    bytes: &'a [u8],
}

/// The bot's name compacted as words are compared to it (folded, letters and digits
/// only), prepared once per message for the stages that look for it.
pub(crate) struct BotName {
    buf: [u8; MAX_NAME_BYTES],
    len: usize,
    /// What the lexicon makes of the name typed as one word, if known already (see
    /// [`NameReading`]).
    reading: Option<Option<Hit>>,
}

impl BotName {
    pub(crate) fn new(bot_name: &str) -> Self {
        let mut buf = [0u8; MAX_NAME_BYTES];
        let len = compact_name(bot_name, &mut buf);
        BotName {
            buf,
            len,
            reading: None,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// [`Lexicon::lookup_in`], answered from the name's reading when `word` is the name.
    #[inline(always)]
    fn lookup(&self, lexicon: &Lexicon, word: &[u8], window: Option<&[u8; 16]>) -> Option<Hit> {
        match self.reading {
            Some(reading) if word.len() == self.len && *word == *self.as_bytes() => reading,
            _ => lexicon.lookup_in(word, window),
        }
    }
}

/// The lexicon's reading of the last bot name a recogniser was given, kept from message
/// to message (see `Scratch` in `lib.rs`): many messages call the bot by its name, a name
/// is seldom a lexicon word, and typo matching it was a sixth of all typo matching. Every
/// lexicon is the same (`Lexicon::new` takes nothing), so the reading of a name is.
pub(crate) struct NameReading {
    name: [u8; MAX_NAME_BYTES],
    len: usize,
    reading: Option<Option<Hit>>,
}

impl NameReading {
    pub(crate) const fn empty() -> Self {
        NameReading {
            name: [0; MAX_NAME_BYTES],
            len: 0,
            reading: None,
        }
    }

    /// Gives `name` its reading, looked up only if the name is not the last one.
    pub(crate) fn read(&mut self, name: &mut BotName, lexicon: &Lexicon) {
        let current = name.as_bytes();
        if self.reading.is_none() || *current != self.name[..self.len] {
            self.name = name.buf;
            self.len = name.len;
            self.reading = Some(lexicon.lookup(current));
        }
        name.reading = self.reading;
    }
}

impl<'a> Tagged<'a> {
    /// Tags every token of `tokens` (taken from `norm`).
    #[cfg(test)]
    pub(crate) fn new(
        norm: &'a Normalized,
        tokens: &Tokens,
        lexicon: &Lexicon,
        bot_id: u64,
        bot_name: &str,
    ) -> Self {
        // A test's few messages may keep their buffers.
        let buf = Box::leak(Box::new(SlotBuf::empty()));
        let mut t = Tagged::empty(norm, buf);
        t.tag(tokens, lexicon, bot_id, &BotName::new(bot_name));
        t
    }

    /// No tokens yet, for [`Tagged::tag`], which overwrites `buf`.
    pub(crate) fn empty(norm: &'a Normalized, buf: &'a mut SlotBuf) -> Self {
        Tagged {
            slots: &mut buf.0,
            len: 0,
            truncated: false,
            norm,
            bytes: norm.as_bytes(),
        }
    }

    /// Tags every token of `tokens` (taken from the text this was made for), the bot's
    /// name prepared.
    pub(crate) fn tag(
        &mut self,
        tokens: &Tokens,
        lexicon: &Lexicon,
        bot_id: u64,
        bot_name: &BotName,
    ) {
        let name = bot_name.as_bytes();
        let norm = self.norm;
        let bytes = norm.as_bytes();
        let toks = tokens.as_slice();
        let t = self;
        t.len = toks.len();
        t.truncated = tokens.truncated();
        for (i, tok) in toks.iter().enumerate() {
            let mut slot = Slot {
                kind: tok.kind,
                participle: tok.participle,
                after_apostrophe: tok.after_apostrophe,
                start: tok.start,
                end: tok.end,
                ..EMPTY
            };
            match tok.kind {
                TokenKind::Mention => {
                    let text = &bytes[usize::from(tok.start)..usize::from(tok.end)];
                    slot.refers = if token::mention_id(text) == Some(bot_id) {
                        Ref::BotMention
                    } else {
                        Ref::OtherMention
                    };
                }
                TokenKind::Word if !tok.apostrophe && !tok.elongated => {
                    // Most words: the general arm below without its copies, read in place
                    // (see `Normalized::window`), and always the word as typed.
                    let start = usize::from(tok.start);
                    let word = &bytes[start..usize::from(tok.end)];
                    if let Some(hit) = bot_name.lookup(lexicon, word, norm.window(start)) {
                        slot.lex = Some(hit.lex);
                        slot.code = hit.code;
                        slot.distance = hit.distance;
                        slot.entry = hit.entry;
                    }
                    let named = word.len() <= MAX_WORD_BYTES && is_name(word, name);
                    slot.refers = reference(named, slot.lex, tok.at);
                }
                TokenKind::Word => {
                    let mut word_buf = [0u8; MAX_WORD_BYTES];
                    let raw = &bytes[usize::from(tok.start)..usize::from(tok.end)];
                    let word = without_apostrophes(raw, tok.apostrophe, &mut word_buf);
                    // The word as typed is read in place (see `Normalized::window`).
                    let window = norm
                        .window(usize::from(tok.start))
                        .filter(|_| !tok.apostrophe);
                    let mut hit = word.and_then(|w| lexicon.lookup_in(w, window));
                    if tok.elongated {
                        // "redémarreeee" folds to "redemarree", which reads as a feminine
                        // participle; the emphasis-free spelling is what was meant.
                        let mut squeezed_buf = [0u8; MAX_WORD_BYTES];
                        let squeezed = squeeze(norm, tok.start, tok.end, &mut squeezed_buf);
                        let alt = lexicon.lookup(squeezed);
                        if alt.is_some_and(|a| hit.is_none_or(|h| a.distance <= h.distance)) {
                            // Not the word as typed: no entry.
                            hit = alt.map(|a| Hit {
                                entry: NO_ENTRY,
                                ..a
                            });
                        }
                    }
                    if let Some(hit) = hit {
                        slot.lex = Some(hit.lex);
                        slot.code = hit.code;
                        slot.distance = hit.distance;
                        // Only the word as typed (the very bytes of the text, no
                        // apostrophe taken out, no "r'" read as "re"): the model's
                        // features are of the typed text.
                        if word.is_some_and(|w| std::ptr::eq(w, raw)) {
                            slot.entry = hit.entry;
                        }
                    }
                    let named = word.is_some_and(|w| is_name(w, name));
                    slot.refers = reference(named, slot.lex, tok.at);
                }
                _ => {}
            }
            t.slots[i] = slot;
        }
        t.join_split_names(name, bytes);
    }

    /// "Cube Guardian" typed as two words still names the bot.
    fn join_split_names(&mut self, name: &[u8], bytes: &[u8]) {
        if name.len() < 6 {
            return;
        }
        for i in 1..self.len {
            let (a, b) = (&self.slots[i - 1], &self.slots[i]);
            if a.kind != TokenKind::Word || b.kind != TokenKind::Word || a.refers.is_bot() {
                continue;
            }
            // Lengths and first letter before the words' bytes: nearly every pair of
            // words stops there.
            let len =
                usize::from(a.end.wrapping_sub(a.start)) + usize::from(b.end.wrapping_sub(b.start));
            if len > MAX_NAME_BYTES || !could_be_name(bytes.get(usize::from(a.start)), len, name) {
                continue;
            }
            let wa = &bytes[usize::from(a.start)..usize::from(a.end)];
            let wb = &bytes[usize::from(b.start)..usize::from(b.end)];
            let mut joined = [0u8; MAX_NAME_BYTES];
            joined[..wa.len()].copy_from_slice(wa);
            joined[wa.len()..wa.len() + wb.len()].copy_from_slice(wb);
            if is_name(&joined[..wa.len() + wb.len()], name) {
                for slot in &mut self.slots[i - 1..=i] {
                    slot.refers = Ref::BotName;
                    slot.lex = None;
                    slot.code = 0;
                    slot.entry = NO_ENTRY;
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots[..self.len]
    }

    pub(crate) fn slots_mut(&mut self) -> &mut [Slot] {
        &mut self.slots[..self.len]
    }

    /// Whether the end of the message was cut off by a length cap.
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// The normalised text these tokens were taken from.
    pub(crate) fn norm(&self) -> &'a Normalized {
        self.norm
    }

    /// The normalised text of token `i`.
    #[inline]
    pub(crate) fn text(&self, i: usize) -> &[u8] {
        let s = &self.slots[i];
        &self.bytes[usize::from(s.start)..usize::from(s.end)]
    }

    /// Whether the words from token `j` on are `phrase`.
    pub(crate) fn phrase_at(&self, j: usize, phrase: &[&[u8]]) -> bool {
        j + phrase.len() <= self.len()
            && phrase
                .iter()
                .enumerate()
                .all(|(k, w)| self.slots[j + k].kind == TokenKind::Word && self.text(j + k) == *w)
    }
}

/// Whether any token of the message could refer to the bot: a mention of `bot_id`, the
/// bot's name (typed, with typos, or split in two words) or the word "bot", exactly as
/// `Tagged::tag` would tag them. A public message where none does can never address the
/// bot, so its words need no look-up at all (the typo-tolerant ones are the dearest part
/// of parsing): the recogniser stops there.
pub(crate) fn may_name_the_bot(
    norm: &Normalized,
    tokens: &Tokens,
    lexicon: &Lexicon,
    bot_id: u64,
    bot_name: &BotName,
) -> bool {
    let name = bot_name.as_bytes();
    let bytes = norm.as_bytes();
    let toks = tokens.as_slice();
    for (i, tok) in toks.iter().enumerate() {
        match tok.kind {
            TokenKind::Mention
                if token::mention_id(&bytes[usize::from(tok.start)..usize::from(tok.end)])
                    == Some(bot_id) =>
            {
                return true
            }
            TokenKind::Word => {
                let raw = &bytes[usize::from(tok.start)..usize::from(tok.end)];
                // Typo matching never yields `Lex::Bot`: only an exact "bot" does.
                let names = |word: &[u8]| is_name(word, name) || lexicon.is_bot_word(word);
                if !tok.apostrophe {
                    // Most words: the word as typed, without the copy below.
                    if raw.len() <= MAX_WORD_BYTES && names(raw) {
                        return true;
                    }
                } else if let Some(word) = without_apostrophes(raw, true, &mut [0; MAX_WORD_BYTES])
                {
                    if names(word) {
                        return true;
                    }
                }
                if tok.elongated {
                    let mut squeezed_buf = [0u8; MAX_WORD_BYTES];
                    let squeezed = squeeze(norm, tok.start, tok.end, &mut squeezed_buf);
                    if lexicon.is_bot_word(squeezed) {
                        return true;
                    }
                }
                // "Cube Guardian" (see `join_split_names`).
                if let Some(prev) = i.checked_sub(1).map(|p| &toks[p]) {
                    let len = usize::from(prev.end.wrapping_sub(prev.start)) + raw.len();
                    if prev.kind == TokenKind::Word
                        && name.len() >= 6
                        && len <= MAX_NAME_BYTES
                        && could_be_name(bytes.get(usize::from(prev.start)), len, name)
                    {
                        let prev_raw = &bytes[usize::from(prev.start)..usize::from(prev.end)];
                        let mut joined = [0u8; MAX_NAME_BYTES];
                        joined[..prev_raw.len()].copy_from_slice(prev_raw);
                        joined[prev_raw.len()..prev_raw.len() + raw.len()].copy_from_slice(raw);
                        if is_name(&joined[..prev_raw.len() + raw.len()], name) {
                            return true;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Copies `word` without apostrophes ("don't" → "dont") when it has any (`apostrophe`,
/// as the tokeniser saw it); `None` for words too long to be in the lexicon.
#[inline(always)]
fn without_apostrophes<'b>(
    word: &'b [u8],
    apostrophe: bool,
    buf: &'b mut [u8; MAX_WORD_BYTES],
) -> Option<&'b [u8]> {
    if word.len() > MAX_WORD_BYTES {
        return None;
    }
    if !apostrophe {
        return Some(word);
    }
    elide(word, buf)
}

/// [`without_apostrophes`] for a word that has one: out of line, for the few such words.
#[inline(never)]
fn elide<'b>(word: &[u8], buf: &'b mut [u8; MAX_WORD_BYTES]) -> Option<&'b [u8]> {
    let mut n = 0;
    if let Some(rest) = word.strip_prefix(b"r'") {
        // "r'lance" is "relance" said fast (see the tokeniser).
        if rest.len() + 2 > MAX_WORD_BYTES {
            return None;
        }
        buf[..2].copy_from_slice(b"re");
        n = 2;
        for &b in rest.iter().filter(|&&b| b != b'\'') {
            buf[n] = b;
            n += 1;
        }
        return Some(&buf[..n]);
    }
    for &b in word.iter().filter(|&&b| b != b'\'') {
        buf[n] = b;
        n += 1;
    }
    Some(&buf[..n])
}

/// Copies the word at `start..end` without its emphasis letters (see
/// `Normalized::elongated`) and apostrophes.
fn squeeze<'b>(
    norm: &Normalized,
    start: u16,
    end: u16,
    buf: &'b mut [u8; MAX_WORD_BYTES],
) -> &'b [u8] {
    let (start, end) = (usize::from(start), usize::from(end));
    let mut n = 0;
    for (k, &byte) in norm.as_bytes()[start..end].iter().enumerate() {
        if norm.elongated(start + k) || byte == b'\'' || n == MAX_WORD_BYTES {
            continue;
        }
        buf[n] = byte;
        n += 1;
    }
    &buf[..n]
}

/// Whether a word of `len` bytes whose first byte is `first` can pass [`is_name`] at
/// all: it needs a length within the typo budget and the name's first letter. Lets the
/// check of every pair of neighbouring words as a split name skip joining them.
fn could_be_name(first: Option<&u8>, len: usize, name: &[u8]) -> bool {
    len.abs_diff(name.len()) <= usize::from(lexicon::edit_budget(name.len()))
        && name.first().is_some_and(|f| first == Some(f))
}

/// Whether `word` is the compacted bot name, allowing the usual typo budget.
///
/// Asked of every word, twice for public messages: the first letter and the length,
/// which `typo_distance` would check first too, are compared here, so that nearly every
/// word is answered without a call.
#[inline]
fn is_name(word: &[u8], name: &[u8]) -> bool {
    let Some(first) = name.first() else {
        return false;
    };
    if word.first() != Some(first) || word.len().abs_diff(name.len()) > 2 {
        return false;
    }
    word == name || (name.len() >= 5 && lexicon::typo_distance(word, name).is_some())
}

/// Whom a word refers to: the bot by its name, the bot by a common word ("bot"), another
/// member called with an "@", or no one.
fn reference(named: bool, lex: Option<Lex>, at: bool) -> Ref {
    if named {
        Ref::BotName
    } else if lex == Some(Lex::Bot) {
        Ref::BotWord
    } else if at {
        Ref::OtherAt
    } else {
        Ref::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<Ref> {
        let lexicon = Lexicon::new();
        let norm = Normalized::new(text);
        let tokens = Tokens::new(&norm);
        let t = Tagged::new(&norm, &tokens, &lexicon, 7, "CubeGuardian");
        t.slots().iter().map(|s| s.refers).collect()
    }

    #[test]
    fn recognises_the_bot_and_others() {
        use Ref::*;
        assert_eq!(
            refs("<@7> <@!7> <@8>"),
            [BotMention, BotMention, OtherMention]
        );
        assert_eq!(
            refs("@CubeGuardian cubeguardien bot"),
            [BotName, BotName, BotWord]
        );
        assert_eq!(refs("Cube Guardian"), [BotName, BotName]);
        assert_eq!(refs("@Jean @everyone jean"), [OtherAt, OtherAt, No]);
    }

    #[test]
    fn english_contractions_reach_the_lexicon_whole() {
        let lexicon = Lexicon::new();
        let norm = Normalized::new("don't");
        let tokens = Tokens::new(&norm);
        let t = Tagged::new(&norm, &tokens, &lexicon, 7, "x");
        assert_eq!(t.slots()[0].lex, Some(Lex::Negation));
    }
}
