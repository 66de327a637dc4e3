//! A short word as two integers: what the exact index compares and hashes.

/// A word of at most [`MAX_KEYED_BYTES`] bytes as two little-endian integers, zero-padded,
/// its length in the last byte: equal keys are equal words, compared in two instructions
/// and hashed in two more. No folded byte and no lexicon word's byte is 0, and every
/// lexicon word fits (a test checks it), so a longer word is in no entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordKey(pub(super) [u64; 2]);

/// How far [`WordKey::slot`] shifts its hash down: the index has at most 2^16 slots (its
/// entries are `u16`), and the top 16 bits of the hash are its best.
const INDEX_SHIFT: u32 = 48;

/// Longest word a [`WordKey`] holds.
pub(crate) const MAX_KEYED_BYTES: usize = 15;

/// For each word length up to [`MAX_KEYED_BYTES`], the masks of its bytes in the two halves
/// of a [`WordKey`], and its length where the key holds it.
const KEY_MASKS: [[u64; 3]; MAX_KEYED_BYTES + 1] = {
    let mut table = [[0; 3]; MAX_KEYED_BYTES + 1];
    let mut len = 0;
    while len <= MAX_KEYED_BYTES {
        let mut k = 0;
        while k < len {
            table[len][k / 8] |= 0xff << (8 * (k % 8));
            k += 1;
        }
        table[len][2] = (len as u64) << 56;
        len += 1;
    }
    table
};

impl WordKey {
    /// The key of `word`; `None` if it is longer than [`MAX_KEYED_BYTES`].
    pub(crate) fn of(word: &[u8]) -> Option<WordKey> {
        if word.len() > MAX_KEYED_BYTES {
            return None;
        }
        // Shifts, not a copy into a padded buffer: a copy of a variable length is a call
        // to `memcpy`.
        let mut key = [0u64; 2];
        for (k, &b) in word.iter().enumerate() {
            key[k / 8] |= u64::from(b) << (8 * (k % 8));
        }
        key[1] |= (word.len() as u64) << 56;
        Some(WordKey(key))
    }

    /// The key of the first `len` bytes of `window` (the rest is ignored): a word read in
    /// place in a larger buffer, without copying it out first.
    #[inline]
    pub(crate) fn of_window(window: &[u8; 16], len: usize) -> Option<WordKey> {
        let (low, high) = window.split_at(8);
        let word = |half: &[u8]| {
            half.first_chunk::<8>()
                .map_or(0, |c| u64::from_le_bytes(*c))
        };
        // Masks and length from a table (none past `MAX_KEYED_BYTES`): computed, the
        // variable shifts and their edge cases were a third of an exact look-up.
        let [low_mask, high_mask, length] = KEY_MASKS.get(len).copied()?;
        Some(WordKey([
            word(low) & low_mask,
            word(high) & high_mask | length,
        ]))
    }

    /// The index slot to probe first, in a table of `mask + 1` slots (a power of two):
    /// the top bits of a multiplicative hash, which every bit of the key reaches.
    #[inline]
    pub(super) fn slot(self, mask: usize) -> usize {
        let mixed = (self.0[0] ^ self.0[1].rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mixed >> INDEX_SHIFT) as usize & mask
    }
}
