//! Company-scoped full-text search without a search service: an inverted index of
//! normalised terms kept in the table. The table's stream feeds every write of a
//! searchable item to the `search-indexer`, which turns the item's old and new
//! images into index entries to delete and put ([`changes`]); `GET /api/search`
//! reads the entries of each query word's prefix ([`candidates`]) and checks what
//! it found against the items themselves. The design and its limits: `docs/search.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::db::{Entity, Key, Keys, keys};

/// What a client may search for, by the `type` it names.
pub const TYPES: &[&str] = &["course", "lesson", "prompt", "user", "event", "inventory"];

/// Terms kept per item: enough for a title and the start of a body.
const MAX_TERMS: usize = 40;
/// Characters of body text read for terms.
const BODY_CHARS: usize = 1000;
/// Characters of the snippet shown with a result.
const SNIPPET_CHARS: usize = 160;

/// Longer runs are no words anyone searches for (hashes, encoded blobs), and a
/// term is part of a sort key, which DynamoDB limits to 1 KB.
const MAX_WORD_CHARS: usize = 64;

/// Words too common to find anything by.
const STOPWORDS: &[&str] = &[
    "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
    "the", "to", "with",
];

/// The searchable words of a text: lower-case runs of letters and digits, of 2 to 64
/// characters, stop words left out.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| {
            let n = w.chars().count();
            (2..=MAX_WORD_CHARS).contains(&n) && !STOPWORDS.contains(&w.as_str())
        })
        .collect()
}

/// The fields of any searchable item's image that search reads (the stream hands
/// over whole items; only these are looked at).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub company_id: String,
    pub id: String,
    pub title: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub content: Option<String>,
    pub tags: Vec<String>,
    pub email: Option<String>,
    pub sku: Option<String>,
    pub category: Option<String>,
    pub location: Option<String>,
}

/// One searchable item as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub kind: &'static str,
    pub company_id: String,
    pub id: String,
    pub title: String,
    pub snippet: String,
    pub source: Key,
    /// Each term with its weight: 2 from the title, 1 from the rest.
    pub terms: BTreeMap<String, u8>,
}

fn clip(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// The document an item's image stands for, if it is a searchable entity.
pub fn doc_of(img: &Image) -> Option<Doc> {
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let (kind, title, body) = match img.entity.as_str() {
        "course" => (
            "course",
            text(&img.title),
            format!("{} {}", text(&img.description), img.tags.join(" ")),
        ),
        "lesson" => ("lesson", text(&img.title), text(&img.content)),
        "prompt" => (
            "prompt",
            text(&img.title),
            format!("{} {}", img.tags.join(" "), text(&img.content)),
        ),
        "user" => ("user", text(&img.name), text(&img.email)),
        "event" => (
            "event",
            text(&img.title),
            format!("{} {}", text(&img.description), text(&img.location)),
        ),
        "inventory_item" => (
            "inventory",
            text(&img.name),
            format!("{} {}", text(&img.sku), text(&img.category)),
        ),
        _ => return None,
    };
    if img.company_id.is_empty() || img.id.is_empty() {
        return None;
    }
    let body = clip(&body, BODY_CHARS);
    let mut terms: BTreeMap<String, u8> = BTreeMap::new();
    for w in words(&title) {
        terms.insert(w, 2);
    }
    for w in words(&body) {
        terms.entry(w).or_insert(1);
    }
    // Title terms first when there are too many.
    if terms.len() > MAX_TERMS {
        let mut ranked: Vec<(String, u8)> = terms.into_iter().collect();
        ranked.sort_by_key(|t| std::cmp::Reverse(t.1));
        ranked.truncate(MAX_TERMS);
        terms = ranked.into_iter().collect();
    }
    Some(Doc {
        kind,
        company_id: img.company_id.clone(),
        id: img.id.clone(),
        snippet: clip(body.trim(), SNIPPET_CHARS),
        title,
        source: Key {
            pk: img.pk.clone(),
            sk: img.sk.clone(),
        },
        terms,
    })
}

/// One term of one item: the index entry a query word's prefix finds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Posting {
    pub company_id: String,
    pub term: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub title: String,
    pub snippet: String,
    pub weight: u8,
    pub source_pk: String,
    pub source_sk: String,
}

impl Entity for Posting {
    const NAME: &'static str = "search_posting";

    fn keys(&self) -> Keys {
        Keys::new(
            keys::search_posting(&self.company_id, &self.term, &self.kind, &self.id),
            Self::NAME,
        )
    }
}

fn postings(doc: &Doc) -> Vec<Posting> {
    doc.terms
        .iter()
        .map(|(term, weight)| Posting {
            company_id: doc.company_id.clone(),
            term: term.clone(),
            kind: doc.kind.to_string(),
            id: doc.id.clone(),
            title: doc.title.clone(),
            snippet: doc.snippet.clone(),
            weight: *weight,
            source_pk: doc.source.pk.clone(),
            source_sk: doc.source.sk.clone(),
        })
        .collect()
}

/// What one change of an item does to the index: entries to delete (terms it no
/// longer has) and entries to put (all of its terms, when anything shown changed).
#[derive(Debug, Default)]
pub struct Changes {
    pub delete: Vec<Key>,
    pub put: Vec<Posting>,
}

pub fn changes(old: Option<&Doc>, new: Option<&Doc>) -> Changes {
    if old == new {
        return Changes::default();
    }
    let kept: BTreeSet<&String> = new.map(|d| d.terms.keys().collect()).unwrap_or_default();
    let delete = old
        .map(|d| {
            d.terms
                .keys()
                .filter(|t| !kept.contains(t))
                .map(|t| keys::search_posting(&d.company_id, t, d.kind, &d.id))
                .collect()
        })
        .unwrap_or_default();
    Changes {
        delete,
        put: new.map(postings).unwrap_or_default(),
    }
}

/// A result before the caller's rights are checked: an item all query words found,
/// with its score.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub kind: String,
    pub id: String,
    pub title: String,
    pub snippet: String,
    pub source: Key,
    pub score: u32,
}

/// Scores per item across the query words: a word that is a whole term counts 3, a
/// prefix of one 1, each doubled from a title; an item must match every word.
pub fn rank(words: &[String], found: &[Vec<Posting>]) -> Vec<Candidate> {
    let mut best: BTreeMap<(String, String), (Candidate, BTreeSet<usize>)> = BTreeMap::new();
    for (i, (word, postings)) in words.iter().zip(found).enumerate() {
        // An item's best term for this word.
        let mut per_item: BTreeMap<(String, String), (u32, &Posting)> = BTreeMap::new();
        for p in postings {
            let base = if p.term == *word { 3 } else { 1 };
            let score = base * u32::from(p.weight);
            let e = per_item
                .entry((p.kind.clone(), p.id.clone()))
                .or_insert((0, p));
            if score > e.0 {
                *e = (score, p);
            }
        }
        for (key, (score, p)) in per_item {
            let e = best.entry(key).or_insert_with(|| {
                (
                    Candidate {
                        kind: p.kind.clone(),
                        id: p.id.clone(),
                        title: p.title.clone(),
                        snippet: p.snippet.clone(),
                        source: Key {
                            pk: p.source_pk.clone(),
                            sk: p.source_sk.clone(),
                        },
                        score: 0,
                    },
                    BTreeSet::new(),
                )
            });
            e.0.score += score;
            e.1.insert(i);
        }
    }
    let mut all: Vec<Candidate> = best
        .into_values()
        .filter(|(_, matched)| matched.len() == words.len())
        .map(|(c, _)| c)
        .collect();
    all.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
    });
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(title: &str, description: &str) -> Doc {
        doc_of(&Image {
            pk: "C#c1#COURSE#k1".into(),
            sk: "COURSE".into(),
            entity: "course".into(),
            company_id: "c1".into(),
            id: "k1".into(),
            title: Some(title.into()),
            description: Some(description.into()),
            ..Image::default()
        })
        .unwrap()
    }

    #[test]
    fn words_are_lower_case_and_without_stop_words() {
        assert_eq!(
            words("The Basics of Fire-Safety, part 2!"),
            ["basics", "fire", "safety", "part"]
        );
        assert_eq!(words("Über Straße"), ["über", "straße"]);
        assert_eq!(
            words(&format!("key {}", "a".repeat(65))),
            ["key"],
            "no blobs"
        );
    }

    #[test]
    fn only_changed_terms_are_deleted() {
        let old = course("Fire safety", "Basics");
        let new = course("Fire drills", "Basics");
        let c = changes(Some(&old), Some(&new));
        assert_eq!(c.delete.len(), 1, "safety is gone");
        assert!(c.delete[0].sk.starts_with("safety#course#"));
        assert_eq!(c.put.len(), 3);
        assert!(changes(Some(&new), Some(&new)).put.is_empty(), "no change");
        assert_eq!(changes(Some(&new), None).delete.len(), 3);
    }

    #[test]
    fn every_word_must_match_and_whole_title_words_rank_first() {
        let a = postings(&course("Fire safety basics", ""));
        let b = postings(&course("Safe fires", "basics"));
        let mut b2 = b.clone();
        for p in &mut b2 {
            p.id = "k2".into();
        }
        let find = |w: &str| -> Vec<Posting> {
            a.iter()
                .chain(&b2)
                .filter(|p| p.term.starts_with(w))
                .cloned()
                .collect()
        };
        let q = words("fire saf");
        let found: Vec<Vec<Posting>> = q.iter().map(|w| find(w)).collect();
        let ranked = rank(&q, &found);
        assert_eq!(ranked.len(), 2);
        assert_eq!(ranked[0].id, "k1", "'fire' is a whole word of its title");
        let q = words("fire drills");
        let found: Vec<Vec<Posting>> = q.iter().map(|w| find(w)).collect();
        assert!(rank(&q, &found).is_empty(), "no item has both");
    }
}
