//! The plain-text part of the mail: what a mail client without HTML, and
//! `digest --preview` in a terminal, show. Lines are wrapped; member text
//! is cleaned of control characters.

use super::*;

/// Lines are wrapped to this many characters (indent included) so the
/// text reads well in any mail client; a longer word (a link) gets a
/// line of its own rather than being broken.
const WRAP_COLUMNS: usize = 76;

pub(super) fn render(view: &View, subject: &str, digest: &Digest) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(subject);
    out.push('\n');
    out.push_str(&"=".repeat(subject.chars().count().min(WRAP_COLUMNS)));
    out.push('\n');
    wrap(&mut out, &view.period(), "");
    if !digest.channels.is_empty() {
        out.push_str(&view.totals(digest));
        out.push('\n');
    }

    if let Some(preamble) = view.preamble {
        out.push('\n');
        wrap(&mut out, view.preamble_label(), "");
        wrap(&mut out, &clean(preamble), "    ");
    }

    if digest.channels.is_empty() {
        out.push('\n');
        wrap(&mut out, &view.nothing_said(), "");
    }
    for channel in &digest.channels {
        out.push('\n');
        let mut title = format!("#{}", one_line(&channel.channel.name));
        if channel.channel.important {
            title.push_str(" (");
            title.push_str(IMPORTANT);
            title.push(')');
        }
        title.push_str(" — ");
        title.push_str(&view.channel_counts(channel));
        out.push_str(&title);
        out.push('\n');
        out.push_str(&"-".repeat(title.chars().count().min(WRAP_COLUMNS)));
        out.push('\n');
        match &channel.content {
            ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
            ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
        }
    }
    out
}

fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
    for post in &transcript.posts {
        let m = post.message;
        out.push('\n');
        out.push_str(&format!(
            "{} — {}{}\n",
            view.when(m),
            one_line(&m.author_name),
            view.post_notes(m, post.reply_to)
        ));
        wrap(out, &clean(&m.content), "    ");
        for file in &m.attachments {
            attachment_lines(out, view, file);
        }
        out.push_str("    ");
        out.push_str(&view.jump(m));
        out.push('\n');
    }
    if let Some(next) = transcript.first_omitted {
        out.push('\n');
        out.push_str(&more(view.language, transcript.omitted, Noun::Message));
        out.push_str(", ");
        out.push_str(view.label(Label::ReadOnDiscord));
        out.push_str(view.colon());
        out.push('\n');
        out.push_str(&view.jump(next));
        out.push('\n');
    }
}

fn attachment_lines(out: &mut String, view: &View, file: &Attachment) {
    out.push_str(&format!(
        "    {}{} {}\n",
        view.label(Label::AttachmentLine),
        view.colon(),
        one_line(&file.name)
    ));
    if is_web_link(&file.url) {
        out.push_str("    ");
        out.push_str(&file.url);
        out.push('\n');
    }
}

fn render_summary(out: &mut String, view: &View, summary: &Summary) {
    if !summary.top_participants.is_empty() {
        out.push('\n');
        let line = format!(
            "{}{} {}",
            view.label(Label::MostActive),
            view.colon(),
            view.participants(summary)
        );
        wrap(out, &line, "");
    }

    if !summary.highlights.is_empty() {
        out.push('\n');
        heading(out, view, Label::NotableMessages);
        for h in &summary.highlights {
            out.push_str(&format!(
                "  * {}, {} — {}\n",
                one_line(&h.message.author_name),
                view.when(h.message),
                view.engagement(h)
            ));
            let quote = view.quote_or_placeholder(&h.excerpt, h.message);
            wrap(out, &view.quoted(&clean(&quote)), "    ");
            out.push_str("    ");
            out.push_str(&view.jump(h.message));
            out.push('\n');
        }
    }

    if !summary.links.is_empty() {
        out.push('\n');
        heading(out, view, Label::LinksShared);
        for link in &summary.links {
            out.push_str("  * ");
            out.push_str(link.url);
            out.push('\n');
            out.push_str(&format!(
                "    {}, {}{}\n    {}\n",
                one_line(&link.message.author_name),
                view.when(link.message),
                view.colon(),
                view.jump(link.message)
            ));
        }
        if summary.links_omitted > 0 {
            out.push_str("  ");
            out.push_str(&more(view.language, summary.links_omitted, Noun::Link));
            out.push('\n');
        }
    }

    if !summary.attachments.is_empty() {
        out.push('\n');
        heading(out, view, Label::FilesShared);
        for shared in &summary.attachments {
            out.push_str(&format!(
                "  * {} — {}, {}\n",
                one_line(&shared.attachment.name),
                one_line(&shared.message.author_name),
                view.when(shared.message)
            ));
            if is_web_link(&shared.attachment.url) {
                out.push_str("    ");
                out.push_str(&shared.attachment.url);
                out.push('\n');
            }
            out.push_str("    ");
            out.push_str(&view.jump(shared.message));
            out.push('\n');
        }
        if summary.attachments_omitted > 0 {
            out.push_str("  ");
            out.push_str(&more(
                view.language,
                summary.attachments_omitted,
                Noun::File,
            ));
            out.push('\n');
        }
    }
}

/// "Liens partagés :" on a line of its own.
fn heading(out: &mut String, view: &View, label: Label) {
    out.push_str(view.label(label));
    out.push_str(view.colon());
    out.push('\n');
}

/// Appends `text` word-wrapped, each line starting with `indent`;
/// blank lines stay blank.
fn wrap(out: &mut String, text: &str, indent: &str) {
    let width = WRAP_COLUMNS.saturating_sub(indent.chars().count()).max(20);
    for line in text.lines() {
        let mut column = 0;
        let mut words = line.split(' ').filter(|w| !w.is_empty()).peekable();
        if words.peek().is_none() {
            out.push('\n');
            continue;
        }
        out.push_str(indent);
        for word in words {
            let len = word.chars().count();
            if column > 0 && column + 1 + len > width {
                out.push('\n');
                out.push_str(indent);
                column = 0;
            }
            if column > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
        out.push('\n');
    }
}
