//! The summariser: turns a [`DigestRequest`] into a [`Digest`], the
//! language-free facts the renderers show — per channel, either every
//! message (important channels) or an extractive summary (who spoke, how
//! much, what drew replies and reactions, links and files shared).
//!
//! Pure and deterministic: no I/O, no clock, and every ranking has a total
//! order (ties go to the earlier message or speaker), so the same request
//! always gives the same digest. It is built for the large case (100,000
//! messages across 20 channels): one pass groups messages by channel,
//! replies are counted beside the request's messages (their targets found
//! by binary search over the ids, which the archive gives in order), and
//! the digest borrows from the request instead of copying message contents.
//!
//! Also owns the two text helpers the renderers share with it: finding the
//! web links in a message ([`link_ranges`]) and shortening a quote
//! ([`excerpt`]).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::snowflake::{IdMap, IdSet};
use std::ops::Range;

use super::model::{Attachment, CapturedMessage, Channel, DigestRequest};

/// Messages shown in full per important channel. An announcement channel
/// never gets near it; a channel that suddenly does is better read on
/// Discord than in a mail thousands of lines long.
pub const FULL_CHANNEL_CAP: usize = 200;

/// A channel that is not important but had at most this many messages is
/// shown in full too: a summary of three messages ("3 messages, 2
/// participants") tells the reader less than the messages themselves.
pub const SMALL_CHANNEL: usize = 10;

/// Most active participants named per summarised channel: enough to say
/// who carried the conversation without turning into a member list.
pub const TOP_PARTICIPANTS: usize = 5;

/// Messages quoted per summarised channel for the replies and reactions
/// they drew: a handful is what a reader skims.
pub const TOP_HIGHLIGHTS: usize = 5;

/// Distinct links listed per summarised channel; the rest are counted.
pub const MAX_LINKS: usize = 20;

/// Attachments listed per summarised channel; the rest are counted.
pub const MAX_ATTACHMENTS: usize = 20;

/// Length of a quoted excerpt in characters, "…" included: about two
/// lines of a mail, enough to recognise a message.
pub const EXCERPT_CHARS: usize = 200;

/// What the renderers show: the active channels in display order, and the
/// totals for the whole window. Borrows from the request it was built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest<'a> {
    /// Channels with at least one message in the window: important ones
    /// first, then the others, each group in the guild's order.
    pub channels: Vec<ChannelDigest<'a>>,
    pub totals: Totals,
}

/// Counts over the whole digest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub messages: usize,
    /// Distinct authors across all channels.
    pub participants: usize,
    /// Channels with at least one message.
    pub channels: usize,
}

/// One channel's part of the digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelDigest<'a> {
    pub channel: &'a Channel,
    pub messages: usize,
    /// Distinct authors in this channel.
    pub participants: usize,
    pub content: ChannelContent<'a>,
}

/// How a channel is shown: in full when important or small (at most
/// [`SMALL_CHANNEL`] messages), summarised otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelContent<'a> {
    Full(Transcript<'a>),
    Summary(Summary<'a>),
}

/// An important channel's messages, in posting order, up to
/// [`FULL_CHANNEL_CAP`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript<'a> {
    pub posts: Vec<Post<'a>>,
    /// Messages past the cap, not shown.
    pub omitted: usize,
    /// The first message not shown, so the reader can continue on Discord
    /// from there.
    pub first_omitted: Option<&'a CapturedMessage>,
}

/// A message shown in full, with the message it answers when that one is
/// in the window too (so the renderer can say "in reply to Alice").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Post<'a> {
    pub message: &'a CapturedMessage,
    pub reply_to: Option<&'a CapturedMessage>,
}

/// The extractive summary of a channel that is not important.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary<'a> {
    /// Up to [`TOP_PARTICIPANTS`], most messages first.
    pub top_participants: Vec<Participant<'a>>,
    /// Up to [`TOP_HIGHLIGHTS`] messages that drew replies or reactions.
    pub highlights: Vec<Highlight<'a>>,
    /// Distinct web links, in the order first shared.
    pub links: Vec<SharedLink<'a>>,
    /// Distinct links past [`MAX_LINKS`].
    pub links_omitted: usize,
    pub attachments: Vec<SharedAttachment<'a>>,
    /// Attachments past [`MAX_ATTACHMENTS`].
    pub attachments_omitted: usize,
}

/// Someone who spoke in a channel, and how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Participant<'a> {
    pub author_id: u64,
    /// Their display name on their latest message in the window (names
    /// change; the latest is the one readers know).
    pub name: &'a str,
    pub messages: usize,
}

/// A message that drew attention. Ranked by replies plus reactions; ties
/// go to the earlier message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight<'a> {
    pub message: &'a CapturedMessage,
    /// Replies from other members within the window (answering oneself
    /// does not make a message interesting).
    pub replies: u32,
    pub reactions: u32,
    /// The content shortened to [`EXCERPT_CHARS`], on one line.
    pub excerpt: Cow<'a, str>,
}

/// A web link found in a message, with that message (the first one that
/// shared it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedLink<'a> {
    pub url: &'a str,
    pub message: &'a CapturedMessage,
}

/// A file attached to a message, with that message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedAttachment<'a> {
    pub attachment: &'a Attachment,
    pub message: &'a CapturedMessage,
}

/// Builds the digest of `req`. Messages outside `[from, to)` or in a
/// channel that is not listed are left out, as the request's contract says.
pub fn summarise<'a>(req: &DigestRequest<'a>) -> Digest<'a> {
    summarise_with(req, SMALL_CHANNEL)
}

/// [`summarise`], showing in full every channel with at most `small`
/// messages (0: only important channels; the unit tests use it to see
/// summaries of small fixtures).
pub fn summarise_with<'a>(req: &DigestRequest<'a>, small: usize) -> Digest<'a> {
    let grouped = Grouped::new(req);

    let important = req.channels.iter().enumerate().filter(|(_, c)| c.important);
    let others = req
        .channels
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.important);
    let mut channels = Vec::new();
    for (i, channel) in important.chain(others) {
        let messages = &grouped.by_channel[i];
        if messages.is_empty() {
            continue;
        }
        let content = if channel.important || messages.len() <= small {
            ChannelContent::Full(transcript(messages, &grouped))
        } else {
            ChannelContent::Summary(summary(messages, &grouped))
        };
        channels.push(ChannelDigest {
            channel,
            messages: messages.len(),
            participants: distinct_authors(messages),
            content,
        });
    }

    let totals = Totals {
        messages: grouped.by_channel.iter().map(Vec::len).sum(),
        participants: grouped.authors.len(),
        channels: channels.len(),
    };
    Digest { channels, totals }
}

/// The request's messages sorted out in one pass: per listed channel (in
/// posting order), the replies each drew, and the set of everyone who
/// spoke. Replies are counted in a vector beside the request's messages
/// and targets found by binary search over their ids, rather than in a map
/// by id: at 100,000 messages the map was 3 MiB and a third of the time.
struct Grouped<'a> {
    messages: &'a [CapturedMessage],
    /// Parallel to `req.channels`.
    by_channel: Vec<Vec<Entry<'a>>>,
    /// Parallel to `messages`: replies drawn from others, or [`LEFT_OUT`]
    /// for a message outside the window or in an unlisted channel.
    replies: Vec<u32>,
    /// Positions in `messages` sorted by id, when `messages` is not (the
    /// archive's are, so this is for other callers).
    by_id: Option<Vec<usize>>,
    authors: IdSet,
}

/// A message in the digest and its position in the request.
#[derive(Clone, Copy)]
struct Entry<'a> {
    message: &'a CapturedMessage,
    pos: usize,
}

/// The reply count of a message that is not in the digest.
const LEFT_OUT: u32 = u32::MAX;

impl<'a> Grouped<'a> {
    fn new(req: &DigestRequest<'a>) -> Grouped<'a> {
        let mut slot_of: IdMap<usize> = IdMap::default();
        for (i, channel) in req.channels.iter().enumerate() {
            slot_of.entry(channel.id).or_insert(i);
        }

        let messages = req.messages;
        let mut by_channel = vec![Vec::new(); req.channels.len()];
        let mut replies = vec![LEFT_OUT; messages.len()];
        let mut authors = IdSet::default();
        for (pos, message) in messages.iter().enumerate() {
            if message.posted_ms < req.from.as_millis_i64()
                || message.posted_ms >= req.to.as_millis_i64()
            {
                continue;
            }
            let Some(&slot) = slot_of.get(&message.channel_id) else {
                continue;
            };
            by_channel[slot].push(Entry { message, pos });
            replies[pos] = 0;
            authors.insert(message.author_id);
        }
        let by_id = (!messages.is_sorted_by_key(|m| m.id)).then(|| {
            let mut order: Vec<usize> = (0..messages.len()).collect();
            order.sort_by_key(|&p| messages[p].id);
            order
        });

        let mut grouped = Grouped {
            messages,
            by_channel,
            replies,
            by_id,
            authors,
        };
        // A second loop because a reply's target must be known first.
        for slot in 0..grouped.by_channel.len() {
            for i in 0..grouped.by_channel[slot].len() {
                let message = grouped.by_channel[slot][i].message;
                let Some(target) = message.reply_to.and_then(|id| grouped.find(id)) else {
                    continue;
                };
                if messages[target].author_id != message.author_id {
                    let count = &mut grouped.replies[target];
                    *count = (*count + 1).min(LEFT_OUT - 1);
                }
            }
        }
        grouped
    }

    /// The position of the message `id`, if it is in the digest.
    fn find(&self, id: u64) -> Option<usize> {
        let pos = match &self.by_id {
            None => self.messages.binary_search_by_key(&id, |m| m.id).ok()?,
            Some(order) => {
                order[order
                    .binary_search_by_key(&id, |&p| self.messages[p].id)
                    .ok()?]
            }
        };
        (self.replies[pos] != LEFT_OUT).then_some(pos)
    }
}

fn distinct_authors(messages: &[Entry<'_>]) -> usize {
    messages
        .iter()
        .map(|e| e.message.author_id)
        .collect::<IdSet>()
        .len()
}

/// An important channel: every message up to the cap.
fn transcript<'a>(messages: &[Entry<'a>], grouped: &Grouped<'a>) -> Transcript<'a> {
    let shown = messages.len().min(FULL_CHANNEL_CAP);
    let posts = messages[..shown]
        .iter()
        .map(|&Entry { message, .. }| Post {
            message,
            reply_to: message
                .reply_to
                .and_then(|target| grouped.find(target))
                .map(|target| &grouped.messages[target]),
        })
        .collect();
    Transcript {
        posts,
        omitted: messages.len() - shown,
        first_omitted: messages.get(shown).map(|e| e.message),
    }
}

/// Any other channel: the extractive summary.
fn summary<'a>(messages: &[Entry<'a>], grouped: &Grouped<'a>) -> Summary<'a> {
    let mut links = Vec::new();
    let mut links_omitted = 0;
    let mut seen_links = HashSet::new();
    let mut attachments = Vec::new();
    let mut attachments_omitted = 0;
    let mut highlights = TopN::new(TOP_HIGHLIGHTS);

    for &Entry { message, pos } in messages {
        let replies = grouped.replies[pos];
        let score = u64::from(replies) + u64::from(message.reactions);
        if score > 0 {
            highlights.offer(score, (message, replies));
        }

        for range in link_ranges(&message.content) {
            let url = &message.content[range];
            if seen_links.insert(url) {
                if links.len() < MAX_LINKS {
                    links.push(SharedLink { url, message });
                } else {
                    links_omitted += 1;
                }
            }
        }

        for attachment in &message.attachments {
            if attachments.len() < MAX_ATTACHMENTS {
                attachments.push(SharedAttachment {
                    attachment,
                    message,
                });
            } else {
                attachments_omitted += 1;
            }
        }
    }

    Summary {
        top_participants: top_participants(messages),
        highlights: highlights
            .into_vec()
            .into_iter()
            .map(|(message, replies)| Highlight {
                message,
                replies,
                reactions: message.reactions,
                excerpt: excerpt(&message.content, EXCERPT_CHARS),
            })
            .collect(),
        links,
        links_omitted,
        attachments,
        attachments_omitted,
    }
}

/// The most active authors, most messages first; ties go to whoever spoke
/// first.
fn top_participants<'a>(messages: &[Entry<'a>]) -> Vec<Participant<'a>> {
    // (messages, position of the first, position of the latest)
    let mut tally: IdMap<(usize, usize, usize)> = IdMap::default();
    for (pos, Entry { message, .. }) in messages.iter().enumerate() {
        let entry = tally.entry(message.author_id).or_insert((0, pos, pos));
        entry.0 += 1;
        entry.2 = pos;
    }
    let mut ranked: Vec<_> = tally.into_iter().collect();
    ranked.sort_unstable_by_key(|&(_, (count, first, _))| (std::cmp::Reverse(count), first));
    ranked.truncate(TOP_PARTICIPANTS);
    ranked
        .into_iter()
        .map(|(author_id, (count, _, latest))| Participant {
            author_id,
            name: &messages[latest].message.author_name,
            messages: count,
        })
        .collect()
}

/// Keeps the `n` highest-scored items offered, in a small sorted vector:
/// linear in the items offered, and an equal score never displaces an
/// earlier offer, so ties go to the earlier message.
struct TopN<T> {
    n: usize,
    items: Vec<(u64, T)>,
}

impl<T> TopN<T> {
    fn new(n: usize) -> TopN<T> {
        TopN {
            n,
            items: Vec::with_capacity(n + 1),
        }
    }

    fn offer(&mut self, score: u64, item: T) {
        let at = self.items.partition_point(|&(s, _)| s >= score);
        if at < self.n {
            self.items.insert(at, (score, item));
            self.items.truncate(self.n);
        }
    }

    fn into_vec(self) -> Vec<T> {
        self.items.into_iter().map(|(_, item)| item).collect()
    }
}

/// The byte ranges of the `http://` and `https://` links in `text`, in
/// order. Only those schemes are found, so whatever a renderer turns into a
/// link is a web address (never `javascript:` or `data:`).
///
/// A link ends at whitespace, a control character or one of `< > " \``, so
/// Discord's embed-suppressing `<https://…>` form and quoted links come out
/// clean; trailing punctuation that belongs to the sentence (`.,;:!?'*_~|`)
/// and closing brackets without an opening one inside the link (as in
/// `(see https://x)` or a Markdown `[text](https://x)`) are left out.
pub fn link_ranges(text: &str) -> LinkRanges<'_> {
    LinkRanges { text, pos: 0 }
}

/// Iterator returned by [`link_ranges`].
#[derive(Clone, Debug)]
pub struct LinkRanges<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for LinkRanges<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            // `| 0x20` lowercases an ASCII letter and maps no other byte to 'h'.
            let start = self.pos + bytes[self.pos..].iter().position(|b| b | 0x20 == b'h')?;
            self.pos = start + 1;
            if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
                continue; // "xhttp://" is not a link
            }
            let Some(scheme_len) = scheme_len(&bytes[start..]) else {
                continue;
            };
            let host = start + scheme_len;
            let end = trim_link_end(self.text, host, link_end(self.text, host));
            if end == host || bytes[host] == b'/' {
                continue; // no host
            }
            self.pos = end;
            return Some(start..end);
        }
        None
    }
}

/// Whether all of `url` is one web address (`http://` or `https://`, a
/// host, nothing a link would stop at), so a renderer may make it a link.
/// Attachment URLs come from Discord, but are checked like anything else.
pub fn is_web_link(url: &str) -> bool {
    let bytes = url.as_bytes();
    scheme_len(bytes).is_some_and(|host| {
        bytes.get(host).is_some_and(|&b| b != b'/') && link_end(url, host) == url.len()
    })
}

/// The length of an `http://` or `https://` prefix (any case) of `bytes`.
fn scheme_len(bytes: &[u8]) -> Option<usize> {
    ["https://", "http://"].into_iter().find_map(|scheme| {
        let head = bytes.get(..scheme.len())?;
        head.eq_ignore_ascii_case(scheme.as_bytes())
            .then_some(scheme.len())
    })
}

/// Where a link starting before `from` stops at the latest.
fn link_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'))
        .map_or(text.len(), |(i, _)| from + i)
}

/// Drops the sentence punctuation and unbalanced closing brackets at the
/// end of `text[..end]`, never going before `host`.
fn trim_link_end(text: &str, host: usize, mut end: usize) -> usize {
    while end > host {
        let Some(last) = text[host..end].chars().next_back() else {
            break;
        };
        let link = &text[host..end];
        let unbalanced = |open: char, close: char| {
            last == close && link.matches(close).count() > link.matches(open).count()
        };
        let drop = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' | '|'
        ) || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}');
        if !drop {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// `text` on one line (runs of whitespace, newlines included, become one
/// space) and at most `max_chars` characters long: longer text is cut, at a
/// word boundary when one is near, and ends with "…". Cuts never split a
/// character, nor separate an emoji or letter from the joiner, variation
/// selector, skin tone or combining accent that follows it. Borrows when
/// nothing needs changing.
pub fn excerpt(text: &str, max_chars: usize) -> Cow<'_, str> {
    if max_chars == 0 {
        return Cow::Borrowed("");
    }
    let trimmed = text.trim();
    let tidy = !trimmed
        .char_indices()
        .any(|(i, c)| c.is_whitespace() && (c != ' ' || trimmed[i + 1..].starts_with(' ')));
    if tidy && trimmed.chars().nth(max_chars).is_none() {
        return Cow::Borrowed(trimmed);
    }

    let mut words = trimmed.split_whitespace();
    let mut one_line = String::with_capacity(trimmed.len().min(max_chars * 4));
    if let Some(first) = words.next() {
        one_line.push_str(first);
    }
    for word in words {
        one_line.push(' ');
        one_line.push_str(word);
    }
    let Some((cut, _)) = one_line.char_indices().nth(max_chars) else {
        return Cow::Owned(one_line);
    };

    // Room for the "…", then back to a word boundary if one is close.
    let mut cut = one_line[..cut]
        .char_indices()
        .next_back()
        .map_or(0, |(i, _)| i);
    let near_word = one_line[..cut]
        .rfind(' ')
        .filter(|&space| one_line[space..cut].chars().count() <= WORD_BACKOFF_CHARS);
    if let Some(space) = near_word {
        cut = space;
    }
    while let Some((before, prev)) = one_line[..cut].char_indices().next_back() {
        let next = one_line[cut..].chars().next();
        if prev != ZERO_WIDTH_JOINER && !next.is_some_and(extends_previous) {
            break;
        }
        cut = before;
    }
    one_line.truncate(cut);
    one_line.truncate(one_line.trim_end().len());
    one_line.push('…');
    Cow::Owned(one_line)
}

/// How far back [`excerpt`] looks for a space to cut at, so a quote ends
/// on a whole word unless that would lose too much.
const WORD_BACKOFF_CHARS: usize = 30;

/// Glues emoji into one picture (👩‍👩‍👧): never cut right after it.
const ZERO_WIDTH_JOINER: char = '\u{200D}';

/// Whether `c` belongs with the character before it on screen (a cut
/// before it would leave a broken emoji or a stray accent).
fn extends_previous(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'     // combining diacritical marks
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'   // combining marks for symbols (keycaps)
        | ZERO_WIDTH_JOINER
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{1F3FB}'..='\u{1F3FF}' // skin tones
        | '\u{E0020}'..='\u{E007F}' // tag characters (subdivision flags)
    )
}

#[cfg(test)]
mod tests;
