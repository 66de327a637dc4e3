//! The admin page in a real headless browser (Debian's chromium, driven by
//! chromedriver through WebDriver): log in, see the state, press "wake",
//! see the state change. A screenshot of the page is saved under the
//! test's output directory (`target/tmp/admin-page.png`).
//!
//! Needs `chromium` and `chromium-driver` (`.ci/run` installs them).

use crate::support;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use support::appliance::*;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_cubeguardian"))
}

/// chromedriver on a loopback port, stopped on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver not found: apt-get install chromium chromium-driver");
        // From here on, Drop stops it whatever happens.
        let driver = ChromeDriver { child, port };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not start listening on {port}");
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_see_the_state_press_wake_see_it_change() {
    let mut app = Appliance::start(bin(), Options::default()).await;
    app.spawn_ready().await;
    app.notify
        .wait("presence", |l| l.contains("0 authorized in voice"))
        .await;
    let driver = ChromeDriver::start();

    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            // The flags keep Chromium from reaching out to the network.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=412,915"]
        }),
    );
    let browser = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session");

    let page = format!("http://{}/", app.admin_addr);
    browser.goto(&page).await.unwrap();
    // Not logged in: the login form.
    let token = browser
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap();
    token.send_keys(ADMIN_TOKEN).await.unwrap();
    browser
        .find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Logged in, the page shows the state: off.
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("form[action='/action/wake']"))
        .await
        .expect("the admin page after logging in");
    let body = browser.find(Locator::Css("body")).await.unwrap();
    let text = body.text().await.unwrap();
    assert!(text.contains("éteint"), "{text}");

    browser
        .find(Locator::Css("form[action='/action/wake'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(app.wol.wait_for_packets(3, WAIT).await.len(), 3);

    // The page (after the redirect) shows the startup.
    let mut seen = String::new();
    for _ in 0..50 {
        browser.goto(&page).await.unwrap();
        seen = browser
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if seen.contains("démarrage") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen.contains("démarrage"), "{seen}");

    let png = browser.screenshot().await.unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("admin-page.png");
    std::fs::write(&out, png).unwrap();
    eprintln!("screenshot: {}", out.display());
    browser.close().await.unwrap();
}
