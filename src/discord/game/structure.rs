//! The game's Discord structure as data (GAME.md §2): the roles the bot
//! creates, the categories, the fixed channels, the per-player channels and
//! who reads or writes each, as permission overwrites.
//!
//! Pure: nothing here knows an id but a user's. Roles are named by
//! [`GameRole`] and resolved to ids by the shell once they exist, so the
//! same description serves a fresh guild and a drifted one.
//!
//! The permission model: every game channel and category carries an
//! `@everyone` overwrite denying [`READ`] and [`POST`] (the guild's default
//! `@everyone` permissions include both, so a role overwrite granting only
//! [`READ`] then really means read-only); roles and members then get what
//! the table of GAME.md §2 says. The MJ role is an administrator (overwrites
//! do not apply to it). The bot gets a member overwrite everywhere, so it
//! sees and posts in its own channels even if its role is not an
//! administrator.

use serenity::model::Permissions;

/// Seeing a channel and its past messages.
pub const READ: Permissions = Permissions::VIEW_CHANNEL.union(Permissions::READ_MESSAGE_HISTORY);

/// Writing in a channel: messages and reactions (the votes' buttons need
/// neither; reactions are how players answer each other).
pub const POST: Permissions = Permissions::SEND_MESSAGES.union(Permissions::ADD_REACTIONS);

/// What the bot needs in each of its channels when it is not an
/// administrator: read, post, and embed its summaries.
pub const BOT: Permissions = READ
    .union(POST)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::ATTACH_FILES);

/// Channels per Discord category: Discord refuses the 51st, so player
/// channels overflow into "CONVERSATION BOT 2", "… 3".
pub const CHANNELS_PER_CATEGORY: usize = 50;

/// Discord's longest channel name.
pub const CHANNEL_NAME_MAX: usize = 100;

/// Prefix of every player's private channel with the bot.
pub const PLAYER_CHANNEL_PREFIX: &str = "conv-bot-";

/// The Discord roles the bot creates (its own role exists already).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GameRole {
    Mj,
    Maire,
    Observateur,
    Vivant,
    Mort,
    Redacteur,
}

impl GameRole {
    pub const ALL: [GameRole; 6] = [
        GameRole::Mj,
        GameRole::Maire,
        GameRole::Observateur,
        GameRole::Vivant,
        GameRole::Mort,
        GameRole::Redacteur,
    ];

    /// The role's name on the server; the shell finds existing roles by it.
    pub fn name(self) -> &'static str {
        match self {
            GameRole::Mj => "MJ",
            GameRole::Maire => "Maire",
            GameRole::Observateur => "Observateur",
            GameRole::Vivant => "Joueur en vie",
            GameRole::Mort => "Joueur mort",
            GameRole::Redacteur => "Rédacteur",
        }
    }

    /// Guild-wide permissions: MJs administer; the mayor may mention
    /// everyone; the others get theirs from channel overwrites only.
    pub fn permissions(self) -> Permissions {
        match self {
            GameRole::Mj => Permissions::ADMINISTRATOR,
            GameRole::Maire => Permissions::MENTION_EVERYONE,
            _ => Permissions::empty(),
        }
    }
}

/// Whom an overwrite is for, before ids are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    Everyone,
    Role(GameRole),
    /// The bot's own user.
    Bot,
    Member(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverwriteSpec {
    pub who: Who,
    pub allow: Permissions,
    pub deny: Permissions,
}

impl OverwriteSpec {
    pub const fn new(who: Who, allow: Permissions, deny: Permissions) -> Self {
        OverwriteSpec { who, allow, deny }
    }
}

/// The game's categories, in the order they are created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Informations,
    MaisonMj,
    Camps,
    Boudoirs,
    Village,
    Cimetiere,
    ConvBot,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Informations,
        Category::MaisonMj,
        Category::Camps,
        Category::Boudoirs,
        Category::Village,
        Category::Cimetiere,
        Category::ConvBot,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Informations => "INFORMATIONS",
            Category::MaisonMj => "MAISON DES MJ",
            Category::Camps => "CONVERSATIONS CAMPS",
            Category::Boudoirs => "BOUDOIRS",
            Category::Village => "PLACE DU VILLAGE",
            Category::Cimetiere => "CIMETIÈRE DES BOUDOIRS",
            Category::ConvBot => "CONVERSATION BOT",
        }
    }

    /// The name of the `n`-th category of this kind (1-based): only the
    /// players' channels overflow, into "CONVERSATION BOT 2" and on.
    pub fn name_at(self, n: usize) -> String {
        if n <= 1 {
            self.name().to_owned()
        } else {
            format!("{} {n}", self.name())
        }
    }

    /// Which category, and which overflow number, a name is (`None`: not
    /// one of the game's).
    pub fn parse(name: &str) -> Option<(Category, usize)> {
        for category in Category::ALL {
            if name == category.name() {
                return Some((category, 1));
            }
            if category == Category::ConvBot {
                let number = name
                    .strip_prefix(category.name())
                    .and_then(|rest| rest.strip_prefix(' '))
                    .and_then(|n| n.parse::<usize>().ok());
                if let Some(n) = number.filter(|n| *n >= 2) {
                    return Some((category, n));
                }
            }
        }
        None
    }

    /// Every category is hidden from `@everyone`; its channels say who
    /// sees them (a category shows as soon as one of its channels does).
    pub fn overwrites(self) -> Vec<OverwriteSpec> {
        vec![hidden(), bot()]
    }
}

/// Which channel a spec is, for the ids handed back to the caller.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKey {
    /// One of the fixed channels, by its name.
    Fixed(&'static str),
    /// A player's private channel, by their user id.
    Player(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelSpec {
    pub key: ChannelKey,
    pub name: String,
    pub category: Category,
    pub overwrites: Vec<OverwriteSpec>,
}

/// A registered player, as the structure needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlayerRef<'a> {
    pub user_id: u64,
    pub display_name: &'a str,
}

fn hidden() -> OverwriteSpec {
    OverwriteSpec::new(Who::Everyone, Permissions::empty(), READ.union(POST))
}

fn bot() -> OverwriteSpec {
    OverwriteSpec::new(Who::Bot, BOT, Permissions::empty())
}

fn reads(role: GameRole) -> OverwriteSpec {
    OverwriteSpec::new(Who::Role(role), READ, POST)
}

fn writes(role: GameRole) -> OverwriteSpec {
    OverwriteSpec::new(Who::Role(role), READ.union(POST), Permissions::empty())
}

fn fixed(name: &'static str, category: Category, extra: Vec<OverwriteSpec>) -> ChannelSpec {
    let mut overwrites = vec![hidden(), bot()];
    overwrites.extend(extra);
    ChannelSpec {
        key: ChannelKey::Fixed(name),
        name: name.to_owned(),
        category,
        overwrites,
    }
}

/// The fixed channels of GAME.md §2, in creation order.
pub fn fixed_channels() -> Vec<ChannelSpec> {
    use Category::*;
    use GameRole::*;
    let players_read = || vec![reads(Vivant), reads(Mort), reads(Observateur)];
    let mut welcome = fixed("bienvenue", Informations, Vec::new());
    // Newcomers (no game role yet) see only this one, read-only.
    welcome.overwrites[0] = OverwriteSpec::new(Who::Everyone, READ, POST);
    vec![
        welcome,
        fixed("règles", Informations, players_read()),
        fixed("rôles", Informations, players_read()),
        fixed(
            "meta",
            Informations,
            vec![writes(Vivant), writes(Mort), reads(Observateur)],
        ),
        fixed("général", MaisonMj, vec![reads(Observateur)]),
        fixed("résolution", MaisonMj, vec![reads(Observateur)]),
        fixed("technique", MaisonMj, vec![reads(Observateur)]),
        fixed("logs", MaisonMj, vec![reads(Observateur)]),
        // Its members are added one by one by the MJs (member overwrites
        // the diff leaves alone).
        fixed("tanière-des-loups", Camps, vec![reads(Observateur)]),
        fixed("enfer", Camps, vec![writes(Mort), reads(Observateur)]),
        fixed("information-boudoirs", Boudoirs, players_read()),
        fixed("annonces", Village, players_read()),
        fixed("haros", Village, players_read()),
        fixed(
            "débats",
            Village,
            vec![writes(Vivant), reads(Mort), reads(Observateur)],
        ),
        fixed(
            "spam",
            Village,
            vec![writes(Vivant), reads(Mort), reads(Observateur)],
        ),
    ]
}

/// A Discord-safe channel name from a display name: lowercase, whitespace
/// runs become one `-`, characters Discord strips from text channel names
/// dropped, at most [`CHANNEL_NAME_MAX`] characters with the prefix.
pub fn player_channel_name(display_name: &str) -> String {
    let mut slug = String::new();
    for c in display_name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c == '-' {
            if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        } else if c.is_alphanumeric() || c == '_' {
            slug.push(c);
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "joueur" } else { slug };
    let room = CHANNEL_NAME_MAX - PLAYER_CHANNEL_PREFIX.len();
    let slug: String = slug.chars().take(room).collect();
    format!("{PLAYER_CHANNEL_PREFIX}{}", slug.trim_end_matches('-'))
}

/// A player's private channel: the player reads and writes (dead or alive),
/// observers read, everyone else is kept out.
pub fn player_channel(player: PlayerRef) -> ChannelSpec {
    ChannelSpec {
        key: ChannelKey::Player(player.user_id),
        name: player_channel_name(player.display_name),
        category: Category::ConvBot,
        overwrites: vec![
            hidden(),
            bot(),
            OverwriteSpec::new(
                Who::Member(player.user_id),
                READ.union(POST),
                Permissions::empty(),
            ),
            reads(GameRole::Observateur),
        ],
    }
}

/// Every player channel, names made unique: two players whose names give
/// the same channel name would otherwise share (and be matched to) one
/// channel, so the later ones get their user id's last digits appended.
pub fn player_channels(players: &[PlayerRef]) -> Vec<ChannelSpec> {
    let mut taken = std::collections::HashSet::new();
    players
        .iter()
        .map(|player| {
            let mut spec = player_channel(*player);
            if !taken.insert(spec.name.clone()) {
                let suffix = format!("-{}", player.user_id % 10_000);
                let keep = CHANNEL_NAME_MAX - suffix.len();
                spec.name = spec.name.chars().take(keep).collect::<String>() + &suffix;
                taken.insert(spec.name.clone());
            }
            spec
        })
        .collect()
}

/// A boudoir's overwrites: each member reads (dead or alive), only the
/// living post (through the role's overwrite, which a member overwrite
/// granting only [`READ`] does not override), observers read.
pub fn boudoir_overwrites(members: &[u64]) -> Vec<OverwriteSpec> {
    let mut overwrites = vec![
        hidden(),
        bot(),
        OverwriteSpec::new(Who::Role(GameRole::Vivant), POST, Permissions::empty()),
        reads(GameRole::Observateur),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for member in members {
        if seen.insert(*member) {
            overwrites.push(OverwriteSpec::new(
                Who::Member(*member),
                READ,
                Permissions::empty(),
            ));
        }
    }
    overwrites
}

/// A change of a member's game roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleSwap {
    pub remove: GameRole,
    pub add: GameRole,
}

/// What a death changes on Discord: the player loses "Joueur en vie" and
/// gets "Joueur mort"; every channel's overwrites then make them a reader
/// (except `enfer` and their own channel). A mayor who dies also loses
/// "Maire": that is the shell's call, as the engine decides the succession.
pub const DEATH: RoleSwap = RoleSwap {
    remove: GameRole::Vivant,
    add: GameRole::Mort,
};

/// Everything the guild should hold for a season with these players.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Desired {
    pub channels: Vec<ChannelSpec>,
}

pub fn desired(players: &[PlayerRef]) -> Desired {
    let mut channels = fixed_channels();
    channels.extend(player_channels(players));
    Desired { channels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_channel_names_are_discord_safe() {
        assert_eq!(player_channel_name("Jean Dupont"), "conv-bot-jean-dupont");
        assert_eq!(
            player_channel_name("  Élise   O'Neil "),
            "conv-bot-élise-oneil"
        );
        assert_eq!(player_channel_name("!!!"), "conv-bot-joueur");
        let long = player_channel_name(&"a b ".repeat(100));
        assert!(long.chars().count() <= CHANNEL_NAME_MAX, "{long}");
        assert!(!long.ends_with('-'));
    }

    #[test]
    fn homonyms_get_distinct_channels() {
        let players = [
            PlayerRef {
                user_id: 11_234,
                display_name: "Jean",
            },
            PlayerRef {
                user_id: 21_235,
                display_name: "jean",
            },
        ];
        let names: Vec<_> = player_channels(&players)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["conv-bot-jean", "conv-bot-jean-1235"]);
    }

    #[test]
    fn overflow_category_names_round_trip() {
        assert_eq!(Category::ConvBot.name_at(1), "CONVERSATION BOT");
        assert_eq!(Category::ConvBot.name_at(3), "CONVERSATION BOT 3");
        assert_eq!(
            Category::parse("CONVERSATION BOT 3"),
            Some((Category::ConvBot, 3))
        );
        assert_eq!(Category::parse("BOUDOIRS"), Some((Category::Boudoirs, 1)));
        assert_eq!(Category::parse("BOUDOIRS 2"), None);
        assert_eq!(Category::parse("Général"), None);
    }

    #[test]
    fn every_channel_but_the_welcome_is_hidden_from_everyone() {
        for channel in desired(&[PlayerRef {
            user_id: 5,
            display_name: "A",
        }])
        .channels
        {
            let everyone = channel
                .overwrites
                .iter()
                .find(|o| o.who == Who::Everyone)
                .expect("an @everyone overwrite");
            assert!(everyone.deny.contains(POST), "{}", channel.name);
            assert_eq!(
                everyone.deny.contains(Permissions::VIEW_CHANNEL),
                channel.name != "bienvenue",
                "{}",
                channel.name
            );
        }
    }
}
