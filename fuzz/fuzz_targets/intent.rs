//! Fuzzes the intent recognizer with arbitrary UTF-8 in both channels: it must never
//! panic, keep its confidence in 0..=1, never return a restart below its confidence floor,
//! and never return a command for a public message that does not address the bot.
#![no_main]

use cubeguardian::intent::{
    Addressee, Channel, Intent, Recognizer, MIN_CONFIDENCE, MIN_RESTART_CONFIDENCE,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static RECOGNIZER: OnceLock<Recognizer> = OnceLock::new();

const BOT: Addressee<'static> = Addressee {
    bot_id: 1,
    bot_name: "CubeGuardian",
};

fuzz_target!(|text: &str| {
    let recognizer = RECOGNIZER.get_or_init(Recognizer::new);
    for channel in [Channel::Guild, Channel::Dm] {
        let parsed = recognizer.parse(text, channel, &BOT);
        assert!(
            (0.0..=1.0).contains(&parsed.confidence),
            "confidence {} out of range",
            parsed.confidence
        );
        if parsed.intent != Intent::None {
            assert!(parsed.confidence >= MIN_CONFIDENCE);
            assert!(parsed.addressed);
        }
        if parsed.intent == Intent::Restart {
            assert!(parsed.confidence >= MIN_RESTART_CONFIDENCE);
        }
        match channel {
            Channel::Guild if !parsed.addressed => assert_eq!(parsed.intent, Intent::None),
            Channel::Dm => assert!(parsed.addressed),
            Channel::Guild => {}
        }
    }
});
