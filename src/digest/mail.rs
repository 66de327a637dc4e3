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

pub struct Mailer;
pub struct OutgoingMail {
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub date_ms: i64,
}
#[derive(Debug, thiserror::Error)]
#[error("x")]
pub struct SendError;
impl SendError {
    pub fn is_transient(&self) -> bool {
        true
    }
}
impl Mailer {
    pub async fn send(&self, _m: &OutgoingMail) -> Result<(), SendError> {
        Ok(())
    }
}
pub struct MailSettings {
    pub url: SmtpUrl,
    pub user: Option<String>,
    pub password: Option<crate::secret::Secret>,
    pub ca_pem: Option<Vec<u8>>,
    pub from: String,
    pub to: Vec<String>,
    pub timeout: std::time::Duration,
    pub hello_name: Option<String>,
}
impl Mailer {
    pub fn new(_s: MailSettings) -> Result<Mailer, MailError> {
        Ok(Mailer)
    }
}
