//! Masking for `keymint run` (SPEC §6): a stream filter that replaces every occurrence of any
//! of a set of secrets with [`CONCEALED`], even when an occurrence arrives split across reads.
//! It holds back only the bytes at the end of what it has seen that could still be the start
//! of a secret, so ordinary output (a prompt without a newline) is passed on at once.

use aho_corasick::{AhoCorasick, MatchKind};
use zeroize::Zeroizing;

/// What a secret is replaced with.
pub const CONCEALED: &[u8] = b"<concealed by keymint>";

/// Secrets shorter than this are not masked: they would blank out ordinary text.
pub const MIN_MASKED_LEN: usize = 4;

/// One output stream's filter.
pub struct Masker {
    matcher: Option<AhoCorasick>,
    secrets: Vec<Zeroizing<Vec<u8>>>,
    held: Zeroizing<Vec<u8>>,
}

impl Masker {
    /// A filter for `secrets` (each at least [`MIN_MASKED_LEN`] bytes; shorter ones are left
    /// out, and so are duplicates).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut kept: Vec<Zeroizing<Vec<u8>>> = Vec::new();
        for s in secrets {
            if s.len() >= MIN_MASKED_LEN && !kept.iter().any(|k| k.as_slice() == s) {
                kept.push(Zeroizing::new(s.to_vec()));
            }
        }
        let matcher = if kept.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(kept.iter().map(|k| k.as_slice()))
                .ok()
        };
        Self {
            matcher,
            secrets: kept,
            held: Zeroizing::new(Vec::new()),
        }
    }

    /// Feeds `input`; appends to `out` what can be written now.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let Some(matcher) = &self.matcher else {
            out.extend_from_slice(input);
            return;
        };
        self.held.extend_from_slice(input);
        let buf = std::mem::take(&mut *self.held);
        let buf = Zeroizing::new(buf);
        let mut last = 0;
        for m in matcher.find_iter(buf.as_slice()) {
            out.extend_from_slice(&buf[last..m.start()]);
            out.extend_from_slice(CONCEALED);
            last = m.end();
        }
        let keep_from = self.pending_start(&buf[last..]) + last;
        out.extend_from_slice(&buf[last..keep_from]);
        self.held.extend_from_slice(&buf[keep_from..]);
    }

    /// Flushes what is held at the end of the stream (it was not a secret after all).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.held);
        self.held.clear();
    }

    /// The earliest index `i` in `tail` such that `tail[i..]` is a proper prefix of some
    /// secret (`tail.len()` when there is none): what must wait for the next read.
    fn pending_start(&self, tail: &[u8]) -> usize {
        let longest = self.secrets.iter().map(|s| s.len()).max().unwrap_or(0);
        let from = tail.len().saturating_sub(longest.saturating_sub(1));
        (from..tail.len())
            .find(|&i| {
                let rest = &tail[i..];
                self.secrets
                    .iter()
                    .any(|s| s.len() > rest.len() && s.starts_with(rest))
            })
            .unwrap_or(tail.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&str], chunks: &[&[u8]]) -> String {
        let mut m = Masker::new(secrets.iter().map(|s| s.as_bytes()));
        let mut out = Vec::new();
        for c in chunks {
            m.push(c, &mut out);
        }
        m.finish(&mut out);
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn masks_whole_and_split_occurrences() {
        let s = "sk-live-0123456789";
        assert_eq!(
            run(&[s], &[b"key=sk-live-0123456789\n"]),
            "key=<concealed by keymint>\n"
        );
        // Byte by byte.
        let text = format!("a {s} b {s}");
        let bytes: Vec<&[u8]> = text.as_bytes().chunks(1).collect();
        assert_eq!(
            run(&[s], &bytes),
            "a <concealed by keymint> b <concealed by keymint>"
        );
        // Every split point.
        for i in 0..text.len() {
            let (a, b) = text.as_bytes().split_at(i);
            assert_eq!(
                run(&[s], &[a, b]),
                "a <concealed by keymint> b <concealed by keymint>",
                "split at {i}"
            );
        }
    }

    #[test]
    fn passes_ordinary_output_at_once_and_holds_only_a_possible_start() {
        let mut m = Masker::new([b"secret-value".as_slice()]);
        let mut out = Vec::new();
        m.push(b"Password: ", &mut out);
        assert_eq!(
            out, b"Password: ",
            "nothing that could start a secret is held"
        );
        out.clear();
        m.push(b"xx secr", &mut out);
        assert_eq!(out, b"xx ", "`secr` could be the start of the secret");
        out.clear();
        m.push(b"ets", &mut out);
        assert_eq!(
            out, b"secret",
            "it was not; the last `s` could start it again"
        );
        out.clear();
        m.finish(&mut out);
        assert_eq!(out, b"s");
    }

    #[test]
    fn overlapping_secrets_and_short_ones() {
        assert_eq!(
            run(&["abcdef", "abcdefgh", "ab"], &[b"abcdefgh abcdef ab"]),
            "<concealed by keymint> <concealed by keymint> ab"
        );
        assert_eq!(run(&[], &[b"plain"]), "plain");
    }
}
