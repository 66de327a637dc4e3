//! STUB until the renderer lands.
use super::model::DigestRequest;
use super::summary::Digest;
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}
pub fn render_mail(req: &DigestRequest, _d: &Digest) -> Rendered {
    Rendered {
        subject: req.guild_name.to_owned(),
        text: String::new(),
        html: String::new(),
    }
}
pub fn render_chat(_req: &DigestRequest, _d: &Digest) -> String {
    String::new()
}
pub fn split_for_discord(text: &str, _limit: usize) -> Vec<String> {
    vec![text.to_owned()]
}
