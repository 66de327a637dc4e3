//! PLACEHOLDER until the SMTP sender lands (replaced wholesale).

#[derive(Clone, Debug)]
pub struct SmtpUrl(String);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(String);

impl SmtpUrl {
    pub fn parse(s: &str) -> Result<SmtpUrl, MailError> {
        if s.starts_with("smtp://") || s.starts_with("smtps://") {
            Ok(SmtpUrl(s.to_owned()))
        } else {
            Err(MailError(format!(
                "`{s}` is not an smtp:// or smtps:// URL"
            )))
        }
    }
}

pub fn check_mailbox(s: &str) -> Result<(), String> {
    if s.contains('@') {
        Ok(())
    } else {
        Err(format!("`{s}` is not an email address"))
    }
}
