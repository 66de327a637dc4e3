//! The digest mailer against a real SMTP server (aiosmtpd) on 127.0.0.1:
//! STARTTLS and implicit TLS with a private CA, authentication, temporary
//! and permanent refusals, a server that is down and an untrusted
//! certificate.

use crate::support;

use std::time::Duration;

use cubeguardian::peers::smtp::{MailSettings, Mailer, OutgoingMail, SendError, SmtpUrl, Stage};
use cubeguardian::system::secret::Secret;
use support::smtp::{SmtpOptions, SmtpServer};

const USER: &str = "bot@example.org";
const PASSWORD: &str = "S3cret-pass-ÿ";
/// Guards against hanging only.
const WAIT: Duration = Duration::from_secs(20);

/// Settings for `server`, trusting its CA, logging in when `password` is
/// given.
fn settings(server: &SmtpServer, password: Option<&str>) -> MailSettings {
    MailSettings {
        url: SmtpUrl::parse(&server.url()).unwrap(),
        user: password.map(|_| USER.to_owned()),
        password: password.map(Secret::new),
        ca_pem: server.ca_pem(),
        from: "CubeGuardian Étoile <bot@example.org>".into(),
        to: vec!["Liste des membres <liste@example.org>".into()],
        timeout: WAIT,
        hello_name: Some("cubeguardian.test".into()),
    }
}

fn digest(n: u32) -> OutgoingMail {
    OutgoingMail {
        message_id: format!("<digest-{n}.1732170000@cubeguardian>"),
        subject: "Résumé du serveur « Les Cubes » — 21 novembre 🎉".into(),
        text: "Bonjour à tous !\n\n#général : 42 messages, Zoé a partagé 🧱 un château.\n".into(),
        html:
            "<h1>Bonjour à tous !</h1><p>#général : 42 messages, Zoé a partagé 🧱 un château.</p>"
                .into(),
        date_ms: 1_732_170_000_000,
    }
}

async fn send(settings: MailSettings, mail: &OutgoingMail) -> Result<(), SendError> {
    Mailer::new(settings).unwrap().send(mail).await
}

#[tokio::test]
async fn starttls_with_auth_and_private_ca_delivers_one_multipart_mail() {
    let server = SmtpServer::start(SmtpOptions::starttls().with_auth(USER, PASSWORD)).await;
    let mail = digest(42);
    send(settings(&server, Some(PASSWORD)), &mail)
        .await
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));

    let received = server.wait_for_mails(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.parse_error, None);
    assert_eq!(got.mail_from, USER);
    assert_eq!(got.rcpt_tos, vec!["liste@example.org".to_owned()]);
    assert_eq!(got.subject.as_deref(), Some(mail.subject.as_str()));
    assert_eq!(
        got.message_id.as_deref(),
        Some("<digest-42.1732170000@cubeguardian>")
    );
    assert_eq!(
        got.from.as_deref(),
        Some("CubeGuardian Étoile <bot@example.org>")
    );
    assert_eq!(
        got.to.as_deref(),
        Some("Liste des membres <liste@example.org>")
    );
    assert_eq!(got.date.as_deref(), Some("Thu, 21 Nov 2024 06:20:00 +0000"));
    assert_eq!(got.content_type.as_deref(), Some("multipart/alternative"));
    assert_eq!(got.header("Auto-Submitted"), Some("auto-generated"));
    let text = got.text.as_deref().expect("a text/plain part");
    assert!(text.contains("Zoé a partagé 🧱 un château"), "{text}");
    let html = got.html.as_deref().expect("a text/html part");
    assert!(html.contains("<h1>Bonjour à tous !</h1>"), "{html}");
    // The client encoded everything: nothing relies on 8-bit transport.
    assert!(got.raw.is_ascii());
    assert_eq!(server.data_attempts(), 1);
    // The server saw an encrypted, authenticated session.
    let log = server.log();
    assert!(
        log.contains("STARTTLS") || log.contains("starttls"),
        "{log}"
    );
    assert!(!log.contains(PASSWORD), "{log}");
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let server = SmtpServer::start(SmtpOptions::implicit_tls().with_auth(USER, PASSWORD)).await;
    assert!(server.url().starts_with("smtps://127.0.0.1:"));
    send(settings(&server, Some(PASSWORD)), &digest(1))
        .await
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    let received = server.wait_for_mails(1, WAIT).await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].message_id.as_deref(),
        Some("<digest-1.1732170000@cubeguardian>")
    );
}

#[tokio::test]
async fn wrong_password_is_a_permanent_authentication_error_that_hides_the_password() {
    let server = SmtpServer::start(SmtpOptions::starttls().with_auth(USER, PASSWORD)).await;
    let wrong = "Wr0ng-Passw0rd-Zoé";
    let err = send(settings(&server, Some(wrong)), &digest(1))
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.stage(), &Stage::Auth);
    assert_eq!(err.reply_code(), Some(535));
    let msg = err.to_string();
    assert!(msg.contains("authenticat"), "{msg}");
    assert!(msg.contains("smtp_password"), "{msg}");
    assert!(!msg.contains(wrong), "{msg}");
    assert!(!format!("{err:?}").contains(wrong));
    assert!(server.received().is_empty());
    assert_eq!(server.data_attempts(), 0);
}

#[tokio::test]
async fn temporary_refusals_are_transient_and_the_retry_is_delivered_once() {
    // Plain SMTP on loopback, without a password: a local relay.
    let server = SmtpServer::start(SmtpOptions::default().fail_data(2)).await;
    let mailer = Mailer::new(settings(&server, None)).unwrap();
    let mail = digest(7);
    for attempt in 1..=2 {
        let err = mailer.send(&mail).await.unwrap_err();
        assert!(err.is_transient(), "attempt {attempt}: {err}");
        assert_eq!(err.reply_code(), Some(451), "{err}");
        assert_eq!(err.stage(), &Stage::Message);
        assert!(!err.maybe_delivered());
        assert!(err.to_string().contains("try again later"), "{err}");
    }
    mailer
        .send(&mail)
        .await
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    let received = server.wait_for_mails(1, WAIT).await;
    assert_eq!(received.len(), 1, "exactly one mail in the spool");
    assert_eq!(server.data_attempts(), 3);
    assert_eq!(
        received[0].message_id.as_deref(),
        Some("<digest-7.1732170000@cubeguardian>")
    );
}

#[tokio::test]
async fn loopback_relay_without_tls_may_authenticate() {
    let server = SmtpServer::start(SmtpOptions::default().with_auth(USER, PASSWORD)).await;
    send(settings(&server, Some(PASSWORD)), &digest(3))
        .await
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    assert_eq!(server.wait_for_mails(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn server_down_is_transient() {
    let mut server = SmtpServer::start(SmtpOptions::starttls().with_auth(USER, PASSWORD)).await;
    let settings = settings(&server, Some(PASSWORD));
    server.stop().await;
    let err = send(settings, &digest(1)).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(err.stage(), &Stage::Connect);
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("127.0.0.1:{}", server.port())),
        "{msg}"
    );
    assert!(!msg.contains(PASSWORD), "{msg}");
}

#[tokio::test]
async fn untrusted_certificate_is_a_permanent_tls_error() {
    for options in [SmtpOptions::starttls(), SmtpOptions::implicit_tls()] {
        let server = SmtpServer::start(options.with_auth(USER, PASSWORD)).await;
        // Only the Mozilla roots: the test CA is not among them.
        let settings = MailSettings {
            ca_pem: None,
            ..settings(&server, Some(PASSWORD))
        };
        let err = send(settings, &digest(1)).await.unwrap_err();
        assert!(err.is_permanent(), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("certificate"), "{msg}");
        assert!(msg.contains("tls"), "{msg}");
        assert!(msg.contains("digest.smtp_ca_file"), "{msg}");
        assert!(!msg.contains(PASSWORD), "{msg}");
        assert!(server.received().is_empty());
    }
}

#[tokio::test]
async fn localhost_name_verifies_too() {
    let server = SmtpServer::start(SmtpOptions::starttls()).await;
    let url = server.url().replace("127.0.0.1", "localhost");
    let settings = MailSettings {
        url: SmtpUrl::parse(&url).unwrap(),
        ..settings(&server, None)
    };
    send(settings, &digest(5))
        .await
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    assert_eq!(server.wait_for_mails(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn rejected_recipient_is_permanent_and_names_the_address() {
    let server = SmtpServer::start(
        SmtpOptions::starttls()
            .with_auth(USER, PASSWORD)
            .reject_rcpt("liste@example.org"),
    )
    .await;
    let err = send(settings(&server, Some(PASSWORD)), &digest(1))
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.reply_code(), Some(550));
    assert_eq!(err.stage(), &Stage::RcptTo("liste@example.org".into()));
    assert!(err.to_string().contains("check digest.to"), "{err}");
    assert_eq!(server.data_attempts(), 0);
}

#[tokio::test]
async fn required_starttls_is_not_silently_skipped() {
    // A plain server, but the URL insists on STARTTLS.
    let server = SmtpServer::start(SmtpOptions::default()).await;
    let url = format!("smtp://127.0.0.1:{}?tls=required", server.port());
    let settings = MailSettings {
        url: SmtpUrl::parse(&url).unwrap(),
        ..settings(&server, None)
    };
    let err = send(settings, &digest(1)).await.unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.stage(), &Stage::StartTls);
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    assert!(server.received().is_empty());
}
