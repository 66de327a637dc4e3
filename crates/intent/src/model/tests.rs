//! Tests of [`super`]: the shipped weights and the learned stage's decisions.

use super::*;

#[test]
fn shipped_weights_decode() {
    let model = Model::embedded().expect("src/model.bin is malformed");
    assert_eq!(model.rows.len(), BUCKETS);
    assert!(
        model.rows.iter().flat_map(|r| r.0).any(|w| w != 0),
        "untrained"
    );
}

#[test]
fn malformed_weights_are_refused() {
    assert!(Model::decode(b"").is_none());
    assert!(Model::decode(&EMBEDDED[..EMBEDDED.len() - 1]).is_none());
    let mut wrong = EMBEDDED.to_vec();
    wrong[0] = b'X';
    assert!(Model::decode(&wrong).is_none());
}

#[test]
fn softmax_is_a_distribution() {
    let p = softmax([1e30, -1e30, 0.0, 3.0, f32::MIN], 0.7);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
}

/// Summing a lexicon word's own features in advance changes no score: every
/// development message, and its words cut and run together, scores to the same bits
/// with the sums as without them.
#[test]
fn known_word_sums_change_no_score() {
    let recognizer = crate::Recognizer::new();
    let plain = Model::embedded().unwrap();
    let bot = crate::Addressee {
        bot_id: 1,
        bot_name: "CubeGuardian",
    };
    let mut compared = 0;
    for case in crate::corpus::load()
        .iter()
        .filter(|c| c.split == crate::corpus::Split::Dev)
    {
        let glued = case.text.replace(' ', "");
        let apostrophes = case.text.replace(' ', "'");
        for text in [case.text.as_str(), &glued, &apostrophes] {
            let scores = recognizer.analyse(text, crate::Channel::Dm, &bot, |input| {
                let fast = recognizer.model.as_ref().unwrap().probabilities(input);
                (fast, plain.probabilities(input))
            });
            let (fast, slow) = scores.unwrap();
            assert_eq!(fast.map(f32::to_bits), slow.map(f32::to_bits), "{text:?}");
            compared += 1;
        }
    }
    assert!(compared > 3000, "{compared}");
}

/// Every token that is no word of its own reads as the symbol its class code names:
/// [`Model::symbols`] stands for it by that code.
#[test]
fn symbols_follow_class_codes() {
    let lexicon = crate::lexicon::Lexicon::new();
    let norm = crate::normalize::Normalized::new("<@7> a <@8> b @jean c bot ? d . e , f");
    let tokens = crate::token::Tokens::new(&norm);
    let t = Tagged::new(&norm, &tokens, &lexicon, 7, "CubeGuardian");
    let mut seen = 0;
    for (i, s) in t.slots().iter().enumerate() {
        if s.kind == TokenKind::Word && s.refers == Ref::No {
            continue;
        }
        let code = context_code(&t, i);
        let k = usize::from(code - SYMBOLS_FROM);
        assert_eq!(token_text(&t, i), SYMBOLS[k], "{i}");
        seen |= 1 << k;
    }
    assert_eq!(seen, 0b11111);
}
