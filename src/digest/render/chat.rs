//! The Discord post: shorter than the mail (counts, top participants and
//! messages, links back); Markdown escaped and mentions defused, so a quoted
//! "@everyone" never pings anyone.

use super::*;

/// Messages listed per important channel in a post; the mail has them
/// all.
const POSTS_SHOWN: usize = 10;
/// Participants and highlights named per channel in a post.
const TOP_SHOWN: usize = 3;
/// Quotes are shorter in a post than in the mail.
const QUOTE_CHARS: usize = 100;

pub(super) fn render(view: &View, digest: &Digest) -> String {
    let (first, last) = covered_days(view.from, view.to, view.zone);
    let mut out = format!(
        "**📰 {} — {} — {}**\n",
        view.label(Label::DigestTitle),
        discord_escape(view.guild_name),
        date_range(view.language, first, last)
    );
    if digest.channels.is_empty() {
        out.push_str(&discord_escape(&view.nothing_said()));
        out.push('\n');
        return out;
    }
    out.push_str(&view.totals(digest));
    out.push('\n');

    if let Some(preamble) = view.preamble {
        out.push_str(&format!("\n> 🤖 *{}*\n", view.preamble_label()));
        for line in clean(preamble).lines().filter(|l| !l.trim().is_empty()) {
            out.push_str("> ");
            out.push_str(&discord_escape(line));
            out.push('\n');
        }
    }

    for channel in &digest.channels {
        out.push_str(&format!("\n**<#{}>**", channel.channel.id));
        if channel.channel.important {
            out.push_str(" · ");
            out.push_str(IMPORTANT);
        }
        out.push_str(" · ");
        out.push_str(&view.channel_counts(channel));
        out.push('\n');
        match &channel.content {
            ChannelContent::Full(transcript) => render_transcript(&mut out, view, transcript),
            ChannelContent::Summary(summary) => render_summary(&mut out, view, summary),
        }
    }
    out
}

fn render_transcript(out: &mut String, view: &View, transcript: &Transcript) {
    for post in transcript.posts.iter().take(POSTS_SHOWN) {
        let m = post.message;
        let text = excerpt(&m.content, QUOTE_CHARS);
        out.push_str(&format!(
            "• {} **{}**{} {} <{}>\n",
            view.when(m),
            discord_escape(&m.author_name),
            view.colon(),
            discord_escape(&view.quote_or_placeholder(&text, m)),
            view.jump(m)
        ));
    }
    let hidden = transcript.posts.len().saturating_sub(POSTS_SHOWN) + transcript.omitted;
    let next = transcript
        .posts
        .get(POSTS_SHOWN)
        .map(|p| p.message)
        .or(transcript.first_omitted);
    if let Some(next) = next {
        out.push_str(&format!(
            "{} <{}>\n",
            more(view.language, hidden, Noun::Message),
            view.jump(next)
        ));
    }
}

fn render_summary(out: &mut String, view: &View, summary: &Summary) {
    let names: Vec<String> = summary
        .top_participants
        .iter()
        .take(TOP_SHOWN)
        .map(|p| {
            format!(
                "{} ({})",
                discord_escape(p.name),
                number(view.language, p.messages)
            )
        })
        .collect();
    if !names.is_empty() {
        out.push_str(&format!(
            "{}{} {}\n",
            view.label(Label::MostActive),
            view.colon(),
            names.join(", ")
        ));
    }
    for h in summary.highlights.iter().take(TOP_SHOWN) {
        let text = excerpt(&h.message.content, QUOTE_CHARS);
        out.push_str(&format!(
            "• **{}**{} {} — {} <{}>\n",
            discord_escape(&h.message.author_name),
            view.colon(),
            view.quoted(&discord_escape(
                &view.quote_or_placeholder(&text, h.message)
            )),
            view.engagement(h),
            view.jump(h.message)
        ));
    }
    let links = summary.links.len() + summary.links_omitted;
    let files = summary.attachments.len() + summary.attachments_omitted;
    let mut shared = Vec::new();
    if links > 0 {
        shared.push(format!("🔗 {}", counted(view.language, links, Noun::Link)));
    }
    if files > 0 {
        shared.push(format!("📎 {}", counted(view.language, files, Noun::File)));
    }
    if !shared.is_empty() {
        out.push_str(&shared.join(" · "));
        out.push('\n');
    }
}
