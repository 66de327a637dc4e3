//! The HTML part of the mail, written with maud: markup checked at compile
//! time, and every piece of text spliced in escaped — here through
//! [`Shown`], which also drops the characters no member text may bring
//! into a mail.
//!
//! Only `http(s)` addresses become links. The line breaks after block
//! elements are not needed by HTML; they keep the mail's source lines
//! short and readable.

use maud::{html, Markup, DOCTYPE};

use super::*;

// Inline styles only: mail clients drop <style> blocks and external
// sheets. Plain colours and web-safe fonts, nothing that needs images.
const BODY: &str = "margin:0;padding:0;background-color:#f3f4f6;";
const PAGE: &str = "max-width:680px;margin:0 auto;padding:20px;background-color:#ffffff;\
    font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1f2937;";
const H1: &str = "font-size:20px;margin:0 0 6px 0;color:#111827;";
const MUTED: &str = "margin:0 0 8px 0;font-size:13px;color:#6b7280;";
const TOTALS: &str = "margin:0 0 16px 0;font-weight:bold;";
const PREAMBLE: &str = "margin:0 0 20px 0;padding:10px 14px;background-color:#f9fafb;\
    border-left:4px solid #9ca3af;";
const H2: &str = "font-size:17px;margin:24px 0 2px 0;padding-top:14px;\
    border-top:1px solid #e5e7eb;color:#111827;";
const BADGE: &str = "font-size:12px;font-weight:normal;color:#92400e;\
    background-color:#fef3c7;padding:1px 6px;border-radius:3px;";
const H3: &str = "font-size:14px;margin:14px 0 4px 0;color:#374151;";
const POST: &str = "margin:0 0 12px 0;padding:4px 0 4px 10px;border-left:3px solid #6366f1;";
const META: &str = "font-size:13px;color:#6b7280;";
const CONTENT: &str = "margin:2px 0 0 0;overflow-wrap:break-word;word-wrap:break-word;";
const LIST: &str = "margin:0 0 8px 0;padding-left:20px;";
const ITEM: &str = "margin:0 0 8px 0;overflow-wrap:break-word;word-wrap:break-word;";
const QUOTE: &str = "color:#374151;font-style:italic;";
const LINK: &str = "color:#2563eb;";

pub(super) fn render(view: &View, subject: &str, digest: &Digest) -> String {
    html! {
        (DOCTYPE) "\n"
        html lang=(view.label(Label::HtmlLang)) {
            "\n"
            head {
                "\n"
                meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                title { (Shown(subject)) } "\n"
            }
            "\n"
            body style=(BODY) {
                "\n"
                div style=(PAGE) {
                    "\n"
                    h1 style=(H1) { (Shown(subject)) } "\n"
                    p style=(MUTED) { (Shown(&view.period())) } "\n"
                    @if !digest.channels.is_empty() {
                        p style=(TOTALS) { (Shown(&view.totals(digest))) } "\n"
                    }
                    @if let Some(preamble) = view.preamble {
                        div style=(PREAMBLE) {
                            "\n"
                            p style=(MUTED) { (Shown(view.preamble_label())) } "\n"
                            p style="margin:0;" { (lines(preamble)) } "\n"
                        }
                        "\n"
                    }
                    @if digest.channels.is_empty() {
                        p { (Shown(&view.nothing_said())) } "\n"
                    }
                    @for channel in &digest.channels {
                        h2 style=(H2) {
                            "#" (Shown(&channel.channel.name))
                            @if channel.channel.important {
                                " " span style=(BADGE) { (Shown(IMPORTANT)) }
                            }
                        }
                        "\n"
                        p style=(MUTED) { (Shown(&view.channel_counts(channel))) } "\n"
                        @match &channel.content {
                            ChannelContent::Full(transcript) => (render_transcript(view, transcript)),
                            ChannelContent::Summary(summary) => (render_summary(view, summary)),
                        }
                    }
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}

fn render_transcript(view: &View, transcript: &Transcript) -> Markup {
    html! {
        @for post in &transcript.posts {
            @let m = post.message;
            div style=(POST) {
                "\n"
                div style=(META) {
                    strong style="color:#111827;" { (Shown(&m.author_name)) }
                    " · " (Shown(&view.when(m))) (Shown(&view.post_notes(m, post.reply_to)))
                    " · " (anchor(&view.jump(m), view.label(Label::ViewOnDiscord)))
                }
                "\n"
                @if !m.content.trim().is_empty() {
                    div style=(CONTENT) { (content(&m.content)) } "\n"
                }
                @for file in &m.attachments {
                    div style=(META) { "📎 " (anchor(&file.url, &file.name)) } "\n"
                }
            }
            "\n"
        }
        @if let Some(next) = transcript.first_omitted {
            p {
                (Shown(&more(view.language, transcript.omitted, Noun::Message)))
                " — " (anchor(&view.jump(next), view.label(Label::ContinueOnDiscord)))
            }
            "\n"
        }
    }
}

fn render_summary(view: &View, summary: &Summary) -> Markup {
    html! {
        @if !summary.top_participants.is_empty() {
            p style="margin:8px 0;" {
                strong { (Shown(view.label(Label::MostActive))) (Shown(view.colon())) }
                " " (Shown(&view.participants(summary)))
            }
            "\n"
        }
        @if !summary.highlights.is_empty() {
            h3 style=(H3) { (Shown(view.label(Label::NotableMessages))) } "\n"
            ul style=(LIST) {
                "\n"
                @for h in &summary.highlights {
                    li style=(ITEM) {
                        strong { (Shown(&h.message.author_name)) }
                        ", " (Shown(&view.when(h.message)))
                        " — " (Shown(&view.engagement(h)))
                        br; "\n"
                        span style=(QUOTE) {
                            (Shown(&view.quoted(&view.quote_or_placeholder(&h.excerpt, h.message))))
                        }
                        br; "\n"
                        (anchor(&view.jump(h.message), view.label(Label::ViewMessage)))
                    }
                    "\n"
                }
            }
            "\n"
        }
        @if !summary.links.is_empty() {
            h3 style=(H3) { (Shown(view.label(Label::LinksShared))) } "\n"
            ul style=(LIST) {
                "\n"
                @for link in &summary.links {
                    li style=(ITEM) {
                        (anchor(link.url, link.url))
                        br; "\n"
                        (shared_by(view, link.message))
                    }
                    "\n"
                }
                @if summary.links_omitted > 0 {
                    li style=(ITEM) { (Shown(&more(view.language, summary.links_omitted, Noun::Link))) } "\n"
                }
            }
            "\n"
        }
        @if !summary.attachments.is_empty() {
            h3 style=(H3) { (Shown(view.label(Label::FilesShared))) } "\n"
            ul style=(LIST) {
                "\n"
                @for shared in &summary.attachments {
                    li style=(ITEM) {
                        (anchor(&shared.attachment.url, &shared.attachment.name))
                        br; "\n"
                        (shared_by(view, shared.message))
                    }
                    "\n"
                }
                @if summary.attachments_omitted > 0 {
                    li style=(ITEM) { (Shown(&more(view.language, summary.attachments_omitted, Noun::File))) } "\n"
                }
            }
            "\n"
        }
    }
}

/// Who shared a link or a file, when, and the way to their message.
fn shared_by(view: &View, message: &CapturedMessage) -> Markup {
    html! {
        span style=(META) {
            (Shown(&message.author_name)) ", " (Shown(&view.when(message)))
            " · " (anchor(&view.jump(message), view.label(Label::MessageLink)))
        }
    }
}

/// A link to `url` labelled `label` when `url` is a web address;
/// otherwise only the label, as text.
fn anchor(url: &str, label: &str) -> Markup {
    html! {
        @if is_web_link(url) {
            a href=(Shown(url)) style=(LINK) { (Shown(label)) }
        } @else {
            (Shown(label))
        }
    }
}

/// A message's content: line breaks kept, web links clickable.
fn content(text: &str) -> Markup {
    let mut pieces = Vec::new();
    let mut last = 0;
    for range in link_ranges(text) {
        pieces.push((&text[last..range.start], &text[range.clone()]));
        last = range.end;
    }
    let rest = &text[last..];
    html! {
        @for (before, url) in pieces {
            (lines(before)) (anchor(url, url))
        }
        (lines(rest))
    }
}

/// `text` trimmed, with its line breaks as `<br>`.
fn lines(text: &str) -> Markup {
    html! {
        @for (i, line) in text.trim().split('\n').enumerate() {
            @if i > 0 { br; "\n" }
            (Shown(line))
        }
    }
}
