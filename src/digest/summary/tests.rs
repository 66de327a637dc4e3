//! Tests of [`super`]: the summary with explicit inputs.

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

/// Reply targets are found by position, not by a map: the digest must not
/// depend on the request being in id order, and a reply to a message
/// outside the window or in an unlisted channel counts for nothing.
#[test]
fn replies_are_counted_whatever_the_order_and_only_to_messages_in_the_digest() {
    let channels = [channel(10, "general", false), channel(30, "annonces", true)];
    let mut messages: Vec<CapturedMessage> = (1..=8).map(|id| msg(id, 10, id, "m")).collect();
    messages[0].channel_id = 99; // id 1: an unlisted channel
    messages[1].posted_ms = 0; // id 2: before the window
    messages[7].channel_id = 30; // id 8: in full, replying to id 3
    for (i, target) in [(3, 1), (4, 2), (5, 3), (6, 3), (7, 3), (8, 3)] {
        messages[i - 1].reply_to = Some(target);
    }
    let zone = jiff::tz::TimeZone::UTC;
    let mut req = request(&channels, &messages, &zone);
    req.from = Timestamp(100);
    let sorted = summarise_with(&req, 0);
    let replies = |digest: &Digest<'_>| -> Vec<(u64, u32)> {
        let mut r: Vec<(u64, u32)> = the_summary(digest, 10)
            .highlights
            .iter()
            .map(|h| (h.message.id, h.replies))
            .collect();
        r.sort_unstable();
        r
    };
    // id 3 drew four replies; ids 1 and 2 are not in the digest.
    assert_eq!(replies(&sorted), [(3, 4)]);
    let ChannelContent::Full(transcript) = &sorted.channels[0].content else {
        panic!("not in full");
    };
    assert_eq!(transcript.posts[0].reply_to.map(|m| m.id), Some(3));

    let mut shuffled = messages.clone();
    shuffled.reverse();
    shuffled.swap(1, 5);
    let mut req = request(&channels, &shuffled, &zone);
    req.from = Timestamp(100);
    let digest = summarise_with(&req, 0);
    assert_eq!(replies(&digest), [(3, 4)]);
    let ChannelContent::Full(transcript) = &digest.channels[0].content else {
        panic!("not in full");
    };
    assert_eq!(transcript.posts[0].reply_to.map(|m| m.id), Some(3));
}
