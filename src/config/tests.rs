use super::*;

/// The smallest valid configuration; other modules' tests build on it.
pub(crate) const MINIMAL: &str = r#"
[discord]
guild_id = 111
announce_channel = "général"
admin_user_id = 222

[wake_on_lan]
mac = "aa:bb:cc:dd:ee:ff"

[proxmox]
url = "https://pve.lan:8006/"
token_id = "cubeguardian@pve!bot"
fingerprint = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

[minecraft]
address = "pve-game.lan:25565"
"#;

fn err(text: &str) -> ConfigError {
    Config::parse(text, "test.toml").expect_err("config should be refused")
}

#[test]
fn the_example_config_is_valid() {
    let c: Config = include_str!("../../config.example.toml").parse().unwrap();
    assert_eq!(
        c.discord.voice_channel,
        ChannelRef::Name("L'écho-du-Cube".into())
    );
    assert_eq!(c.proxmox.as_ref().unwrap().container_id, 105);
    assert_eq!(c.power.shutdown_delay, Duration::from_secs(600));
    assert!(!c.discord.uses_proxy());
}

#[test]
fn defaults_fill_what_is_left_out() {
    let c: Config = MINIMAL.parse().unwrap();
    assert_eq!(c.wake_on_lan.target, "255.255.255.255:9".parse().unwrap());
    let px = c.proxmox.unwrap();
    assert_eq!(px.url, "https://pve.lan:8006");
    assert_eq!((px.node.as_str(), px.container_id), ("pve", 105));
    assert_eq!(c.power.startup_timeout, Duration::from_secs(600));
    assert_eq!(c.power.shutdown_method, ShutdownMethod::Proxmox);
    assert_eq!(c.discord.api_url, DISCORD_API);
    assert_eq!(
        c.discord.announce_channel,
        ChannelRef::Name("général".into())
    );
}

#[test]
fn ids_may_be_numbers_or_numeric_strings_and_channels_names_or_ids() {
    let text = MINIMAL
        .replace("guild_id = 111", "guild_id = \"111\"\nvoice_channel = 444")
        .replace("\"général\"", "\"#général\"");
    let c: Config = text.parse().unwrap();
    assert_eq!(c.discord.guild_id, Snowflake(111));
    assert_eq!(c.discord.voice_channel, ChannelRef::Id(444));
    assert!(c.discord.announce_channel.matches(9, "général"));
}

#[test]
fn unknown_key_is_refused_with_its_line() {
    let text = MINIMAL.replace(
        "admin_user_id = 222",
        "admin_user_id = 222\ntoken = \"oops\"",
    );
    let e = err(&text);
    assert_eq!(e.line(), Some(6), "{e}");
    assert!(e.to_string().contains("token"), "{e}");
    assert!(e.to_string().starts_with("test.toml:6"), "{e}");
}

#[test]
fn bad_mac_names_the_key_and_line() {
    let e = err(&MINIMAL.replace("aa:bb:cc:dd:ee:ff", "not-a-mac"));
    assert_eq!(e.key(), Some("wake_on_lan.mac"), "{e}");
    assert_eq!(e.line(), Some(8), "{e}");
}

#[test]
fn bad_duration_names_the_key_and_line() {
    let e = err(&format!(
        "{MINIMAL}\n[power]\nshutdown_delay = \"ten minutes\"\n"
    ));
    assert_eq!(e.key(), Some("power.shutdown_delay"), "{e}");
    assert_eq!(e.line(), Some(19), "{e}");
    assert!(e.to_string().contains("\"10m\""), "{e}");
}

#[test]
fn missing_section_is_named() {
    let text = MINIMAL.replace("[minecraft]\naddress = \"pve-game.lan:25565\"", "");
    let e = err(&text);
    assert!(e.to_string().contains("minecraft"), "{e}");
}

#[test]
fn syntax_error_gives_the_line() {
    let e = err("[discord\nguild_id = 1\n");
    assert_eq!(e.line(), Some(1), "{e}");
}

#[test]
fn proxmox_trust_must_be_chosen_once() {
    let text = MINIMAL.replace("fingerprint = ", "ca_file = \"/x.pem\"\nfingerprint = ");
    let e = err(&text);
    assert_eq!(e.key(), Some("proxmox"), "{e}");
    assert_eq!(e.line(), Some(10), "{e}");
    let text = MINIMAL.replace("fingerprint = ", "# fingerprint = ");
    assert_eq!(err(&text).key(), Some("proxmox"));
}

#[test]
fn bad_fingerprint_and_token_id_are_refused() {
    let e = err(&MINIMAL.replace(
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        "abc",
    ));
    assert_eq!(e.key(), Some("proxmox.fingerprint"), "{e}");
    let e = err(&MINIMAL.replace("cubeguardian@pve!bot", "cubeguardian@pve!bot=s3cr3t"));
    assert_eq!(e.key(), Some("proxmox.token_id"), "{e}");
    assert!(
        !e.to_string().contains("s3cr3t"),
        "the secret was echoed: {e}"
    );
}

#[test]
fn ssh_method_needs_an_ssh_section() {
    let e = err(&format!("{MINIMAL}\n[power]\nshutdown_method = \"ssh\"\n"));
    assert_eq!(e.key(), Some("power.shutdown_method"), "{e}");
    assert_eq!(e.line(), Some(19), "{e}");
}

#[test]
fn address_with_a_bad_port_is_refused() {
    let e = err(&MINIMAL.replace("pve-game.lan:25565", "pve-game.lan:99999"));
    assert_eq!(e.key(), Some("minecraft.address"), "{e}");
    // Without a port, Minecraft's default is meant.
    let c: Config = MINIMAL
        .replace("pve-game.lan:25565", "pve-game.lan")
        .parse()
        .unwrap();
    assert_eq!(c.minecraft.address, "pve-game.lan");
}

#[test]
fn bad_text_override_is_refused_with_its_key() {
    let e = err(&format!(
        "{MINIMAL}\n[messages.text]\noperationnal = \"x\"\n"
    ));
    assert_eq!(e.key(), Some("messages.text.operationnal"), "{e}");
    assert_eq!(e.line(), Some(19), "{e}");
    let c: Config =
        format!("{MINIMAL}\n[messages]\nlanguage = \"en\"\n[messages.text]\noff = \"bye\"\n")
            .parse()
            .unwrap();
    assert_eq!(
        c.messages.notice(&crate::power::machine::Notice::Off),
        "bye"
    );
}

#[test]
fn websocket_gateway_url_is_checked() {
    let text = MINIMAL.replace(
        "guild_id = 111",
        "guild_id = 111\ngateway_url = \"http://x\"",
    );
    assert_eq!(err(&text).key(), Some("discord.gateway_url"));
    let text = MINIMAL.replace(
        "guild_id = 111",
        "guild_id = 111\ngateway_url = \"ws://127.0.0.1:1/gateway\"",
    );
    let c: Config = text.parse().unwrap();
    assert_eq!(
        c.discord.gateway_url.as_deref(),
        Some("ws://127.0.0.1:1/gateway")
    );
}

const DIGEST: &str = r#"
[digest]
time = "07:30"
timezone = "Europe/Brussels"
smtp_url = "smtp://mail.example.org:587?tls=required"
smtp_user = "bot@example.org"
from = "CubeGuardian <bot@example.org>"
to = ["liste@example.org"]
excluded_channels = ["spam"]
important_channels = ["annonces", 42]
retention = "30d"
"#;

#[test]
fn digest_section_is_read_and_checked() {
    assert!(Config::from_str(MINIMAL).unwrap().digest.is_none());
    let c: Config = format!("{MINIMAL}{DIGEST}").parse().unwrap();
    let d = c.digest.unwrap();
    assert_eq!(d.time, jiff::civil::Time::constant(7, 30, 0, 0));
    assert_eq!(d.zone.name(), "Europe/Brussels");
    assert_eq!(d.important_channels[1], ChannelRef::Id(42));
    assert_eq!(d.retention, Duration::from_secs(30 * 86400));
    assert!(!d.send_when_empty);
    assert_eq!(d.commit_interval, Duration::from_secs(900));
    let quick: Config = format!("{MINIMAL}{DIGEST}commit_interval = \"2s\"\n")
        .parse()
        .unwrap();
    assert_eq!(
        quick.digest.unwrap().commit_interval,
        Duration::from_secs(2)
    );

    let off = format!("{MINIMAL}{DIGEST}").replace("[digest]", "[digest]\nenabled = false");
    assert!(Config::from_str(&off).unwrap().digest.is_none());

    for (from, to, key) in [
        ("\"07:30\"", "\"25:00\"", "digest.time"),
        ("\"07:30\"", "\"7h30\"", "digest.time"),
        ("smtp://mail", "http://mail", "digest.smtp_url"),
        ("\"liste@example.org\"", "\"nobody\"", "digest.to"),
        ("\"30d\"", "\"2h\"", "digest.retention"),
        ("Europe/Brussels", "Mars/Olympus", "digest.timezone"),
    ] {
        let e = err(&format!("{MINIMAL}{DIGEST}").replacen(from, to, 1));
        assert_eq!(e.key(), Some(key), "{e}");
        assert!(e.line().is_some(), "{e}");
    }
    let seconds = format!("{MINIMAL}{DIGEST}").replace("\"07:30\"", "\"07:30:15\"");
    let d = Config::from_str(&seconds).unwrap().digest.unwrap();
    assert_eq!(d.time, jiff::civil::Time::constant(7, 30, 15, 0));
}

#[test]
fn admin_hostnames_are_read_and_checked() {
    let c: Config = format!("{MINIMAL}\n[admin]\nhostnames = [\"Pi.LAN\", \"cube.home.arpa.\"]\n")
        .parse()
        .unwrap();
    let names: Vec<&str> = c.admin.hostnames.iter().map(|h| h.as_str()).collect();
    assert_eq!(names, ["pi.lan", "cube.home.arpa"]);
    let e = err(&format!(
        "{MINIMAL}\n[admin]\nhostnames = [\"http://pi.lan:8080\"]\n"
    ));
    assert_eq!(e.key(), Some("admin.hostnames[0]"), "{e}");
    assert!(e.to_string().contains("not a host name"), "{e}");
}

#[test]
fn include_private_names_channels_not_also_excluded() {
    let d = Config::from_str(&format!("{MINIMAL}{DIGEST}"))
        .unwrap()
        .digest
        .unwrap();
    assert!(d.include_private.is_empty(), "private channels are opt-in");
    let opted = format!("{MINIMAL}{DIGEST}include_private = [\"#staff\", 77]\n");
    let d = Config::from_str(&opted).unwrap().digest.unwrap();
    assert_eq!(
        d.include_private,
        vec![ChannelRef::Name("staff".into()), ChannelRef::Id(77)]
    );
    let both = format!("{MINIMAL}{DIGEST}include_private = [\"#spam\"]\n");
    let e = err(&both);
    assert_eq!(e.key(), Some("digest.include_private"), "{e}");
    assert!(e.to_string().contains("#spam"), "{e}");
}

#[test]
fn the_front_door_is_off_unless_enabled_and_has_defaults() {
    let c: Config = MINIMAL.parse().unwrap();
    assert!(c.front_door.is_none());
    let c: Config = format!("{MINIMAL}\n[front_door]\nallowed_players = [\"Steve\"]\n")
        .parse()
        .unwrap();
    assert!(c.front_door.is_none(), "enabled defaults to false");
    let c: Config = format!(
        "{MINIMAL}\n[front_door]\nenabled = true\nallowed_players = [\"Steve\", \"alex_2\"]\n"
    )
    .parse()
    .unwrap();
    let f = c.front_door.unwrap();
    assert_eq!(f.listen, "0.0.0.0:25565".parse().unwrap());
    assert_eq!(f.upstream, "pve-game.lan:25565", "minecraft.address");
    assert_eq!(f.allowed_players, ["steve", "alex_2"]);
    assert_eq!(f.motd_sleeping, None);
    assert_eq!((f.max_connections, f.max_connections_per_address), (256, 8));
    assert_eq!(f.handshake_timeout, Duration::from_secs(5));
    assert!(f.online_mode, "a claimed name is never trusted by default");
    assert_eq!(f.session_server, "https://sessionserver.mojang.com");
}

#[test]
fn front_door_mistakes_name_their_key_and_line() {
    let with = |body: &str| format!("{MINIMAL}\n[front_door]\nenabled = true\n{body}\n");
    let cases = [
        (
            "allowed_players = [\"not a name\"]",
            "front_door.allowed_players",
        ),
        ("upstream = \"host:notaport\"", "front_door.upstream"),
        (
            "motd_starting = \"~{minutes} min\"",
            "front_door.motd_starting",
        ),
        ("max_connections = 0", "front_door.max_connections"),
        (
            "max_connections = 4\nmax_connections_per_address = 5",
            "front_door.max_connections_per_address",
        ),
        (
            "handshake_timeout = \"10ms\"",
            "front_door.handshake_timeout",
        ),
        ("listen = \"nowhere\"", "front_door.listen"),
        ("online_mode = \"yes\"", ""),
        (
            "session_server = \"http://sessions.example\"",
            "front_door.session_server",
        ),
        ("session_server = \"ftp://x\"", ""),
    ];
    for (body, key) in cases {
        let e = err(&with(body));
        let text = e.to_string();
        assert!(text.starts_with("test.toml:"), "{body}: {text}");
        assert!(e.line().is_some(), "{body}: no line in {text}");
        if !key.is_empty() {
            assert_eq!(e.key(), Some(key), "{body}: {text}");
        }
    }
    let ok: Config = with("motd_starting = \"~{seconds} s\"").parse().unwrap();
    assert!(ok.front_door.is_some());
    // A stand-in on this machine may speak plain HTTP.
    for local in [
        "http://127.0.0.1:8080/",
        "http://localhost:1",
        "http://[::1]:2",
    ] {
        let ok: Config = with(&format!(
            "online_mode = false\nsession_server = \"{local}\""
        ))
        .parse()
        .unwrap();
        let f = ok.front_door.unwrap();
        assert!(!f.online_mode);
        assert_eq!(f.session_server, local.trim_end_matches('/'));
    }
}

#[test]
fn the_game_is_off_unless_enabled_and_has_lg_rez_defaults() {
    use crate::time::calendar::{DailyWindow, Pause};
    let c: Config = MINIMAL.parse().unwrap();
    assert!(c.game.is_none());
    let c: Config = format!("{MINIMAL}\n[game]\nmj_role = 555\n")
        .parse()
        .unwrap();
    assert!(c.game.is_none(), "enabled defaults to false");
    let c: Config = format!("timezone = \"Europe/Paris\"\n{MINIMAL}\n[game]\nenabled = true\n")
        .parse()
        .unwrap();
    let g = c.game.unwrap();
    assert_eq!(g.guild_id, Snowflake(111), "discord.guild_id by default");
    assert_eq!(g.mj_role, None);
    assert_eq!(g.catalogue, None, "the built-in catalogue");
    let hm = |h, m| jiff::civil::Time::constant(h, m, 0, 0);
    let window = |open, close| DailyWindow {
        open: hm(open, 0),
        close: hm(close, 0),
    };
    assert_eq!(g.pyre_vote, window(10, 18));
    assert_eq!(g.wolves_vote, window(19, 23));
    assert_eq!(g.mayor_vote, window(10, 17));
    assert_eq!((g.actions_start, g.hype), (hm(19, 0), hm(18, 50)));
    assert_eq!(g.pause, Pause::default());
    assert_eq!(g.zone.name(), "Europe/Paris", "the top-level timezone");
}

#[test]
fn the_game_section_is_read() {
    let c: Config = format!(
        "{MINIMAL}\n[game]\nenabled = true\nguild_id = \"999\"\nmj_role = 555\n\
         catalogue = \"/etc/cubeguardian/saison-3.toml\"\npyre_vote = \"09:00-17:30\"\n\
         wolves_vote = \"20:00 - 23:30\"\nmayor_vote = \"9:00-12:00\"\nactions_start = \"20:00\"\n\
         hype = \"19:45\"\npause = \"ven 18:00 - dim 20:00\"\ntimezone = \"America/Montreal\"\n"
    )
    .parse()
    .unwrap();
    let g = c.game.unwrap();
    assert_eq!(
        (g.guild_id, g.mj_role),
        (Snowflake(999), Some(Snowflake(555)))
    );
    assert_eq!(
        g.catalogue.as_deref(),
        Some(std::path::Path::new("/etc/cubeguardian/saison-3.toml"))
    );
    assert_eq!(g.pyre_vote.to_string(), "09:00-17:30");
    assert_eq!(g.wolves_vote.to_string(), "20:00-23:30");
    assert_eq!(g.mayor_vote.to_string(), "09:00-12:00");
    assert_eq!(g.pause.to_string(), "fri 18:00 - sun 20:00");
    assert_eq!(g.hype, jiff::civil::Time::constant(19, 45, 0, 0));
    assert_eq!(g.zone.name(), "America/Montreal");
}

#[test]
fn game_mistakes_name_their_key_and_line() {
    let with = |body: &str| format!("{MINIMAL}\n[game]\nenabled = true\n{body}\n");
    let cases = [
        (
            "pyre_vote = \"18:00-10:00\"",
            "game.pyre_vote",
            "ends before it starts",
        ),
        (
            "wolves_vote = \"19:00-19:00\"",
            "game.wolves_vote",
            "ends before it starts",
        ),
        (
            "mayor_vote = \"10h-17h\"",
            "game.mayor_vote",
            "not a time of day",
        ),
        ("mayor_vote = \"10:00\"", "game.mayor_vote", "not a window"),
        (
            "actions_start = \"25:00\"",
            "game.actions_start",
            "not a time of day",
        ),
        ("hype = \"18h50\"", "game.hype", "not a time of day"),
        (
            "pause = \"fry 19:00 - sun 19:00\"",
            "game.pause",
            "`fry` is not a weekday",
        ),
        (
            "pause = \"fri 19:00 - sun 24:00\"",
            "game.pause",
            "not a time of day",
        ),
        ("pause = \"fri 19:00\"", "game.pause", "not a pause"),
        (
            "pause = \"sun 19:00 - dim 19:00\"",
            "game.pause",
            "same moment",
        ),
        (
            "timezone = \"Mars/Olympus\"",
            "game.timezone",
            "Mars/Olympus",
        ),
        ("mj_role = \"MJ\"", "game.mj_role", "not a Discord id"),
        ("guild_id = 0", "game.guild_id", "not a Discord id"),
        ("turns = 3", "", "turns"),
    ];
    for (body, key, says) in cases {
        let e = err(&with(body));
        let text = e.to_string();
        assert!(text.starts_with("test.toml:"), "{body}: {text}");
        assert!(e.line().is_some(), "{body}: no line in {text}");
        assert!(text.contains(says), "{body}: {text}");
        if !key.is_empty() {
            assert_eq!(e.key(), Some(key), "{body}: {text}");
        }
    }
}

#[test]
fn the_examples_game_section_uncommented_is_valid() {
    let example = include_str!("../../config.example.toml");
    let start = example
        .find("# [game]")
        .expect("the example has a [game] section");
    let section: String = example[start..]
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter(|l| !l.starts_with("# #"))
        .map(|l| format!("{}\n", l.trim_start_matches("# ")))
        .collect();
    let c: Config = format!("{MINIMAL}\n{section}").parse().unwrap();
    let g = c.game.expect("enabled in the example");
    assert_eq!(g.mj_role, Some(Snowflake(123456789012345679)));
    assert_eq!(g.zone.name(), "Europe/Paris");
}
