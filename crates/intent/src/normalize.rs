//! Stage 1 of the pipeline: turns raw message text into a small, canonical byte string.
//!
//! Owns Unicode folding (compatibility decomposition, combining marks stripped, lowercase),
//! the collapse of letter repetitions ("redémarreeee" → "redemarree"), whitespace and
//! punctuation squeezing, and the cap on how much of a message is looked at. Everything is
//! written into a fixed buffer on the stack: nothing here allocates.
//!
//! Accents are dropped because players type without them, but one distinction matters for
//! French verbs: "redémarre" (an order) and "redémarré" (a past participle) only differ by
//! the accent. So the position of every `e` that carried an acute accent is remembered in a
//! bit set, which the tokeniser turns into a "participle ending" flag.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// How many characters of a message are analysed.
///
/// Discord caps a message at 2000 characters for ordinary accounts, so every message a
/// player can type fits whole; only Nitro-length texts or hostile input (100 KB pastes,
/// zalgo piles of combining marks) are cut. Each character costs a table look-up, so this
/// bounds the work per message to a few tens of microseconds whatever arrives.
pub(crate) const MAX_ANALYSED_CHARS: usize = 2000;

/// Size of the normalised buffer. Folded text is mostly ASCII, so 2000 analysed characters
/// fit; characters that expand under compatibility decomposition (ligatures, "ﷺ") simply
/// stop the analysis early when the buffer is full.
pub(crate) const NORMALIZED_CAPACITY: usize = 2048;

/// The combining acute accent, kept track of on `e` to tell participles from orders.
const COMBINING_ACUTE: char = '\u{301}';

/// A message folded to lowercase, unaccented text in a fixed buffer.
///
/// The buffer holds ASCII letters, digits, spaces, newlines and punctuation, plus any
/// non-ASCII *alphanumeric* character left after folding (Cyrillic, CJK…); symbols and
/// emoji become spaces. It is always valid UTF-8.
pub(crate) struct Normalized {
    bytes: [u8; NORMALIZED_CAPACITY],
    len: usize,
    acute: [u64; NORMALIZED_CAPACITY / 64],
    elongated: [u64; NORMALIZED_CAPACITY / 64],
    /// Whether any bit of `acute` is set, and any of `elongated`: most messages have
    /// neither, and the tokeniser asks both of every word.
    any_acute: bool,
    any_elongated: bool,
    /// Whether any byte is one of [`QUOTING_BYTES`]: most messages have none, and the
    /// scan for quotes reads the message up to every action word.
    any_markup: bool,
    /// The Discord markup the learned stage looks for, noted as it is appended (one bit
    /// per mark of [`Normalized::marks`]; the line break's bit comes from
    /// `first_newline`): the stage read every byte of a message for it, and most
    /// messages have a markup byte (the `>` of every mention).
    marks: u8,
    /// Where the first line break is, `usize::MAX` for none: a last one is trimmed.
    first_newline: usize,
    truncated: bool,
}

impl Normalized {
    /// Folds `text`, reading at most [`MAX_ANALYSED_CHARS`] characters.
    #[cfg(test)]
    pub(crate) fn new(text: &str) -> Self {
        let mut out = Normalized::empty();
        out.fold(text);
        out
    }

    /// An empty buffer, for [`Normalized::fold`]. Made once per thread by the recognizer
    /// and folded into again for every message (see `Scratch` in `lib.rs`): zeroing its
    /// 2.5 KiB anew for each was an eighth of the instructions of parsing one.
    pub(crate) const fn empty() -> Self {
        Normalized {
            bytes: [0; NORMALIZED_CAPACITY],
            len: 0,
            acute: [0; NORMALIZED_CAPACITY / 64],
            elongated: [0; NORMALIZED_CAPACITY / 64],
            any_acute: false,
            any_elongated: false,
            any_markup: false,
            marks: 0,
            first_newline: usize::MAX,
            truncated: false,
        }
    }

    /// Folds `text` into this buffer, replacing the message it held, reading at most
    /// [`MAX_ANALYSED_CHARS`] characters.
    pub(crate) fn fold(&mut self, text: &str) {
        let out = self;
        // Forget the previous message. Its bytes need no clearing (nothing reads past
        // `len`), and its accent and elongation bits all lie below its `len` (they mark
        // letters, which the trailing-separator trim below never drops).
        // (Most messages set none: the flags say so, and spare the clearing.)
        let used = out.len.div_ceil(64);
        if out.any_acute {
            out.acute[..used].fill(0);
        }
        if out.any_elongated {
            out.elongated[..used].fill(0);
        }
        out.any_acute = false;
        out.any_elongated = false;
        out.any_markup = false;
        out.marks = 0;
        out.first_newline = usize::MAX;
        out.len = 0;
        out.truncated = false;
        // Bytes, not `chars()`: most of every message is ASCII, and decoding each byte as
        // a character, then testing it against the arms of `push_source_char`, cost more
        // than folding it. Other characters are decoded where they start.
        //
        // ASCII is folded here on local state (the length, the last two bytes, the
        // flags), which stays in registers: through `self`, every byte stored and loaded
        // the length back and read the previous bytes from the buffer again. Only the
        // other characters go through `self`, with that state written back and reread.
        let src = text.as_bytes();
        let mut i = 0;
        // Where the character budget runs out if the rest is ASCII: moved on by the extra
        // bytes of every other character, so that ASCII bytes need no count of their own.
        let mut stop = src.len().min(MAX_ANALYSED_CHARS);
        let mut head = &src[..stop];
        let mut extra = 0;
        let mut len = 0usize;
        // The last byte of the buffer and the one before, 0 where there is none (no
        // folded byte is 0).
        let (mut p1, mut p2) = (0u8, 0u8);
        let mut markup = false;
        let mut elongated = false;
        let mut acute = false;
        'chars: while i < head.len() {
            let b = head[i];
            let byte = 'byte: {
                let (l, accent) = if b.is_ascii_alphabetic() {
                    // Letters, most of every message, by one well-predicted test: through
                    // the class table's `match`, a jump table, every word's edges cost an
                    // indirect misprediction.
                    i += 1;
                    (b | 0x20, false)
                } else if b == b' ' {
                    // The commonest byte after letters, before the table's `match` (a jump
                    // table): what its arms below do to a space. The last byte is above
                    // b' ' unless there is none (0), or it is a separator.
                    i += 1;
                    if p1 <= b' ' {
                        continue 'chars;
                    }
                    break 'byte b' ';
                } else if b.is_ascii() {
                    i += 1;
                    break 'byte match ASCII_CLASS[usize::from(b)] {
                        AsciiClass::Collapsing if b == p1 => continue 'chars,
                        AsciiClass::Letter | AsciiClass::Plain | AsciiClass::Collapsing => {
                            if MARKUP_BYTES[usize::from(b)] {
                                markup |= QUOTING_BYTES[usize::from(b)];
                                if len < NORMALIZED_CAPACITY {
                                    out.marks |= mark_bit(b, p1, len);
                                }
                            }
                            b
                        }
                        // Never two separators in a row, none first; a newline wins.
                        AsciiClass::Newline | AsciiClass::Space if len == 0 || p1 == b'\n' => {
                            continue 'chars
                        }
                        AsciiClass::Newline if p1 == b' ' => {
                            out.bytes[len - 1] = b'\n';
                            out.first_newline = out.first_newline.min(len - 1);
                            p1 = b'\n';
                            continue 'chars;
                        }
                        AsciiClass::Newline => {
                            out.first_newline = out.first_newline.min(len);
                            b'\n'
                        }
                        AsciiClass::Space if p1 == b' ' => continue 'chars,
                        AsciiClass::Space => b' ',
                    };
                } else if let Some(folded) = latin1_letter(b, head.get(i + 1)) {
                    // The accented letters of French, two bytes each: folded here as
                    // `push_source_char` folds them, without decoding them.
                    i += 2;
                    extra += 1;
                    stop = src.len().min(MAX_ANALYSED_CHARS + extra);
                    head = &src[..stop];
                    match folded {
                        ACUTE_E => (b'e', true),
                        l => (l, false),
                    }
                } else {
                    let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                        break 'chars;
                    };
                    i += c.len_utf8();
                    extra += c.len_utf8() - 1;
                    stop = src.len().min(MAX_ANALYSED_CHARS + extra);
                    head = &src[..stop];
                    out.len = len;
                    out.any_markup |= markup;
                    out.any_elongated |= elongated;
                    out.any_acute |= acute;
                    let fits = out.push_source_char(c);
                    len = out.len;
                    markup = out.any_markup;
                    elongated = out.any_elongated;
                    acute = out.any_acute;
                    p1 = len.checked_sub(1).map_or(0, |k| out.bytes[k]);
                    p2 = len.checked_sub(2).map_or(0, |k| out.bytes[k]);
                    if !fits {
                        out.truncated = true;
                        break 'chars;
                    }
                    continue 'chars;
                };
                if l == p1 && l == p2 {
                    // A third letter in a row: dropped, the run marked elongated.
                    let k = len - 1;
                    out.elongated[k / 64] |= 1 << (k % 64);
                    elongated = true;
                    if accent {
                        out.acute[k / 64] |= 1 << (k % 64);
                        acute = true;
                    }
                    continue 'chars;
                }
                if accent {
                    if len >= NORMALIZED_CAPACITY {
                        out.truncated = true;
                        break 'chars;
                    }
                    out.acute[len / 64] |= 1 << (len % 64);
                    acute = true;
                }
                l
            };
            if len >= NORMALIZED_CAPACITY {
                out.truncated = true;
                break 'chars;
            }
            out.bytes[len] = byte;
            len += 1;
            p2 = p1;
            p1 = byte;
        }
        // Stopped by the character budget.
        if i < src.len() {
            out.truncated = true;
        }
        out.len = len;
        out.any_markup |= markup;
        out.any_elongated |= elongated;
        out.any_acute |= acute;
        // Drop a trailing separator so the last token is followed by nothing.
        while out.len > 0 && matches!(out.bytes[out.len - 1], b' ' | b'\n') {
            out.len -= 1;
        }
        if out.first_newline < out.len {
            out.marks |= 1 << 5;
        }
    }

    /// The folded text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The 16 bytes of the buffer from `start` (past the text's end, a former message's or
    /// zeros), if the buffer has them: a word read in place as integers
    /// (`lexicon::WordKey::of_window`), which ignores what follows it.
    #[inline]
    pub(crate) fn window(&self, start: usize) -> Option<&[u8; 16]> {
        self.bytes.get(start..)?.first_chunk::<16>()
    }

    /// The 24 bytes of the buffer from `start`, as [`Normalized::window`] (for
    /// `model::char_ngrams_in`).
    #[inline]
    pub(crate) fn window24(&self, start: usize) -> Option<&[u8; 24]> {
        self.bytes.get(start..)?.first_chunk::<24>()
    }

    /// Whether the byte at `i` is an `e` that carried an acute accent in the original.
    #[inline]
    pub(crate) fn had_acute(&self, i: usize) -> bool {
        i < self.len && self.acute[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether the byte at `i` is the second letter of a run that was longer in the
    /// original ("eeee" → "ee"): emphasis, not spelling, so it may be dropped for matching.
    #[inline]
    pub(crate) fn elongated(&self, i: usize) -> bool {
        i < self.len && self.elongated[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether any `e` of the message carried an acute accent (see
    /// [`Normalized::had_acute`]).
    #[inline]
    pub(crate) fn any_acute(&self) -> bool {
        self.any_acute
    }

    /// Whether any byte of the text is one of the marks that quote or hide words
    /// ([`QUOTING_BYTES`]: `` ` ``, `"`, `|`, `~`); if not, `gates::quoted` can find
    /// nothing. (Not the other markup bytes: a `>` is in every mention, and the learned
    /// stage takes the rest from [`Normalized::marks`].)
    #[inline]
    pub(crate) fn any_markup(&self) -> bool {
        self.any_markup
    }

    /// The Discord markup of the text, a bit each: 0 a backtick (code), 1 `||` (spoiler),
    /// 2 a double quote, 3 `*` or `_` (emphasis), 4 `>` at the start of a line (quote),
    /// 5 a line break, 6 `~` (strike-through).
    #[inline]
    pub(crate) fn marks(&self) -> u8 {
        self.marks
    }

    /// Whether any byte in `start..end` is [`Normalized::elongated`], a 64-bit word of the
    /// bit set at a time (the tokeniser asks it of every word).
    pub(crate) fn elongated_within(&self, start: usize, end: usize) -> bool {
        if !self.any_elongated {
            return false;
        }
        let end = end.min(self.len);
        let mut i = start;
        while i < end {
            let word = self.elongated[i / 64] >> (i % 64);
            let span = (64 - i % 64).min(end - i);
            let mask = if span == 64 {
                u64::MAX
            } else {
                (1 << span) - 1
            };
            if word & mask != 0 {
                return true;
            }
            i += span;
        }
        false
    }

    /// Whether part of the message was not analysed (too long for the caps above).
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// Handles one character of the original text; false once the buffer is full.
    fn push_source_char(&mut self, c: char) -> bool {
        if c.is_ascii_alphanumeric() {
            // Most of every message: what the last ASCII arm below does, without first
            // testing the character against every other arm.
            return self.push_ascii(c.to_ascii_lowercase() as u8);
        }
        match c {
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => self.push_separator(b'\n'),
            // Invisible characters used to split words ("re\u{200b}start") are removed.
            '\u{ad}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}' => true,
            // Typographic apostrophes become the ASCII one the tokeniser understands.
            '\u{2018}' | '\u{2019}' | '\u{2032}' | '\u{2bc}' => self.push_ascii(b'\''),
            // Typographic quotes become the ASCII one the tokeniser understands.
            '«' | '»' | '\u{201c}' | '\u{201d}' | '\u{201e}' => self.push_ascii(b'"'),
            'œ' | 'Œ' => self.push_ascii(b'o') && self.push_ascii(b'e'),
            'æ' | 'Æ' => self.push_ascii(b'a') && self.push_ascii(b'e'),
            'ß' => self.push_ascii(b's') && self.push_ascii(b's'),
            'ł' | 'Ł' => self.push_ascii(b'l'),
            'đ' | 'Đ' => self.push_ascii(b'd'),
            'ı' => self.push_ascii(b'i'),
            c if c.is_control() || c.is_whitespace() => self.push_separator(b' '),
            // Fast paths for what most messages are made of (the decomposition below costs
            // three Unicode table look-ups a character): ASCII, and the accented letters
            // of French, folded exactly as the decomposition would fold them.
            c if c.is_ascii() => self.push_ascii(c.to_ascii_lowercase() as u8),
            'é' | 'É' => self.push_acute_e(),
            c if accented_letter(c) != 0 => self.push_ascii(accented_letter(c)),
            c => {
                // Compatibility decomposition, one character at a time. Canonical reordering
                // of combining marks is not needed because every mark is dropped.
                let mut fits = true;
                decompose_compatible(c, |d| fits = fits && self.push_decomposed(d));
                fits
            }
        }
    }

    /// Appends the `e` of an `é` and remembers its accent, as the decomposition path does
    /// for "e" followed by a combining acute.
    fn push_acute_e(&mut self) -> bool {
        if !self.push_ascii(b'e') {
            return false;
        }
        if self.len > 0 && self.bytes[self.len - 1] == b'e' {
            let i = self.len - 1;
            self.acute[i / 64] |= 1 << (i % 64);
            self.any_acute = true;
        }
        true
    }

    /// Handles one character produced by decomposition.
    fn push_decomposed(&mut self, d: char) -> bool {
        if is_combining_mark(d) {
            if d == COMBINING_ACUTE && self.len > 0 && self.bytes[self.len - 1] == b'e' {
                let i = self.len - 1;
                self.acute[i / 64] |= 1 << (i % 64);
                self.any_acute = true;
            }
            return true;
        }
        for l in d.to_lowercase() {
            let fits = if is_combining_mark(l) {
                true
            } else if l.is_ascii() {
                let b = l as u8;
                if b.is_ascii_whitespace() || b.is_ascii_control() {
                    self.push_separator(b' ')
                } else {
                    self.push_ascii(b)
                }
            } else if l.is_alphanumeric() {
                self.push_utf8(l)
            } else if is_pictograph(l) {
                // An emoji closes what was said before it, like a comma: "redémarre mc 😭
                // mes moutons sont coincés" is an order, then a complaint.
                self.push_ascii(b',')
            } else {
                // Other symbols and exotic punctuation: word separators.
                self.push_separator(b' ')
            };
            if !fits {
                return false;
            }
        }
        true
    }

    /// Appends a printable ASCII byte, collapsing letter runs beyond two and punctuation
    /// runs beyond one ("!!!" → "!"). Always inlined: it runs for nearly every byte of
    /// every message, and left out of line (it has a dozen callers) its call cost more
    /// than its body.
    #[inline(always)]
    fn push_ascii(&mut self, b: u8) -> bool {
        match ASCII_CLASS[usize::from(b & 0x7f)] {
            AsciiClass::Letter => self.push_letter(b),
            AsciiClass::Collapsing => self.push_collapsing(b),
            _ => self.push_plain(b),
        }
    }

    /// [`Normalized::push_ascii`] for a lowercase letter: a third one in a row is dropped
    /// and marks the run as elongated.
    #[inline(always)]
    fn push_letter(&mut self, b: u8) -> bool {
        let n = self.len;
        if n >= 2 && self.bytes[n - 1] == b && self.bytes[n - 2] == b {
            self.elongated[(n - 1) / 64] |= 1 << ((n - 1) % 64);
            self.any_elongated = true;
            return true;
        }
        self.push_byte(b)
    }

    /// [`Normalized::push_ascii`] for sentence punctuation and decoration, which collapse
    /// to one: Discord markup ('>>>', '<@', '://') keeps its exact spelling.
    #[inline(always)]
    fn push_collapsing(&mut self, b: u8) -> bool {
        let n = self.len;
        if n >= 1 && self.bytes[n - 1] == b {
            return true;
        }
        self.push_plain(b)
    }

    /// Appends a byte as it is, noting markup.
    #[inline(always)]
    fn push_plain(&mut self, b: u8) -> bool {
        if MARKUP_BYTES[usize::from(b)] {
            self.any_markup |= QUOTING_BYTES[usize::from(b)];
            if self.len < NORMALIZED_CAPACITY {
                let last = self.len.checked_sub(1).map_or(0, |k| self.bytes[k]);
                self.marks |= mark_bit(b, last, self.len);
            }
        }
        self.push_byte(b)
    }

    /// Appends a byte that is no markup (a letter) as it is.
    #[inline(always)]
    fn push_byte(&mut self, b: u8) -> bool {
        let n = self.len;
        if n >= NORMALIZED_CAPACITY {
            return false;
        }
        self.bytes[n] = b;
        self.len += 1;
        true
    }

    /// Appends a space or newline, never two in a row (a newline wins over a space).
    #[inline]
    fn push_separator(&mut self, b: u8) -> bool {
        match self.len.checked_sub(1).map(|i| self.bytes[i]) {
            None | Some(b'\n') => true,
            Some(b' ') => {
                if b == b'\n' {
                    self.bytes[self.len - 1] = b'\n';
                    self.first_newline = self.first_newline.min(self.len - 1);
                }
                true
            }
            Some(_) => {
                if self.len >= NORMALIZED_CAPACITY {
                    return false;
                }
                self.bytes[self.len] = b;
                if b == b'\n' {
                    self.first_newline = self.first_newline.min(self.len);
                }
                self.len += 1;
                true
            }
        }
    }

    /// Appends a non-ASCII alphanumeric character whole, or reports that it does not fit.
    fn push_utf8(&mut self, c: char) -> bool {
        let width = c.len_utf8();
        if self.len + width > NORMALIZED_CAPACITY {
            return false;
        }
        c.encode_utf8(&mut self.bytes[self.len..self.len + width]);
        self.len += width;
        true
    }
}

/// The ASCII letter an accented letter of French (or `ø`) folds to, as its compatibility
/// decomposition would fold it; 0 for any other character (`é` included: its accent is
/// remembered, see [`Normalized::push_acute_e`]).
const fn accented_letter(c: char) -> u8 {
    match c {
        'è' | 'ê' | 'ë' | 'È' | 'Ê' | 'Ë' => b'e',
        'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => b'a',
        'ç' | 'Ç' => b'c',
        'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => b'u',
        'î' | 'ï' | 'Î' | 'Ï' => b'i',
        'ô' | 'ö' | 'Ô' | 'Ö' | 'ø' | 'Ø' => b'o',
        _ => 0,
    }
}

/// In [`LATIN1_LETTERS`], `é` or `É`: an `e` whose accent is remembered.
const ACUTE_E: u8 = 1;

/// For U+00C0..=U+00FF (UTF-8 `0xC3` then `0x80 + k`), what [`accented_letter`] folds
/// them to, or [`ACUTE_E`]; 0 for the others, which take the general path.
const LATIN1_LETTERS: [u8; 64] = {
    let mut table = [0; 64];
    let mut k = 0;
    while k < 64 {
        table[k] = match char::from_u32(0xC0 + k as u32) {
            Some('é' | 'É') => ACUTE_E,
            Some(c) => accented_letter(c),
            None => 0,
        };
        k += 1;
    }
    table
};

/// The letter (or [`ACUTE_E`]) that the character starting with `lead` and `next` folds to,
/// if it is one of [`LATIN1_LETTERS`].
#[inline(always)]
fn latin1_letter(lead: u8, next: Option<&u8>) -> Option<u8> {
    if lead != 0xC3 {
        return None;
    }
    let folded = LATIN1_LETTERS[usize::from(*next? & 0x3f)];
    (folded != 0).then_some(folded)
}

/// The bit of [`Normalized::marks`] that markup byte `b` sets when appended at `at`, after
/// `last` (0 for none).
fn mark_bit(b: u8, last: u8, at: usize) -> u8 {
    match b {
        b'`' => 1,
        b'|' if last == b'|' => 1 << 1,
        b'"' => 1 << 2,
        b'*' | b'_' => 1 << 3,
        b'>' if at == 0 || last == b'\n' => 1 << 4,
        b'~' => 1 << 6,
        _ => 0,
    }
}

/// The Discord markup bytes: those [`Normalized::marks`] notes, and the scan of
/// `gates::quoted` reacts to. Nearly every byte of a message is a letter or a space: one
/// table look-up skips those, where a `match` tested each against every arm.
pub(crate) const MARKUP_BYTES: [bool; 256] = byte_set(b"`|\"*_>\n~");

/// The markup bytes that quote or hide words, which `gates::quoted` counts (see
/// [`Normalized::any_markup`]).
pub(crate) const QUOTING_BYTES: [bool; 256] = byte_set(b"`\"|~");

/// A membership table of `bytes`, built at compile time.
const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = true;
        k += 1;
    }
    table
}

// Quoting bytes are markup bytes: `any_markup` is noted where markup is.
const _: () = {
    let mut b = 0;
    while b < 256 {
        assert!(!QUOTING_BYTES[b] || MARKUP_BYTES[b]);
        b += 1;
    }
};

/// How an ASCII byte is folded (see [`Normalized::push_source_char`], whose arms for
/// ASCII this table restates).
#[derive(Clone, Copy)]
enum AsciiClass {
    /// A letter: lowercased, runs beyond two collapse.
    Letter,
    /// Digits and punctuation that keep every repetition.
    Plain,
    /// Sentence punctuation and decoration: runs collapse to one.
    Collapsing,
    /// `\n`, `\r`: a line break.
    Newline,
    /// Other control characters and the space: a word separator.
    Space,
}

const ASCII_CLASS: [AsciiClass; 128] = {
    let mut table = [AsciiClass::Plain; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() {
            AsciiClass::Letter
        } else if c == b'\n' || c == b'\r' {
            AsciiClass::Newline
        } else if c.is_ascii_control() || c == b' ' {
            AsciiClass::Space
        } else if matches!(
            c,
            b'!' | b'?' | b'.' | b',' | b';' | b'~' | b'*' | b'_' | b'-' | b'='
        ) {
            AsciiClass::Collapsing
        } else {
            AsciiClass::Plain
        };
        b += 1;
    }
    table
};

/// Folds a bot's display name to its letters and digits ("Cube Guardian" → "cubeguardian")
/// into `out`, returning the length used. Names longer than `out` are cut.
pub(crate) fn compact_name(name: &str, out: &mut [u8]) -> usize {
    let mut len = 0;
    for c in name.chars().take(out.len() * 2) {
        if c.is_ascii() {
            // What the decomposition below does to ASCII, without its table look-ups: the
            // name is compacted on every message.
            if c.is_ascii_alphanumeric() && len < out.len() {
                out[len] = c.to_ascii_lowercase() as u8;
                len += 1;
            }
            continue;
        }
        decompose_compatible(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            for l in d.to_lowercase() {
                if l.is_ascii_alphanumeric() && len < out.len() {
                    out[len] = l as u8;
                    len += 1;
                }
            }
        });
    }
    len
}

/// Emoji and pictographs (the blocks chat clients offer in their emoji pickers).
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF)
}

#[cfg(test)]
mod tests;
