//! What a build changes (pure): the notes of a freshly parsed deck against the notes the
//! database holds for it. Notes are matched by id; a new note is linked to an id-less note that
//! vanished from the same file when their prompts are similar, so it keeps that history;
//! vanished notes are retired, never deleted, and come back with their history.

use std::collections::HashMap;

use crate::deck::load::DeckNote;
use crate::types::{NoteId, normalise_prompt};

/// How alike two prompts must be (normalised Levenshtein, 0–1) to link an edited note.
pub const LINK_THRESHOLD: f64 = 0.6;

/// Longest prompt compared character by character; longer ones are cut.
const MAX_COMPARED_CHARS: usize = 2000;

/// A note as the database holds it.
#[derive(Debug, Clone)]
pub struct StoredNote {
    pub pk: i64,
    pub id: NoteId,
    pub path: String,
    pub prompt: String,
    pub content_hash: String,
    pub line: usize,
    pub position: usize,
    pub retired: bool,
}

/// An existing note that the build rewrites.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub pk: i64,
    /// Index of the new version in the deck's notes.
    pub index: usize,
    pub content_changed: bool,
    /// The note had been retired and is back.
    pub returned: bool,
}

/// An edited id-less note linked to the note it replaces.
#[derive(Debug, Clone, PartialEq)]
pub struct CarryOver {
    pub pk: i64,
    pub index: usize,
    pub from: NoteId,
    pub similarity: f64,
}

/// Everything a build writes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Plan {
    /// Indices of notes new to the database.
    pub inserts: Vec<usize>,
    pub updates: Vec<Update>,
    pub carried: Vec<CarryOver>,
    /// Stored notes to retire.
    pub retire: Vec<i64>,
}

impl Plan {
    /// Notes whose content changed (returned and carried-over notes are counted apart).
    pub fn changed(&self) -> usize {
        self.updates
            .iter()
            .filter(|u| u.content_changed && !u.returned)
            .count()
    }

    /// Retired notes that came back.
    pub fn returned(&self) -> usize {
        self.updates.iter().filter(|u| u.returned).count()
    }

    /// Whether the build writes nothing to notes.
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty()
            && self.updates.is_empty()
            && self.carried.is_empty()
            && self.retire.is_empty()
    }
}

/// Compares the parsed notes (in deck order) with the stored ones.
pub fn plan(notes: &[DeckNote], stored: &[StoredNote]) -> Plan {
    let by_id: HashMap<&str, &StoredNote> = stored.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut plan = Plan::default();
    let mut seen = std::collections::HashSet::with_capacity(notes.len());
    let mut unmatched = Vec::new();
    for (index, n) in notes.iter().enumerate() {
        match by_id.get(n.note.id.as_str()) {
            Some(s) => {
                seen.insert(s.pk);
                let content_changed = s.content_hash != n.note.content_hash();
                let moved = s.path != n.path || s.line != n.note.line || s.position != index;
                if content_changed || moved || s.retired {
                    plan.updates.push(Update {
                        pk: s.pk,
                        index,
                        content_changed,
                        returned: s.retired,
                    });
                }
            }
            None => unmatched.push(index),
        }
    }

    // Candidates for linking: live id-less notes that vanished, by file.
    let mut vanished: HashMap<&str, Vec<&StoredNote>> = HashMap::new();
    for s in stored
        .iter()
        .filter(|s| !s.retired && !seen.contains(&s.pk))
    {
        if s.id.is_derived() {
            vanished.entry(s.path.as_str()).or_default().push(s);
        } else {
            plan.retire.push(s.pk);
        }
    }
    let mut pairs = Vec::new();
    for &index in &unmatched {
        let n = &notes[index];
        let Some(candidates) = vanished.get(n.path.as_str()) else {
            continue;
        };
        let derived = NoteId::from_prompt(&n.note.prompt);
        let new_prompt = comparable(&n.note.prompt);
        for s in candidates {
            let score = if s.id == derived {
                1.0
            } else if n.note.explicit_id {
                // An author-given id links only to the id-less note it names exactly.
                continue;
            } else {
                strsim::normalized_levenshtein(&new_prompt, &comparable(&s.prompt))
            };
            if score >= LINK_THRESHOLD {
                pairs.push((score, index, *s));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut linked_new = std::collections::HashSet::new();
    let mut linked_old = std::collections::HashSet::new();
    for (score, index, s) in pairs {
        if linked_new.contains(&index) || linked_old.contains(&s.pk) {
            continue;
        }
        linked_new.insert(index);
        linked_old.insert(s.pk);
        plan.carried.push(CarryOver {
            pk: s.pk,
            index,
            from: s.id.clone(),
            similarity: score,
        });
    }
    plan.carried.sort_by_key(|c| c.index);
    for list in vanished.values() {
        plan.retire.extend(
            list.iter()
                .filter(|s| !linked_old.contains(&s.pk))
                .map(|s| s.pk),
        );
    }
    plan.retire.sort_unstable();
    plan.inserts = unmatched
        .into_iter()
        .filter(|i| !linked_new.contains(i))
        .collect();
    plan
}

fn comparable(prompt: &str) -> String {
    normalise_prompt(prompt)
        .chars()
        .take(MAX_COMPARED_CHARS)
        .collect()
}

/// How a deck's notes differ from those its last build recorded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    /// Notes whose id the last build did not have (or had retired).
    pub added: usize,
    /// Notes whose content (anything a reviewer sees) differs.
    pub changed: usize,
    /// Notes the last build had that are gone.
    pub removed: usize,
}

impl Changes {
    /// Notes added, changed or removed.
    pub fn total(&self) -> usize {
        self.added + self.changed + self.removed
    }
}

/// Compares a deck's notes with the notes of its last build as a build would: a note whose
/// history a build carries over (an id-less note given its id by `ids --write`, or edited) is
/// the same note, changed only if its content is.
pub fn changes_since(notes: &[DeckNote], stored: &[StoredNote]) -> Changes {
    let plan = plan(notes, stored);
    let hash_of: HashMap<i64, &str> = stored
        .iter()
        .map(|s| (s.pk, s.content_hash.as_str()))
        .collect();
    let carried_changed = plan
        .carried
        .iter()
        .filter(|c| {
            hash_of.get(&c.pk).copied() != Some(notes[c.index].note.content_hash().as_str())
        })
        .count();
    Changes {
        added: plan.inserts.len() + plan.returned(),
        changed: plan.changed() + carried_changed,
        removed: plan.retire.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::parse::parse_file;

    fn notes(path: &str, text: &str) -> Vec<DeckNote> {
        parse_file(path, text)
            .notes
            .into_iter()
            .map(|note| DeckNote {
                path: path.to_owned(),
                note,
            })
            .collect()
    }

    fn stored(notes: &[DeckNote]) -> Vec<StoredNote> {
        notes
            .iter()
            .enumerate()
            .map(|(i, n)| StoredNote {
                pk: i as i64 + 1,
                id: n.note.id.clone(),
                path: n.path.clone(),
                prompt: n.note.prompt.clone(),
                content_hash: n.note.content_hash(),
                line: n.note.line,
                position: i,
                retired: false,
            })
            .collect()
    }

    const DECK: &str = "## Alpha question about pipelines {#alpha}\n\nA.\n\n## What is a stage in a pipeline?\n\nB.\n\n## Gamma?\n\nC.\n";

    #[test]
    fn nothing_changed_plans_nothing() {
        let n = notes("a.md", DECK);
        assert!(plan(&n, &stored(&n)).is_empty());
    }

    #[test]
    fn explicit_id_keeps_history_whatever_the_text() {
        let old = notes("a.md", DECK);
        let new = notes(
            "a.md",
            &DECK.replace("Alpha question about pipelines", "Something else entirely"),
        );
        let p = plan(&new, &stored(&old));
        assert_eq!(
            p.updates,
            [Update {
                pk: 1,
                index: 0,
                content_changed: true,
                returned: false
            }]
        );
        assert!(p.inserts.is_empty() && p.retire.is_empty() && p.carried.is_empty());
    }

    #[test]
    fn edited_id_less_note_is_linked_to_the_one_that_vanished() {
        let old = notes("a.md", DECK);
        let new = notes(
            "a.md",
            &DECK.replace(
                "What is a stage in a pipeline?",
                "What is a stage in a YAML pipeline?",
            ),
        );
        let p = plan(&new, &stored(&old));
        assert_eq!(p.carried.len(), 1);
        assert_eq!(p.carried[0].pk, 2);
        assert_eq!(p.carried[0].from, old[1].note.id);
        assert!(p.carried[0].similarity > 0.8);
        assert!(p.inserts.is_empty() && p.retire.is_empty());
    }

    #[test]
    fn dissimilar_or_other_file_notes_are_not_linked() {
        let old = notes("a.md", DECK);
        let new = notes(
            "a.md",
            &DECK.replace("What is a stage in a pipeline?", "Name three KQL operators"),
        );
        let p = plan(&new, &stored(&old));
        assert!(p.carried.is_empty());
        assert_eq!(p.inserts, [1]);
        assert_eq!(p.retire, [2]);
        let moved = notes(
            "b.md",
            &DECK.replace(
                "What is a stage in a pipeline?",
                "What is a stage in a YAML pipeline?",
            ),
        );
        let p = plan(&moved, &stored(&old));
        assert!(p.carried.is_empty());
    }

    #[test]
    fn removed_notes_retire_and_return() {
        let old = notes("a.md", DECK);
        let fewer = notes("a.md", "## Alpha question about pipelines {#alpha}\n\nA.\n");
        let p = plan(&fewer, &stored(&old));
        assert_eq!(p.retire, [2, 3]);
        let mut db = stored(&old);
        db[1].retired = true;
        db[2].retired = true;
        let p = plan(&old, &db);
        assert_eq!(p.returned(), 2);
        assert!(p.retire.is_empty() && p.inserts.is_empty());
    }

    #[test]
    fn writing_ids_links_to_the_hash_id() {
        let old = notes("a.md", DECK);
        let new = notes(
            "a.md",
            &DECK.replace("in a pipeline?", "in a pipeline? {#stage}"),
        );
        let p = plan(&new, &stored(&old));
        assert_eq!(p.carried.len(), 1);
        assert_eq!(p.carried[0].similarity, 1.0);
    }

    #[test]
    fn changes_since_counts_added_changed_and_removed_notes() {
        let old = notes("a.md", DECK);
        assert_eq!(changes_since(&old, &stored(&old)), Changes::default());
        let edited = notes("a.md", &DECK.replace("A.\n", "A, edited.\n"));
        let c = changes_since(&edited, &stored(&old));
        assert_eq!((c.added, c.changed, c.removed), (0, 1, 0), "{c:?}");
        let fewer = notes("a.md", "## Alpha question about pipelines {#alpha}\n\nA.\n");
        assert_eq!(
            changes_since(&fewer, &stored(&old)),
            Changes {
                added: 0,
                changed: 0,
                removed: 2
            }
        );
        let mut db = stored(&old);
        db[1].retired = true;
        let c = changes_since(&old, &db);
        assert_eq!((c.added, c.removed, c.total()), (1, 0, 1));
        // An id-less note given its id (history carried over) is the same note.
        let with_id = notes(
            "a.md",
            &DECK.replace("in a pipeline?", "in a pipeline? {#stage}"),
        );
        assert_eq!(changes_since(&with_id, &stored(&old)), Changes::default());
        // Moving a note is no change either.
        let moved = notes("a.md", &format!("\n\n{DECK}"));
        assert_eq!(changes_since(&moved, &stored(&old)), Changes::default());
    }
}
