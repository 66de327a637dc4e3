//! The summariser: turns a [`DigestRequest`] into a [`Digest`], the
//! language-free facts the renderers show — per channel, either every
//! message (important channels) or an extractive summary (who spoke, how
//! much, what drew replies and reactions, links and files shared).
//!
//! Pure and deterministic: no I/O, no clock, and every ranking has a total
//! order (ties go to the earlier message or speaker), so the same request
//! always gives the same digest. It is built for the large case (100,000
//! messages across 20 channels): one pass groups messages by channel and
//! indexes them by id, replies are counted through that index, and the
//! digest borrows from the request instead of copying message contents.
//!
//! Also owns the two text helpers the renderers share with it: finding the
//! web links in a message ([`link_ranges`]) and shortening a quote
//! ([`excerpt`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
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
            ChannelContent::Full(transcript(messages, &grouped.index))
        } else {
            ChannelContent::Summary(summary(messages, &grouped.index))
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
/// posting order), indexed by id with the replies each drew, and the set of
/// everyone who spoke.
struct Grouped<'a> {
    /// Parallel to `req.channels`.
    by_channel: Vec<Vec<&'a CapturedMessage>>,
    index: HashMap<u64, Indexed<'a>>,
    authors: HashSet<u64>,
}

/// A message in the window, with the replies it drew from others.
struct Indexed<'a> {
    message: &'a CapturedMessage,
    replies: u32,
}

impl<'a> Grouped<'a> {
    fn new(req: &DigestRequest<'a>) -> Grouped<'a> {
        let mut slot_of = HashMap::with_capacity(req.channels.len());
        for (i, channel) in req.channels.iter().enumerate() {
            slot_of.entry(channel.id).or_insert(i);
        }

        let mut by_channel = vec![Vec::new(); req.channels.len()];
        let mut index = HashMap::with_capacity(req.messages.len());
        let mut authors = HashSet::new();
        for message in req.messages {
            if message.posted_ms < req.from.as_millis_i64()
                || message.posted_ms >= req.to.as_millis_i64()
            {
                continue;
            }
            let Some(&slot) = slot_of.get(&message.channel_id) else {
                continue;
            };
            by_channel[slot].push(message);
            index.insert(
                message.id,
                Indexed {
                    message,
                    replies: 0,
                },
            );
            authors.insert(message.author_id);
        }

        // A second loop because a reply's target must be indexed first; it
        // is a cheap hash lookup per reply, whatever the input order.
        for message in by_channel.iter().flatten() {
            let Some(target) = message.reply_to else {
                continue;
            };
            if let Some(target) = index.get_mut(&target) {
                if target.message.author_id != message.author_id {
                    target.replies = target.replies.saturating_add(1);
                }
            }
        }

        Grouped {
            by_channel,
            index,
            authors,
        }
    }
}

fn distinct_authors(messages: &[&CapturedMessage]) -> usize {
    messages
        .iter()
        .map(|m| m.author_id)
        .collect::<HashSet<_>>()
        .len()
}

/// An important channel: every message up to the cap.
fn transcript<'a>(
    messages: &[&'a CapturedMessage],
    index: &HashMap<u64, Indexed<'a>>,
) -> Transcript<'a> {
    let shown = messages.len().min(FULL_CHANNEL_CAP);
    let posts = messages[..shown]
        .iter()
        .map(|&message| Post {
            message,
            reply_to: message
                .reply_to
                .and_then(|target| index.get(&target))
                .map(|target| target.message),
        })
        .collect();
    Transcript {
        posts,
        omitted: messages.len() - shown,
        first_omitted: messages.get(shown).copied(),
    }
}

/// Any other channel: the extractive summary.
fn summary<'a>(messages: &[&'a CapturedMessage], index: &HashMap<u64, Indexed<'a>>) -> Summary<'a> {
    let mut links = Vec::new();
    let mut links_omitted = 0;
    let mut seen_links = HashSet::new();
    let mut attachments = Vec::new();
    let mut attachments_omitted = 0;
    let mut highlights = TopN::new(TOP_HIGHLIGHTS);

    for &message in messages {
        let replies = index.get(&message.id).map_or(0, |m| m.replies);
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
fn top_participants<'a>(messages: &[&'a CapturedMessage]) -> Vec<Participant<'a>> {
    // (messages, position of the first, position of the latest)
    let mut tally: HashMap<u64, (usize, usize, usize)> = HashMap::new();
    for (pos, message) in messages.iter().enumerate() {
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
            name: &messages[latest].author_name,
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
mod tests {
    use super::*;
    use crate::messages::Language;
    use crate::time::Timestamp;

    fn msg(id: u64, channel_id: u64, author_id: u64, content: &str) -> CapturedMessage {
        CapturedMessage {
            id,
            channel_id,
            author_id,
            author_name: format!("user{author_id}"),
            posted_ms: 1_000 + id as i64,
            edited: false,
            content: content.to_owned(),
            attachments: Vec::new(),
            reply_to: None,
            reactions: 0,
        }
    }

    fn channel(id: u64, name: &str, important: bool) -> Channel {
        Channel {
            id,
            name: name.to_owned(),
            important,
        }
    }

    fn request<'a>(
        channels: &'a [Channel],
        messages: &'a [CapturedMessage],
        zone: &'a jiff::tz::TimeZone,
    ) -> DigestRequest<'a> {
        DigestRequest {
            guild_id: 1,
            guild_name: "Guild",
            channels,
            messages,
            from: Timestamp(0),
            to: Timestamp(u64::MAX),
            zone,
            language: Language::Fr,
            preamble: None,
        }
    }

    fn links(text: &str) -> Vec<&str> {
        link_ranges(text).map(|r| &text[r]).collect()
    }

    fn the_summary<'d, 'a>(digest: &'d Digest<'a>, channel_id: u64) -> &'d Summary<'a> {
        let found = digest.channels.iter().find(|c| c.channel.id == channel_id);
        match found.map(|c| &c.content) {
            Some(ChannelContent::Summary(s)) => s,
            other => panic!("channel {channel_id} is not summarised: {other:?}"),
        }
    }

    #[test]
    fn important_channels_come_first_then_guild_order_and_silent_ones_are_left_out() {
        let channels = [
            channel(10, "general", false),
            channel(20, "silent", false),
            channel(30, "annonces", true),
            channel(40, "random", false),
            channel(50, "rules", true),
        ];
        let messages = [
            msg(1, 40, 1, "a"),
            msg(2, 10, 1, "b"),
            msg(3, 50, 2, "c"),
            msg(4, 30, 3, "d"),
            msg(5, 99, 3, "unlisted channel"),
        ];
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let order: Vec<u64> = digest.channels.iter().map(|c| c.channel.id).collect();
        assert_eq!(order, [30, 50, 10, 40]);
        assert!(matches!(
            digest.channels[0].content,
            ChannelContent::Full(_)
        ));
        assert!(matches!(
            digest.channels[2].content,
            ChannelContent::Summary(_)
        ));
        assert_eq!(
            digest.totals,
            Totals {
                messages: 4,
                participants: 3,
                channels: 4
            }
        );
    }

    #[test]
    fn messages_outside_the_window_are_left_out() {
        let channels = [channel(10, "general", false)];
        let messages = [
            msg(1, 10, 1, "early"),
            msg(2, 10, 2, "in"),
            msg(3, 10, 3, "end"),
        ];
        let zone = jiff::tz::TimeZone::UTC;
        let mut req = request(&channels, &messages, &zone);
        req.from = Timestamp(1_002);
        req.to = Timestamp(1_003); // exclusive
        let digest = summarise_with(&req, 0);
        assert_eq!(digest.totals.messages, 1);
        assert_eq!(the_summary(&digest, 10).top_participants[0].author_id, 2);
    }

    #[test]
    fn counts_and_most_active_participants_with_ties_to_the_earlier_speaker() {
        let channels = [channel(10, "general", false)];
        let mut messages = Vec::new();
        // author 7 speaks first but less; 8 and 9 tie, 9 spoke first.
        let authors = [7, 9, 8, 9, 8, 3, 4, 5, 6, 9, 8];
        for (i, author) in authors.into_iter().enumerate() {
            messages.push(msg(i as u64 + 1, 10, author, "x"));
        }
        messages[10].author_name = "eight renamed".into();
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        assert_eq!(digest.channels[0].messages, 11);
        assert_eq!(digest.channels[0].participants, 7);
        let top: Vec<(u64, &str, usize)> = the_summary(&digest, 10)
            .top_participants
            .iter()
            .map(|p| (p.author_id, p.name, p.messages))
            .collect();
        assert_eq!(
            top,
            [
                (9, "user9", 3),
                (8, "eight renamed", 3),
                (7, "user7", 1),
                (3, "user3", 1),
                (4, "user4", 1)
            ]
        );
    }

    #[test]
    fn highlights_rank_replies_plus_reactions_ties_to_the_earlier_and_skip_zero() {
        let channels = [channel(10, "general", false)];
        let mut messages: Vec<CapturedMessage> = (1..=12).map(|id| msg(id, 10, id, "m")).collect();
        messages[0].reactions = 2; // id 1: score 2
        messages[1].reactions = 5; // id 2: score 5
        messages[2].reactions = 2; // id 3: score 2, later than id 1
                                   // id 4 gets three replies from others and one from its own author.
        for (i, author) in [(5, 50), (6, 60), (7, 70), (8, 4)] {
            messages[i - 1].reply_to = Some(4);
            messages[i - 1].author_id = author;
        }
        // A reply to a message outside the window counts for nothing.
        messages[8].reply_to = Some(999);
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let ranked: Vec<(u64, u32, u32)> = the_summary(&digest, 10)
            .highlights
            .iter()
            .map(|h| (h.message.id, h.replies, h.reactions))
            .collect();
        assert_eq!(ranked, [(2, 0, 5), (4, 3, 0), (1, 0, 2), (3, 0, 2)]);
    }

    #[test]
    fn highlights_keep_only_the_top_five() {
        let channels = [channel(10, "general", false)];
        let mut messages: Vec<CapturedMessage> = (1..=20).map(|id| msg(id, 10, id, "m")).collect();
        for m in &mut messages {
            m.reactions = (m.id % 7) as u32;
        }
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let ids: Vec<u64> = the_summary(&digest, 10)
            .highlights
            .iter()
            .map(|h| h.message.id)
            .collect();
        assert_eq!(ids, [6, 13, 20, 5, 12]);
    }

    #[test]
    fn links_are_found_deduplicated_and_capped() {
        let channels = [channel(10, "general", false)];
        let mut messages = vec![
            msg(
                1,
                10,
                1,
                "see https://a.example/x and <https://b.example/y>",
            ),
            msg(
                2,
                10,
                2,
                "again https://a.example/x, then http://c.example.",
            ),
        ];
        for i in 0..MAX_LINKS as u64 + 3 {
            messages.push(msg(10 + i, 10, 3, &format!("https://many.example/{i}")));
        }
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let summary = the_summary(&digest, 10);
        let found: Vec<(&str, u64)> = summary
            .links
            .iter()
            .take(3)
            .map(|l| (l.url, l.message.id))
            .collect();
        assert_eq!(
            found,
            [
                ("https://a.example/x", 1),
                ("https://b.example/y", 1),
                ("http://c.example", 2)
            ]
        );
        assert_eq!(summary.links.len(), MAX_LINKS);
        assert_eq!(summary.links_omitted, 6);
    }

    #[test]
    fn link_ends_drop_sentence_punctuation_and_unbalanced_brackets() {
        assert_eq!(links("(see https://x.example/a)."), ["https://x.example/a"]);
        assert_eq!(links("https://x.example/a).,"), ["https://x.example/a"]);
        assert_eq!(
            links("https://en.wikipedia.org/wiki/Foo_(bar) ok"),
            ["https://en.wikipedia.org/wiki/Foo_(bar)"]
        );
        assert_eq!(links("[doc](https://x.example/d)"), ["https://x.example/d"]);
        assert_eq!(links("<https://x.example/s>"), ["https://x.example/s"]);
        assert_eq!(
            links("||https://x.example/spoiler||"),
            ["https://x.example/spoiler"]
        );
        assert_eq!(links("**https://x.example/b**!"), ["https://x.example/b"]);
        assert_eq!(links("HTTPS://X.EXAMPLE"), ["HTTPS://X.EXAMPLE"]);
        assert_eq!(
            links("https://x.example/été?q=1"),
            ["https://x.example/été?q=1"]
        );
        assert_eq!(
            links("a https://x.example/\"><img onerror=alert(1)>"),
            ["https://x.example/"]
        );
    }

    #[test]
    fn only_web_links_are_found() {
        assert!(links("javascript:alert(1) data:text/html,x ftp://x.example").is_empty());
        assert!(links("xhttps://x.example https:// https:///path http").is_empty());
        assert!(links("").is_empty());
        assert_eq!(links("javascript:https://x.example"), ["https://x.example"]);
    }

    #[test]
    fn attachments_are_listed_with_their_message_and_capped() {
        let channels = [channel(10, "general", false)];
        let mut messages = vec![msg(1, 10, 1, "")];
        messages[0].attachments = (0..MAX_ATTACHMENTS + 2)
            .map(|i| Attachment {
                name: format!("f{i}.png"),
                url: format!("https://cdn.example/f{i}.png"),
            })
            .collect();
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let summary = the_summary(&digest, 10);
        assert_eq!(summary.attachments.len(), MAX_ATTACHMENTS);
        assert_eq!(summary.attachments[0].attachment.name, "f0.png");
        assert_eq!(summary.attachments[0].message.id, 1);
        assert_eq!(summary.attachments_omitted, 2);
    }

    #[test]
    fn important_channels_are_in_full_up_to_the_cap_with_reply_targets() {
        let channels = [channel(30, "annonces", true)];
        let mut messages: Vec<CapturedMessage> = (1..=FULL_CHANNEL_CAP as u64 + 7)
            .map(|id| msg(id, 30, id % 3, "hello"))
            .collect();
        messages[1].reply_to = Some(1);
        messages[2].reply_to = Some(12345);
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise_with(&request(&channels, &messages, &zone), 0);
        let ChannelContent::Full(transcript) = &digest.channels[0].content else {
            panic!("not in full");
        };
        assert_eq!(transcript.posts.len(), FULL_CHANNEL_CAP);
        assert_eq!(transcript.omitted, 7);
        assert_eq!(transcript.first_omitted.map(|m| m.id), Some(201));
        assert_eq!(transcript.posts[1].reply_to.map(|m| m.id), Some(1));
        assert_eq!(transcript.posts[2].reply_to, None);
        assert_eq!(digest.channels[0].participants, 3);
    }

    #[test]
    fn excerpt_keeps_short_text_borrowed_and_on_one_line() {
        assert!(matches!(excerpt("  short  ", 200), Cow::Borrowed("short")));
        assert_eq!(
            excerpt("two\nlines\t and   spaces", 200),
            "two lines and spaces"
        );
        assert_eq!(excerpt("", 200), "");
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries_with_an_ellipsis() {
        let accents = "é".repeat(300);
        let cut = excerpt(&accents, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with("é…"));

        let emoji = "😀".repeat(250);
        let cut = excerpt(&emoji, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with("😀…"));
    }

    #[test]
    fn excerpt_prefers_a_word_boundary_and_keeps_clusters_whole() {
        let words = "mot ".repeat(100);
        let cut = excerpt(&words, 50);
        assert!(cut.ends_with("mot…"), "{cut}");
        assert!(cut.chars().count() <= 50);

        // A family emoji (joined by ZWJ) straddling the cut stays whole or goes.
        let family = "👩\u{200D}👩\u{200D}👧";
        let text = format!("{}{family}{family}", "a".repeat(48));
        let cut = excerpt(&text, 50);
        assert!(!cut.contains('\u{200D}') || cut.contains(family), "{cut:?}");
        assert!(!cut.trim_end_matches('…').ends_with('\u{200D}'));

        // A decomposed accent is not separated from its letter.
        let text = format!("{}e\u{301}e\u{301}", "a".repeat(48));
        let cut = excerpt(&text, 50);
        assert!(!cut.trim_end_matches('…').ends_with('e'), "{cut:?}");
    }

    #[test]
    fn same_request_same_digest() {
        let channels = [channel(10, "general", false), channel(20, "news", true)];
        let messages: Vec<CapturedMessage> = (1..=500)
            .map(|id| {
                let mut m = msg(
                    id,
                    if id % 4 == 0 { 20 } else { 10 },
                    id % 13,
                    "hi https://x.example",
                );
                m.reactions = (id % 5) as u32;
                m.reply_to = (id % 3 == 0).then_some(id / 2);
                m
            })
            .collect();
        let zone = jiff::tz::TimeZone::UTC;
        let req = request(&channels, &messages, &zone);
        // Each HashMap gets its own random seed, so this compares orders.
        let first = summarise_with(&req, 0);
        for _ in 0..5 {
            assert_eq!(summarise_with(&req, 0), first);
        }
    }

    #[test]
    fn a_small_channel_is_shown_in_full_and_a_busy_one_summarised() {
        let channels = [channel(10, "quiet", false), channel(20, "busy", false)];
        let mut messages: Vec<CapturedMessage> = (1..=3).map(|i| msg(i, 10, i, "hello")).collect();
        messages.extend((4..=4 + SMALL_CHANNEL as u64).map(|i| msg(i, 20, i, "chatter")));
        let zone = jiff::tz::TimeZone::UTC;
        let digest = summarise(&request(&channels, &messages, &zone));
        assert!(matches!(
            digest.channels[0].content,
            ChannelContent::Full(_)
        ));
        assert!(matches!(
            digest.channels[1].content,
            ChannelContent::Summary(_)
        ));
    }
}
