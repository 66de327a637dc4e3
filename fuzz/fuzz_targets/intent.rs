//! Fuzzes the intent recognizer with arbitrary UTF-8 in both channels: it must never
//! panic, keep its confidence finite and in 0..=1, never return a command below its
//! confidence floor (nor a restart below the restart floor), and never return a command for
//! a public message that does not address the bot. The reader of typed answers to the
//! bot's questions must never panic either.
#![no_main]

use cubeguardian_intent::{
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
        let c = parsed.confidence;
        assert!(c.is_finite() && (0.0..=1.0).contains(&c), "{parsed:?}");
        if parsed.intent != Intent::None {
            assert!(c >= MIN_CONFIDENCE, "{parsed:?}");
            assert!(parsed.addressed, "{parsed:?}");
        }
        if parsed.intent == Intent::Restart {
            assert!(c >= MIN_RESTART_CONFIDENCE, "{parsed:?}");
        }
        match channel {
            Channel::Guild if !parsed.addressed => assert_eq!(parsed.intent, Intent::None),
            Channel::Dm => assert!(parsed.addressed, "{parsed:?}"),
            Channel::Guild => {}
        }
    }
    let _ = recognizer.answer(text, &BOT);
});
