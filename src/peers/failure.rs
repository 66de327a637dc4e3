//! Walking an error's chain of causes, for the peers that sort a failure
//! (refused, timed out, untrusted certificate…) by what lies deep inside it.
//!
//! reqwest and lettre wrap the real cause several levels down: a rustls
//! error inside an `io::Error` inside a hyper error. A plain `source()` loop
//! misses exactly that one, because `io::Error::source()` returns its inner
//! error's *source*, skipping the inner error itself — where rustls puts
//! its errors. [`chain`] steps into an `io::Error` explicitly; the Proxmox
//! client and the SMTP sender both walk chains through it.

use std::error::Error as StdError;

/// One link of a chain.
pub type Link<'a> = &'a (dyn StdError + 'static);

/// How many links are followed: real chains are under ten deep, and a
/// hand-written `source()` that cycles must not loop for ever.
const MAX_DEPTH: usize = 32;

/// The causes of an error, outermost first, the error itself included; an
/// `io::Error`'s inner error is a link of its own.
pub fn chain(err: Link<'_>) -> Vec<Link<'_>> {
    let mut out = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        if out.len() > MAX_DEPTH {
            break;
        }
        out.push(e);
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as Link<'_>),
            None => e.source(),
        };
    }
    out
}

/// The outermost link of type `T`.
pub fn find<'a, T: StdError + 'static>(chain: &[Link<'a>]) -> Option<&'a T> {
    chain.iter().find_map(|e| e.downcast_ref::<T>())
}

/// The innermost message, which is the specific one ("Connection refused").
pub fn root_cause(chain: &[Link<'_>]) -> String {
    chain
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// An error and its causes, `: `-separated, each message once: for errors
/// whose own message is too terse ("tls error") to act on.
pub fn text(err: Link<'_>) -> String {
    let links = chain(err);
    let mut text = err.to_string();
    for e in links.iter().skip(1) {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// An error with a source, like hyper's around an `io::Error`.
    #[derive(Debug, thiserror::Error)]
    #[error("http exchange failed")]
    struct Outer(#[source] io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("certificate refused")]
    struct Inner(#[source] Deepest);

    #[derive(Debug, thiserror::Error)]
    #[error("unknown issuer")]
    struct Deepest;

    #[test]
    fn the_inner_error_of_an_io_error_is_a_link_of_its_own() {
        let err = Outer(io::Error::new(io::ErrorKind::InvalidData, Inner(Deepest)));
        // What a plain `source()` walk sees: `Inner` is skipped.
        let io = err.source().unwrap();
        assert!(io.source().unwrap().downcast_ref::<Deepest>().is_some());
        let links = chain(&err);
        assert_eq!(links.len(), 4, "{links:?}");
        assert!(find::<Inner>(&links).is_some());
        assert!(find::<io::Error>(&links).is_some());
        assert_eq!(root_cause(&links), "unknown issuer");
    }

    #[test]
    fn text_names_each_cause_once() {
        let err = Outer(io::Error::new(io::ErrorKind::InvalidData, Inner(Deepest)));
        assert_eq!(
            text(&err),
            "http exchange failed: certificate refused: unknown issuer"
        );
        let plain = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(text(&plain), plain.to_string());
    }

    #[test]
    fn a_cycle_ends_the_walk() {
        #[derive(Debug)]
        struct Cycle;
        impl std::fmt::Display for Cycle {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("cycle")
            }
        }
        impl StdError for Cycle {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&Cycle)
            }
        }
        assert_eq!(chain(&Cycle).len(), MAX_DEPTH + 1);
    }
}
