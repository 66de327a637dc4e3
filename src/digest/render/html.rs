//! The HTML part of the mail.
//!
//! Inline styles only: mail clients drop <style> blocks and external
//! sheets. Member text is escaped and only `http(s)` addresses become links.

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
    let mut out = String::with_capacity(8192);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(view.label(Label::HtmlLang));
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    escape(&mut out, subject);
    out.push_str("</title>\n</head>\n");
    out.push_str(&format!(
        "<body style=\"{BODY}\">\n<div style=\"{PAGE}\">\n"
    ));

    element(&mut out, "h1", H1, subject);
    element(&mut out, "p", MUTED, &view.period());
    if !digest.channels.is_empty() {
        element(&mut out, "p", TOTALS, &view.totals(digest));
    }

    if let Some(preamble) = view.preamble {
        out.push_str(&format!("<div style=\"{PREAMBLE}\">\n"));
        element(&mut out, "p", MUTED, view.preamble_label());
        out.push_str("<p style=\"margin:0;\">");
        escape_lines(&mut out, preamble);
        out.push_str("</p>\n</div>\n");
    }

    if digest.channels.is_empty() {
        element(&mut out, "p", "", &view.nothing_said());
    }
    for channel in &digest.channels {
        out.push_str(&format!("<h2 style=\"{H2}\">#"));
        escape(&mut out, &channel.channel.name);
        if channel.channel.important {
            out.push_str(&format!(" <span style=\"{BADGE}\">"));
            escape(&mut out, IMPORTANT);
            out.push_str("</span>");
        }
        out.push_str("</h2>\n");
        element(&mut out, "p", MUTED, &view.channel_counts(channel));
        match &channel.content {
            ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
            ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
        }
    }

    out.push_str("</div>\n</body>\n</html>\n");
    out
}

fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
    for post in &transcript.posts {
        let m = post.message;
        out.push_str(&format!("<div style=\"{POST}\">\n<div style=\"{META}\">"));
        out.push_str("<strong style=\"color:#111827;\">");
        escape(out, &m.author_name);
        out.push_str("</strong> · ");
        escape(out, &view.when(m));
        escape(out, &view.post_notes(m, post.reply_to));
        out.push_str(" · ");
        anchor(out, &view.jump(m), view.label(Label::ViewOnDiscord));
        out.push_str("</div>\n");
        if !m.content.trim().is_empty() {
            out.push_str(&format!("<div style=\"{CONTENT}\">"));
            content(out, &m.content);
            out.push_str("</div>\n");
        }
        for file in &m.attachments {
            out.push_str(&format!("<div style=\"{META}\">📎 "));
            anchor(out, &file.url, &file.name);
            out.push_str("</div>\n");
        }
        out.push_str("</div>\n");
    }
    if let Some(next) = transcript.first_omitted {
        out.push_str("<p>");
        escape(out, &more(view.language, transcript.omitted, Noun::Message));
        out.push_str(" — ");
        anchor(out, &view.jump(next), view.label(Label::ContinueOnDiscord));
        out.push_str("</p>\n");
    }
}

fn render_summary(out: &mut String, view: &View, summary: &Summary) {
    if !summary.top_participants.is_empty() {
        out.push_str("<p style=\"margin:8px 0;\"><strong>");
        escape(out, view.label(Label::MostActive));
        escape(out, view.colon());
        out.push_str("</strong> ");
        escape(out, &view.participants(summary));
        out.push_str("</p>\n");
    }

    if !summary.highlights.is_empty() {
        element(out, "h3", H3, view.label(Label::NotableMessages));
        out.push_str(&format!("<ul style=\"{LIST}\">\n"));
        for h in &summary.highlights {
            out.push_str(&format!("<li style=\"{ITEM}\"><strong>"));
            escape(out, &h.message.author_name);
            out.push_str("</strong>, ");
            escape(out, &view.when(h.message));
            out.push_str(" — ");
            escape(out, &view.engagement(h));
            out.push_str(&format!("<br>\n<span style=\"{QUOTE}\">"));
            escape(
                out,
                &view.quoted(&view.quote_or_placeholder(&h.excerpt, h.message)),
            );
            out.push_str("</span><br>\n");
            anchor(out, &view.jump(h.message), view.label(Label::ViewMessage));
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }

    if !summary.links.is_empty() {
        element(out, "h3", H3, view.label(Label::LinksShared));
        out.push_str(&format!("<ul style=\"{LIST}\">\n"));
        for link in &summary.links {
            out.push_str(&format!("<li style=\"{ITEM}\">"));
            anchor(out, link.url, link.url);
            out.push_str(&format!("<br>\n<span style=\"{META}\">"));
            escape(out, &link.message.author_name);
            out.push_str(", ");
            escape(out, &view.when(link.message));
            out.push_str(" · ");
            anchor(
                out,
                &view.jump(link.message),
                view.label(Label::MessageLink),
            );
            out.push_str("</span></li>\n");
        }
        if summary.links_omitted > 0 {
            element(
                out,
                "li",
                ITEM,
                &more(view.language, summary.links_omitted, Noun::Link),
            );
        }
        out.push_str("</ul>\n");
    }

    if !summary.attachments.is_empty() {
        element(out, "h3", H3, view.label(Label::FilesShared));
        out.push_str(&format!("<ul style=\"{LIST}\">\n"));
        for shared in &summary.attachments {
            out.push_str(&format!("<li style=\"{ITEM}\">"));
            anchor(out, &shared.attachment.url, &shared.attachment.name);
            out.push_str(&format!("<br>\n<span style=\"{META}\">"));
            escape(out, &shared.message.author_name);
            out.push_str(", ");
            escape(out, &view.when(shared.message));
            out.push_str(" · ");
            anchor(
                out,
                &view.jump(shared.message),
                view.label(Label::MessageLink),
            );
            out.push_str("</span></li>\n");
        }
        if summary.attachments_omitted > 0 {
            let line = more(view.language, summary.attachments_omitted, Noun::File);
            element(out, "li", ITEM, &line);
        }
        out.push_str("</ul>\n");
    }
}

/// `<tag style="…">text</tag>` with `text` escaped.
fn element(out: &mut String, tag: &str, style: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    if !style.is_empty() {
        out.push_str(" style=\"");
        out.push_str(style);
        out.push('"');
    }
    out.push('>');
    escape(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

/// A link to `url` labelled `label` when `url` is a web address;
/// otherwise only the label, as text.
fn anchor(out: &mut String, url: &str, label: &str) {
    if !is_web_link(url) {
        escape(out, label);
        return;
    }
    out.push_str("<a href=\"");
    escape(out, url);
    out.push_str(&format!("\" style=\"{LINK}\">"));
    escape(out, label);
    out.push_str("</a>");
}

/// A message's content: escaped, line breaks kept, web links clickable.
fn content(out: &mut String, text: &str) {
    let mut last = 0;
    for range in link_ranges(text) {
        escape_lines(out, &text[last..range.start]);
        let url = &text[range.clone()];
        anchor(out, url, url);
        last = range.end;
    }
    escape_lines(out, &text[last..]);
}

/// `text` escaped, with its line breaks as `<br>`.
fn escape_lines(out: &mut String, text: &str) {
    let mut lines = text.trim().split('\n');
    if let Some(first) = lines.next() {
        escape(out, first);
    }
    for line in lines {
        out.push_str("<br>\n");
        escape(out, line);
    }
}

/// Appends `text` escaped for HTML element content and double- or
/// single-quoted attribute values, without [`unwanted`] characters.
pub(super) fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
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
