//! Measurement 3 in the core: the inventory query the list makes for its first page
//! (`list_keys` with a search, newest first, 100 rows), timed in this process on seeded
//! inventories, next to the bare SQLite lookup of the same matches.

use std::path::Path;
use std::time::Instant;

use keymint_core::store::{KeyQuery, Store};

use super::stats::Samples;

/// One typing scenario: the field holds `prefix`, the user types `key`.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Short name.
    pub name: &'static str,
    /// What the field holds before the keystroke.
    pub prefix: &'static str,
    /// The character typed.
    pub key: &'static str,
    /// How the scenario reads in the table.
    pub what: &'static str,
}

impl Scenario {
    /// The search after the keystroke.
    pub fn term(&self) -> String {
        format!("{}{}", self.prefix, self.key)
    }
}

/// The scenarios, from a first short term (a LIKE scan in the core) to a unique key.
pub const SCENARIOS: [Scenario; 4] = [
    Scenario {
        name: "short",
        prefix: "s",
        key: "t",
        what: "2 characters (`st`, LIKE scan)",
    },
    Scenario {
        name: "first-trigram",
        prefix: "de",
        key: "p",
        what: "first trigram (`dep`)",
    },
    Scenario {
        name: "medium",
        prefix: "deploy-",
        key: "s",
        what: "`deploy-s` (~1 in 80 keys)",
    },
    Scenario {
        name: "narrow",
        prefix: "04231",
        key: "7",
        what: "`042317` (one key)",
    },
];

/// The page-0 query of the list for `term`.
pub fn query(term: &str) -> KeyQuery {
    KeyQuery {
        search: Some(term.to_owned()),
        limit: 100,
        ..KeyQuery::default()
    }
}

/// (total, first key id) of the list for `term`.
pub fn expected(store: &Store, term: &str) -> (i64, String) {
    let (total, rows) = store.list_keys(&query(term)).expect("query");
    (
        total,
        rows.first().map(|k| k.id.clone()).unwrap_or_default(),
    )
}

/// How the list reports the matches of `term`: the count, with `+` when it is a lower bound
/// (a search counts only a little past the page it returns).
pub fn reported(store: &Store, term: &str) -> String {
    let page = store.key_page(&query(term)).expect("query");
    format!(
        "{}{}",
        page.total,
        if page.total_is_lower_bound { "+" } else { "" }
    )
}

/// Times the core query for `term`: `reps` runs after 3 warm-ups, in ms; and the bare SQLite
/// count of the same matches (FTS5 trigram for 3+ characters, LIKE otherwise) as reference.
pub fn time_term(store: &Store, db: &Path, term: &str, reps: usize) -> (Samples, Samples) {
    let q = query(term);
    let mut core = Samples::default();
    for i in 0..reps + 3 {
        let t = Instant::now();
        let r = store.list_keys(&q).expect("query");
        let el = t.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(r);
        if i >= 3 {
            core.push(el);
        }
    }
    let conn = rusqlite::Connection::open(db).expect("open the inventory");
    let (sql, arg) = if term.chars().count() >= 3 {
        (
            "SELECT count(*) FROM key_search WHERE key_search MATCH ?1",
            format!("\"{}\"", term.replace('"', "\"\"")),
        )
    } else {
        (
            "SELECT count(*) FROM keys WHERE label LIKE ?1",
            format!("%{term}%"),
        )
    };
    let mut stmt = conn.prepare(sql).expect("prepare");
    let mut bare = Samples::default();
    for i in 0..reps + 3 {
        let t = Instant::now();
        let n: i64 = stmt.query_row([&arg], |r| r.get(0)).expect("count");
        let el = t.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(n);
        if i >= 3 {
            bare.push(el);
        }
    }
    (core, bare)
}
