//! The renderers' tests: what every part of the mail and the post shows,
//! in both languages, and that hostile member text stays harmless.

use super::*;
use crate::digest::model::Channel;
use crate::digest::summary::summarise_with;
use crate::messages::digest::long_date;

/// [`covered_days`] of a window in Unix milliseconds.
fn days(from_ms: i64, to_ms: i64, zone: &TimeZone) -> (Date, Date) {
    covered_days(
        Timestamp::from_millis_i64(from_ms),
        Timestamp::from_millis_i64(to_ms),
        zone,
    )
}

fn brussels() -> TimeZone {
    TimeZone::get("Europe/Brussels").unwrap()
}

/// Unix milliseconds of local `civil` ("2026-11-21T08:00") in `zone`.
fn at(zone: &TimeZone, civil: &str) -> i64 {
    let dt: DateTime = civil.parse().unwrap();
    zone.to_zoned(dt).unwrap().timestamp().as_millisecond()
}

fn channel(id: u64, name: &str, important: bool) -> Channel {
    Channel {
        id,
        name: name.to_owned(),
        important,
    }
}

fn msg(id: u64, channel_id: u64, author: &str, posted_ms: i64, content: &str) -> CapturedMessage {
    CapturedMessage {
        id,
        channel_id,
        author_id: author
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
        author_name: author.to_owned(),
        posted_ms,
        edited: false,
        content: content.to_owned(),
        attachments: Vec::new(),
        reply_to: None,
        reactions: 0,
    }
}

struct Fixture {
    zone: TimeZone,
    channels: Vec<Channel>,
    messages: Vec<CapturedMessage>,
    from_ms: i64,
    to_ms: i64,
}

impl Fixture {
    /// A usual day: Saturday 21 November 2026, 08:00 to 08:00.
    fn day() -> Fixture {
        let zone = brussels();
        let from_ms = at(&zone, "2026-11-21T08:00");
        let to_ms = at(&zone, "2026-11-22T08:00");
        Fixture {
            zone,
            channels: Vec::new(),
            messages: Vec::new(),
            from_ms,
            to_ms,
        }
    }

    fn request(&self, language: Language) -> DigestRequest<'_> {
        DigestRequest {
            guild_id: 42,
            guild_name: "Coalition FFJ",
            channels: &self.channels,
            messages: &self.messages,
            from: Timestamp::from_millis_i64(self.from_ms),
            to: Timestamp::from_millis_i64(self.to_ms),
            zone: &self.zone,
            language,
            preamble: None,
        }
    }

    fn mail(&self, language: Language) -> Rendered {
        let req = self.request(language);
        render_mail(&req, &summarise_with(&req, 0))
    }
}

/// A small but complete day: an important channel with a reply and an
/// edit, a summarised one with highlights, links and a file.
fn busy_day() -> Fixture {
    let mut f = Fixture::day();
    let zone = f.zone.clone();
    f.channels = vec![channel(10, "général", false), channel(30, "annonces", true)];
    let t = |s: &str| at(&zone, s);
    f.messages = vec![
        msg(
            1,
            30,
            "Alice",
            t("2026-11-21T09:05"),
            "Réunion jeudi à 19 h.",
        ),
        msg(
            2,
            10,
            "Bob",
            t("2026-11-21T10:00"),
            "Voici le lien : https://example.org/doc).",
        ),
        msg(3, 30, "Bob", t("2026-11-21T10:30"), "Je serai là."),
        msg(4, 10, "Carol", t("2026-11-21T11:00"), "Merci !"),
        msg(5, 10, "Dan", t("2026-11-22T07:30"), "Photo de la sortie"),
    ];
    f.messages[2].reply_to = Some(1);
    f.messages[2].edited = true;
    f.messages[1].reactions = 3;
    f.messages[3].reply_to = Some(2);
    f.messages[4].attachments.push(Attachment {
        name: "sortie.jpg".into(),
        url: "https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&is=2&".into(),
    });
    f
}

#[test]
fn subject_names_the_server_and_the_local_day_in_both_languages() {
    let f = Fixture::day();
    assert_eq!(
        subject(&f.request(Language::Fr)),
        "Résumé Discord — Coalition FFJ — samedi 21 novembre 2026"
    );
    assert_eq!(
        subject(&f.request(Language::En)),
        "Discord digest — Coalition FFJ — Saturday 21 November 2026"
    );
}

#[test]
fn subject_says_the_period_when_the_pi_was_off() {
    let mut f = Fixture::day();
    f.from_ms = at(&f.zone, "2026-11-19T08:00");
    assert_eq!(
        subject(&f.request(Language::Fr)),
        "Résumé Discord — Coalition FFJ — du 19 au 21 novembre 2026"
    );
    assert_eq!(
        subject(&f.request(Language::En)),
        "Discord digest — Coalition FFJ — 19–21 November 2026"
    );
}

#[test]
fn a_day_across_the_autumn_dst_change_is_still_one_day() {
    let zone = brussels();
    // 25 October 2026: clocks go back at 03:00, so this is 25.5 hours;
    // as elapsed hours it would overrun one day by more than the slack.
    let from = at(&zone, "2026-10-24T08:00");
    let to = at(&zone, "2026-10-25T08:30");
    assert_eq!(to - from, (25 * 60 + 30) * 60 * 1000);
    let (first, last) = days(from, to, &zone);
    assert_eq!(first, last);
    assert_eq!(long_date(Language::Fr, first), "samedi 24 octobre 2026");
}

#[test]
fn several_days_across_the_spring_dst_change() {
    let zone = brussels();
    // 29 March 2026: clocks go forward at 02:00.
    let from = at(&zone, "2026-03-27T08:00");
    let to = at(&zone, "2026-03-30T08:00");
    let (first, last) = days(from, to, &zone);
    assert_eq!(
        date_range(Language::Fr, first, last),
        "du 27 au 29 mars 2026"
    );
    assert_eq!(date_range(Language::En, first, last), "27–29 March 2026");
}

#[test]
fn a_late_digest_is_one_day_but_a_long_overrun_is_another() {
    let zone = brussels();
    let from = at(&zone, "2026-11-21T08:00");
    let day = days(from, at(&zone, "2026-11-22T08:00") + 300, &zone);
    assert_eq!(day.0, day.1);
    let two = days(from, at(&zone, "2026-11-22T10:00"), &zone);
    assert_eq!(
        date_range(Language::Fr, two.0, two.1),
        "du 21 au 22 novembre 2026"
    );
    // `/resume` in the afternoon: part of one day.
    let part = days(from, at(&zone, "2026-11-21T15:00"), &zone);
    assert_eq!(part.0, part.1);
    // A degenerate window does not panic.
    assert_eq!(days(from, from - 5, &zone).0, day.0);
    let _ = days(i64::MIN, i64::MAX, &zone);
}

#[test]
fn date_ranges_repeat_month_and_year_only_when_they_change() {
    let d = |s: &str| s.parse::<Date>().unwrap();
    assert_eq!(
        date_range(Language::Fr, d("2026-11-30"), d("2026-12-02")),
        "du 30 novembre au 2 décembre 2026"
    );
    assert_eq!(
        date_range(Language::Fr, d("2026-12-30"), d("2027-01-01")),
        "du 30 décembre 2026 au 1er janvier 2027"
    );
    assert_eq!(
        date_range(Language::En, d("2026-11-30"), d("2026-12-02")),
        "30 November – 2 December 2026"
    );
    assert_eq!(
        date_range(Language::En, d("2026-12-30"), d("2027-01-01")),
        "30 December 2026 – 1 January 2027"
    );
    assert_eq!(
        long_date(Language::Fr, d("2026-11-01")),
        "dimanche 1er novembre 2026"
    );
    assert_eq!(
        long_date(Language::En, d("2026-11-01")),
        "Sunday 1 November 2026"
    );
}

#[test]
fn numbers_and_plurals_follow_the_language() {
    assert_eq!(counted(Language::Fr, 0, Noun::Message), "0 message");
    assert_eq!(counted(Language::En, 0, Noun::Message), "0 messages");
    assert_eq!(counted(Language::Fr, 1, Noun::Reply), "1 réponse");
    assert_eq!(counted(Language::En, 2, Noun::Reply), "2 replies");
    assert_eq!(number(Language::Fr, 1_234_567), "1\u{a0}234\u{a0}567");
    assert_eq!(number(Language::En, 100_000), "100,000");
    assert_eq!(number(Language::En, 999), "999");
    assert_eq!(more(Language::Fr, 1, Noun::Link), "… et 1 autre lien");
    assert_eq!(more(Language::En, 3, Noun::File), "… and 3 more files");
}

#[test]
fn the_mail_shows_every_part_of_the_digest_in_french() {
    let f = busy_day();
    let mail = f.mail(Language::Fr);
    let text = &mail.text;
    assert!(
        text.contains("5 messages · 4 participants · 2 salons"),
        "{text}"
    );
    // Important channel first, in full.
    let annonces = text.find("#annonces (important)").unwrap();
    let general = text.find("#général").unwrap();
    assert!(annonces < general);
    // Several local dates in the window: times carry their day.
    assert!(
        text.contains("sam. 21 10:30 — Bob (en réponse à Alice, modifié)"),
        "{text}"
    );
    assert!(text.contains("https://discord.com/channels/42/30/3"));
    assert!(text.contains("Les plus actifs\u{a0}: Bob (1), Carol (1), Dan (1)"));
    assert!(
        text.contains("Bob, sam. 21 10:00 — 1 réponse · 3 réactions"),
        "{text}"
    );
    assert!(text.contains("  * https://example.org/doc\n"));
    assert!(text.contains("  * sortie.jpg — Dan, dim. 22 07:30\n"));
    assert!(
        text.contains("\n    https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&is=2&\n")
    );

    let html = &mail.html;
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(html.contains("href=\"https://discord.com/channels/42/10/2\""));
    assert!(html.contains("href=\"https://example.org/doc\""));
    assert!(html.contains(
        "href=\"https://cdn.discordapp.com/attachments/1/2/sortie.jpg?ex=1&amp;is=2&amp;\""
    ));
    check_html(html);
}

#[test]
fn the_mail_is_in_english_when_asked() {
    let f = busy_day();
    let mail = f.mail(Language::En);
    assert!(mail
        .text
        .contains("5 messages · 4 participants · 2 channels"));
    assert!(mail
        .text
        .contains("Sat 21 10:30 — Bob (replying to Alice, edited)"));
    assert!(mail.text.contains("Most active: Bob (1)"));
    let one_line = mail.text.replace('\n', " ");
    assert!(one_line.contains("From Saturday 21 November 2026 at 08:00 to Sunday 22 November 2026 at 08:00 (Europe/Brussels)"));
    assert!(mail.text.contains("Notable messages:"));
    assert!(mail.html.contains("<html lang=\"en\">"));
    check_html(&mail.html);
}

#[test]
fn an_empty_window_says_nothing_was_said() {
    let f = Fixture::day();
    let fr = f.mail(Language::Fr);
    assert!(fr
        .text
        .contains("Rien n’a été dit sur Coalition FFJ pendant cette période."));
    assert!(fr.html.contains("Rien n’a été dit"));
    check_html(&fr.html);
    let en = f.mail(Language::En);
    assert!(en
        .text
        .contains("Nothing was said on Coalition FFJ during this period."));
    let req = f.request(Language::En);
    assert!(render_chat(&req, &summarise_with(&req, 0)).contains("Nothing was said"));
}

#[test]
fn times_are_bare_when_the_window_is_within_one_date() {
    let mut f = busy_day();
    f.to_ms = at(&f.zone, "2026-11-21T15:00");
    let mail = f.mail(Language::Fr);
    assert!(mail.text.contains("\n10:30 — Bob"), "{}", mail.text);
}

#[test]
fn hostile_content_is_escaped_and_only_web_links_are_links() {
    let mut f = busy_day();
    let t = f.from_ms + 1;
    f.channels.push(channel(50, "<b>bold</b>\"'&", false));
    f.channels.push(channel(60, "x\"><script>", true));
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "javascript:alert(1) and <a href=\"javascript:alert(2)\">x</a>",
        "https://evil.example/\"onmouseover=\"alert(1)",
        "https://evil.example/'onmouseover='alert(1)' https://ok.example/a&b=<c>",
        "\u{1b}[31mred\u{1b}[0m \u{202E}gnp.exe",
    ];
    for (i, content) in hostile.iter().enumerate() {
        for channel_id in [50, 60] {
            let id = 100 + i as u64 * 2 + channel_id;
            let mut m = msg(id, channel_id, "<img src=x onerror=alert(3)>", t, content);
            m.reactions = 1;
            m.attachments.push(Attachment {
                name: "\"><svg onload=alert(4)>.png".into(),
                url: "javascript:alert(5)".into(),
            });
            f.messages.push(m);
        }
    }
    f.messages.sort_by_key(|m| m.id);
    let preamble = "<script>alert('preamble')</script>";
    let mut req = f.request(Language::Fr);
    req.preamble = Some(preamble);
    req.guild_name = "<i>Guild & co</i>";
    let digest = summarise_with(&req, 0);
    let mail = render_mail(&req, &digest);

    check_html(&mail.html);
    let lower = mail.html.to_lowercase();
    for forbidden in [
        "<script",
        "<img",
        "<svg",
        "<i>",
        "<b>",
        "href=\"javascript",
        "onerror=\"",
        "onmouseover=\"",
    ] {
        assert!(!lower.contains(forbidden), "{forbidden} in html");
    }
    assert!(mail
        .html
        .contains("&lt;script&gt;alert(&#39;preamble&#39;)&lt;/script&gt;"));
    assert!(mail
        .html
        .contains("href=\"https://evil.example/&#39;onmouseover=&#39;alert(1)\""));
    assert!(mail.html.contains("href=\"https://ok.example/a&amp;b=\""));
    assert!(mail.html.contains("Résumé automatique"));
    assert!(!mail.html.contains('\u{1b}') && !mail.html.contains('\u{202E}'));
    assert!(!mail.text.contains('\u{1b}') && !mail.text.contains('\u{202E}'));
    assert!(
        !mail.text.contains("javascript:alert(5)"),
        "non-web attachment url shown as a link"
    );
    assert!(!mail.subject.contains('\n'));
}

/// A strict reading of our own HTML: only the tags and attributes the
/// renderer writes, properly nested, quoted attribute values without
/// quotes inside, and every link a web address.
fn check_html(html: &str) {
    const VOID: [&str; 3] = ["meta", "br", "!DOCTYPE"];
    const TAGS: [&str; 16] = [
        "html", "head", "title", "body", "div", "h1", "h2", "h3", "p", "strong", "span", "ul",
        "li", "a", "meta", "br",
    ];
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let tag_end = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..tag_end];
        rest = &rest[tag_end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "misnested </{name}>");
            continue;
        }
        let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        if name == "!DOCTYPE" {
            assert_eq!(attrs, "html");
            continue;
        }
        assert!(TAGS.contains(&name), "unexpected tag <{name}>");
        while !attrs.is_empty() {
            let (attr, after) = attrs.split_once("=\"").expect("unquoted attribute");
            let (value, after) = after.split_once('"').expect("unterminated value");
            assert!(
                ["style", "href", "lang", "charset", "name", "content"].contains(&attr),
                "unexpected attribute {attr}"
            );
            assert!(!value.contains('<') && !value.contains('>'));
            if attr == "href" {
                assert!(is_web_link(value), "href {value}");
            }
            attrs = after.trim_start();
        }
        if !VOID.contains(&name) {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
}

#[test]
fn the_preamble_comes_first_and_is_labelled() {
    let f = busy_day();
    let mut req = f.request(Language::En);
    req.preamble = Some("People planned a meeting.");
    let mail = render_mail(&req, &summarise_with(&req, 0));
    let label = mail
        .text
        .find("Automatic summary, written by a language model")
        .unwrap();
    let body = mail.text.find("People planned a meeting.").unwrap();
    assert!(label < body && body < mail.text.find("#annonces").unwrap());
    req.preamble = Some("   ");
    let mail = render_mail(&req, &summarise_with(&req, 0));
    assert!(!mail.text.contains("Automatic summary"));
}

#[test]
fn text_lines_are_wrapped_except_for_long_words() {
    let mut f = busy_day();
    let long = "mot ".repeat(100) + "https://example.org/" + &"x".repeat(100);
    f.messages[0].content = long;
    let mail = f.mail(Language::Fr);
    for line in mail.text.lines() {
        assert!(
            line.chars().count() <= 76 || !line.trim().contains(' '),
            "long line: {line}"
        );
    }
}

#[test]
fn important_channels_past_the_cap_point_to_the_rest() {
    let mut f = Fixture::day();
    f.channels = vec![channel(30, "annonces", true)];
    f.messages = (1..=205)
        .map(|id| msg(id, 30, "Alice", f.from_ms + id as i64, "hello"))
        .collect();
    let fr = f.mail(Language::Fr);
    assert!(fr.text.contains("… et 5 autres messages, à lire sur Discord\u{a0}:\nhttps://discord.com/channels/42/30/201\n"));
    let en = f.mail(Language::En);
    assert!(en
        .text
        .contains("… and 5 more messages, to read on Discord:\n"));
    check_html(&en.html);
}

#[test]
fn the_chat_post_is_short_escaped_and_never_pings() {
    let mut f = busy_day();
    let t = f.from_ms + 1;
    let mut ping = msg(
        50,
        10,
        "@everyone",
        t,
        "@everyone @here <@123> <@&456> ```code``` [x](https://evil.example) ||spoiler||",
    );
    ping.reactions = 10;
    f.messages.push(ping);
    f.messages.sort_by_key(|m| m.id);
    let req = f.request(Language::Fr);
    let chat = render_chat(&req, &summarise_with(&req, 0));
    assert!(chat.starts_with("**📰 Résumé Discord — Coalition FFJ — samedi 21 novembre 2026**\n"));
    assert!(chat.contains("**<#30>** · important"));
    assert!(!chat.contains("@everyone") && !chat.contains("@here"));
    assert!(!chat.contains("<@123>") && !chat.contains("<@&456>"));
    assert!(!chat.contains("```") && !chat.contains("[x](") && !chat.contains("||"));
    assert!(chat.contains("<https://discord.com/channels/42/10/50>"));
    assert!(chat.contains("🔗 2 liens · 📎 1 fichier"), "{chat}");
    for part in split_for_discord(&chat, 2000) {
        assert!(discord_len(&part) <= 2000);
    }
}

#[test]
fn split_keeps_lines_whole_and_parts_within_the_limit() {
    let text = "ligne un\nligne deux\nligne trois";
    assert_eq!(
        split_for_discord(text, 20),
        ["ligne un\nligne deux", "ligne trois"]
    );
    assert_eq!(split_for_discord(text, 2000), [text]);
    assert!(split_for_discord("", 2000).is_empty());
    assert!(split_for_discord("\n\n  \n", 2000).is_empty());
}

#[test]
fn split_cuts_long_lines_between_characters() {
    let texts = [
        "é".repeat(4500),
        "😀".repeat(2500),
        format!("{}\n{}\n\nfin", "a".repeat(1999), "b".repeat(2001)),
        "mot ".repeat(1000),
        "👩\u{200D}👩\u{200D}👧 é\u{301}".repeat(400),
    ];
    for text in &texts {
        for limit in [0, 1, 2, 3, 7, 100, 2000] {
            let parts = split_for_discord(text, limit);
            let limit = limit.max(2);
            for part in &parts {
                assert!(!part.is_empty());
                assert!(
                    part.chars().count() <= limit,
                    "{} > {limit}",
                    part.chars().count()
                );
                assert!(discord_len(part) <= limit);
            }
            let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert_eq!(
                strip(&parts.concat()),
                strip(text),
                "content lost at limit {limit}"
            );
        }
    }
    // A long line of words is cut after a space.
    let parts = split_for_discord(&"mot ".repeat(1000), 2000);
    assert!(parts[0].ends_with("mot "));
}

#[test]
fn same_digest_same_mail() {
    let f = busy_day();
    assert_eq!(f.mail(Language::Fr), f.mail(Language::Fr));
}

/// The benchmark's shape: 100,000 messages in 20 channels, two of them
/// important. Only checks that it all goes through; timing is for the
/// benchmark.
#[test]
fn a_hundred_thousand_messages_summarise_and_render() {
    let zone = brussels();
    let from_ms = at(&zone, "2026-11-21T08:00");
    let to_ms = at(&zone, "2026-11-22T08:00");
    let channels: Vec<Channel> = (0..20)
        .map(|i| channel(1000 + i, &format!("salon-{i}"), i < 2))
        .collect();
    let step = (to_ms - from_ms) / 100_000;
    let messages: Vec<CapturedMessage> = (0..100_000u64)
        .map(|i| {
            let mut m = msg(
                10_000 + i,
                1000 + (i * 7919) % 20,
                "",
                from_ms + i as i64 * step,
                &format!(
                    "message {i} avec un lien https://example.org/{} et des accents éàü 😀",
                    i % 500
                ),
            );
            m.author_id = i % 300;
            m.author_name = format!("membre {}", i % 300);
            m.reactions = (i % 11) as u32;
            m.reply_to = (i % 5 == 0 && i > 100).then(|| 10_000 + i - 37);
            if i % 1000 == 0 {
                m.attachments.push(Attachment {
                    name: format!("f{i}.png"),
                    url: format!("https://cdn.example/f{i}.png"),
                });
            }
            m
        })
        .collect();
    let req = DigestRequest {
        guild_id: 42,
        guild_name: "Coalition FFJ",
        channels: &channels,
        messages: &messages,
        from: Timestamp::from_millis_i64(from_ms),
        to: Timestamp::from_millis_i64(to_ms),
        zone: &zone,
        language: Language::Fr,
        preamble: None,
    };
    let digest = summarise_with(&req, 0);
    assert_eq!(digest.totals.messages, 100_000);
    assert_eq!(digest.totals.channels, 20);
    assert_eq!(digest.totals.participants, 300);
    let mail = render_mail(&req, &digest);
    assert!(!mail.text.is_empty() && !mail.html.is_empty());
    let chat = render_chat(&req, &digest);
    assert!(split_for_discord(&chat, 2000)
        .iter()
        .all(|p| discord_len(p) <= 2000));
}
