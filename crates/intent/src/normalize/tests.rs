//! Tests of [`super`]: folding, its fast paths, its caps and its summary flags.

use super::*;

/// The fast paths fold exactly as the general one (compatibility decomposition).
#[test]
fn fast_paths_fold_like_the_decomposition() {
    let slow = |c: char| {
        let mut n = Normalized::new("");
        decompose_compatible(c, |d| {
            n.push_decomposed(d);
        });
        (n.as_bytes().to_vec(), n.had_acute(0))
    };
    for c in (' '..='~').chain("éèêëÉÈÊËàâäÀÂÄçÇùûüÙÛÜîïÎÏôöÔÖ".chars())
    {
        if c.is_whitespace() {
            continue;
        }
        let fast = Normalized::new(&c.to_string());
        assert_eq!(
            (fast.as_bytes().to_vec(), fast.had_acute(0)),
            slow(c),
            "{c:?}"
        );
    }
}

fn norm(s: &str) -> String {
    String::from_utf8(Normalized::new(s).as_bytes().to_vec()).unwrap()
}

#[test]
fn strips_accents_and_lowercases() {
    assert_eq!(norm("Redémarre LE SERVEUR"), "redemarre le serveur");
    assert_eq!(norm("RÉVEILLE-toi, ça va ?"), "reveille-toi, ca va ?");
}

#[test]
fn collapses_letter_repetitions_beyond_two() {
    assert_eq!(norm("redémarreeeee"), "redemarree");
    assert_eq!(norm("rebooooot"), "reboot");
    assert_eq!(norm("stppppp!!!!"), "stpp!");
    assert_eq!(norm("2000"), "2000");
}

#[test]
fn marks_elongations() {
    let n = Normalized::new("redémarreeee moo");
    assert_eq!(n.as_bytes(), b"redemarree moo");
    assert!(n.elongated(9));
    assert!(!n.elongated(8));
    assert!(
        !n.elongated(13),
        "a real double letter is not an elongation"
    );
}

#[test]
fn elongation_ranges_agree_with_bytes() {
    let text = "oook ".repeat(30) + &"a".repeat(70) + "aaaaa";
    let n = Normalized::new(&text);
    let len = n.as_bytes().len();
    for start in 0..=len + 1 {
        for end in start..=len + 2 {
            assert_eq!(
                n.elongated_within(start, end),
                (start..end).any(|k| n.elongated(k)),
                "{start}..{end}"
            );
        }
    }
}

/// The character budget counts characters, whatever their width in bytes: the ASCII
/// ones are not counted one by one (see `fold`).
#[test]
fn the_budget_counts_characters() {
    for text in [
        "é ".repeat(1000) + "x",
        "a".repeat(1999) + "éb",
        "a".repeat(1998) + "é",
        "ab é".repeat(499) + "dé",
        "\u{1f525}x".repeat(1001),
        "é".repeat(2000),
    ] {
        let n = Normalized::new(&text);
        let prefix: String = text.chars().take(MAX_ANALYSED_CHARS).collect();
        assert_eq!(
            n.as_bytes(),
            Normalized::new(&prefix).as_bytes(),
            "{text:?}"
        );
        assert_eq!(
            n.truncated(),
            text.chars().count() > MAX_ANALYSED_CHARS,
            "{text:?}"
        );
    }
}

#[test]
fn folds_compatibility_forms_and_ligatures() {
    assert_eq!(norm("ＲＥＳＴＡＲＴ"), "restart");
    assert_eq!(norm("ﬁn"), "fin");
    assert_eq!(norm("sœur"), "soeur");
    assert_eq!(norm("j’ai"), "j'ai");
}

#[test]
fn removes_invisible_characters_and_symbols() {
    assert_eq!(norm("re\u{200b}start"), "restart");
    assert_eq!(norm("→ restart ©"), "restart");
    // Emoji close a clause, as a comma does.
    assert_eq!(norm("restart 🔥🔥 vite"), "restart , vite");
    assert_eq!(norm("a\u{0}\u{7}b"), "a b");
    assert_eq!(norm("  a \n\n  b  "), "a\nb");
}

#[test]
fn zalgo_marks_are_dropped() {
    let zalgo = "r\u{338}\u{322}e\u{335}s\u{337}t\u{338}a\u{334}r\u{335}t\u{336}";
    assert_eq!(norm(zalgo), "restart");
}

#[test]
fn remembers_acute_accents_on_e() {
    let n = Normalized::new("redémarré redémarre");
    let b = n.as_bytes();
    assert_eq!(&b[..9], b"redemarre");
    assert!(n.had_acute(3));
    assert!(n.had_acute(8));
    assert!(!n.had_acute(18));
}

#[test]
fn caps_the_analysed_length() {
    let long = "a ".repeat(100_000);
    let n = Normalized::new(&long);
    assert!(n.truncated());
    assert!(n.as_bytes().len() <= NORMALIZED_CAPACITY);
    let wide = "ﷺ".repeat(1000);
    let n = Normalized::new(&wide);
    assert!(n.truncated());
    assert!(std::str::from_utf8(n.as_bytes()).is_ok());
    assert!(!Normalized::new("court").truncated());
}

/// The summary flags are never false where the bit sets or bytes hold such a mark (the
/// scans stop on a false one); the accent and elongation ones are exact.
#[test]
fn summary_flags_agree_with_the_text() {
    for text in [
        "redemarre le serveur",
        "« relance » qu'il dit",
        "a\u{2028}b",
        "a \n b",
        "  \n",
        "a \n",
        "~~reboot~~ **stp** __ok__",
        "`code` ||spoiler|| > quote",
        "redémarré redémarreeee",
        "re\u{301}demarre",
        "🔥 ﬁn ＲＥＳＴＡＲＴ",
        "",
    ] {
        let n = Normalized::new(text);
        let bytes = n.as_bytes();
        assert_eq!(
            n.any_markup(),
            bytes.iter().any(|&b| QUOTING_BYTES[usize::from(b)]),
            "{text:?}"
        );
        assert_eq!(
            n.any_acute(),
            (0..bytes.len()).any(|i| n.had_acute(i)),
            "{text:?}"
        );
        assert_eq!(
            n.elongated_within(0, bytes.len()),
            (0..bytes.len()).any(|i| n.elongated(i)),
            "{text:?}"
        );
    }
}

/// The marks noted while folding are those a scan of the folded text finds.
#[test]
fn marks_agree_with_the_text() {
    let scan = |bytes: &[u8]| {
        let mut marks = 0u8;
        for (i, &b) in bytes.iter().enumerate() {
            let next = bytes.get(i + 1).copied();
            marks |= match b {
                b'`' => 1,
                b'|' if next == Some(b'|') => 1 << 1,
                b'"' => 1 << 2,
                b'*' | b'_' => 1 << 3,
                b'>' if i == 0 || bytes[i - 1] == b'\n' => 1 << 4,
                b'\n' => 1 << 5,
                b'~' => 1 << 6,
                _ => 0,
            };
        }
        marks
    };
    for text in [
        "> quote\n> more",
        "a > b",
        "a \n> b",
        "a \u{2028}> b",
        ">",
        "x\n",
        "x \n ",
        "x\n\ny",
        "||spoiler|| | |",
        "a|b||",
        "`code` \"q\" «q» *e* _u_ ~~s~~",
        "« relance »",
        "🔥>x",
        "",
        "plain words only",
    ] {
        let n = Normalized::new(text);
        assert_eq!(n.marks(), scan(n.as_bytes()), "{text:?}");
    }
    let long = "|".repeat(3000);
    let n = Normalized::new(&long);
    assert_eq!(n.marks(), scan(n.as_bytes()));
}

#[test]
fn compacts_bot_names() {
    let mut buf = [0u8; 64];
    let n = compact_name("Cube Guardian ✨", &mut buf);
    assert_eq!(&buf[..n], b"cubeguardian");
}
