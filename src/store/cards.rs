//! Cards as the scheduler and the review session see them: loading the study set of some
//! decks (cards with their domain and outline order), one card's view for display, and saving
//! a card's state.

use std::collections::HashMap;

use chrono::FixedOffset;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::{Error, Result};
use crate::sched::card::{CardState, Phase};
use crate::sched::fsrs::Memory;
use crate::sched::queue::{DomainInput, QueueCard};
use crate::store::notes::ChoiceRecord;
use crate::types::{Day, DeckId, NoteId, NoteKind, day_of};

/// A deck being studied.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDeck {
    pub pk: i64,
    pub id: DeckId,
    pub name: String,
    pub exam_date: Option<Day>,
    pub desired_retention: Option<f32>,
}

/// A domain being studied (a deck without an outline is one domain).
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDomain {
    pub deck: usize,
    pub id: String,
    pub title: String,
    /// Midpoint of the weight range, in percent of its deck.
    pub weight: f64,
    pub notes: usize,
}

/// Every live card of some decks, ready for the queue.
#[derive(Debug, Clone, Default)]
pub struct StudySet {
    pub decks: Vec<StudyDeck>,
    pub domains: Vec<StudyDomain>,
    pub cards: Vec<QueueCard>,
    /// The deck (index) of each card, parallel to `cards`.
    pub card_decks: Vec<usize>,
}

impl StudySet {
    /// Domain inputs for the queue. Decks share the day, so each deck's weights are divided
    /// by the number of decks.
    pub fn domain_inputs(&self) -> Vec<DomainInput> {
        let decks = self.decks.len().max(1) as f64;
        self.domains
            .iter()
            .map(|d| DomainInput {
                weight: d.weight / decks,
                notes: d.notes,
            })
            .collect()
    }
}

/// Reads a card's state columns, starting at column `at`:
/// state, stability, difficulty, due, step_due, last_review, reps, lapses.
pub fn state_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<CardState> {
    let phase = row
        .get_ref(at)?
        .as_str()
        .map_or(Phase::New, |p| Phase::parse(p).unwrap_or(Phase::New));
    let stability: Option<f32> = row.get(at + 1)?;
    let difficulty: Option<f32> = row.get(at + 2)?;
    Ok(CardState {
        phase,
        memory: stability
            .zip(difficulty)
            .map(|(stability, difficulty)| Memory {
                stability,
                difficulty,
            }),
        due: row.get(at + 3)?,
        step_due: row.get(at + 4)?,
        last_review: row.get(at + 5)?,
        reps: row.get(at + 6)?,
        lapses: row.get(at + 7)?,
    })
}

pub const STATE_COLUMNS: &str =
    "c.state, c.stability, c.difficulty, c.due, c.step_due, c.last_review, c.reps, c.lapses";

/// Loads the decks named (all decks when empty), their domains and their live cards.
pub fn study_set(
    conn: &Connection,
    decks: &[DeckId],
    today: Day,
    offset: FixedOffset,
    rollover_hour: u32,
) -> Result<StudySet> {
    let mut set = StudySet::default();
    let mut stmt = conn.prepare_cached(
        "SELECT id, slug, name, exam_date, desired_retention FROM decks WHERE removed_at IS NULL ORDER BY slug",
    )?;
    let all = stmt.query_map([], |r| {
        let exam: Option<String> = r.get(3)?;
        Ok(StudyDeck {
            pk: r.get(0)?,
            id: r.get(1)?,
            name: r.get(2)?,
            exam_date: exam
                .and_then(|e| chrono::NaiveDate::parse_from_str(&e, "%Y-%m-%d").ok())
                .map(Day::from_date),
            desired_retention: r.get(4)?,
        })
    })?;
    for deck in all {
        let deck = deck?;
        if decks.is_empty() || decks.contains(&deck.id) {
            set.decks.push(deck);
        }
    }
    for wanted in decks {
        if !set.decks.iter().any(|d| &d.id == wanted) {
            return Err(Error::user(format!(
                "deck `{wanted}` is not in the database; build it first with `skilldeck build DECK_DIR`"
            )));
        }
    }

    let mut domain_stmt = conn.prepare_cached(
        "SELECT id, title, weight_min, weight_max FROM domains WHERE deck = ?1 ORDER BY position",
    )?;
    let mut skill_stmt = conn.prepare_cached(
        "SELECT s.id, o.domain, o.position, s.position FROM skills s JOIN objectives o ON o.deck = s.deck AND o.id = s.objective WHERE s.deck = ?1",
    )?;
    let mut card_stmt = conn.prepare_cached(&format!(
        "SELECT c.id, c.note, n.skill, n.position, c.ord, c.suspended, c.buried_until, c.review_ms, {STATE_COLUMNS}
         FROM cards c JOIN notes n ON n.id = c.note
         WHERE n.deck = ?1 AND n.retired_at IS NULL AND c.retired_at IS NULL"
    ))?;
    let mut notes_stmt = conn.prepare_cached(
        "SELECT skill, count(*) FROM notes WHERE deck = ?1 AND retired_at IS NULL GROUP BY skill",
    )?;
    for (deck_index, deck) in set.decks.iter().enumerate() {
        let first_domain = set.domains.len();
        let mut domain_index: HashMap<String, usize> = HashMap::new();
        let rows = domain_stmt.query_map([deck.pk], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?;
        for row in rows {
            let (id, title, min, max) = row?;
            domain_index.insert(id.clone(), set.domains.len());
            set.domains.push(StudyDomain {
                deck: deck_index,
                id,
                title,
                weight: (min + max) / 2.0,
                notes: 0,
            });
        }
        if set.domains.len() == first_domain {
            set.domains.push(StudyDomain {
                deck: deck_index,
                id: deck.id.to_string(),
                title: deck.name.clone(),
                weight: 100.0,
                notes: 0,
            });
        }
        // skill → (domain index, objective position, skill position)
        let mut skills: HashMap<String, (usize, u32, u32)> = HashMap::new();
        let rows = skill_stmt.query_map([deck.pk], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?;
        for row in rows {
            let (skill, domain, objective_pos, skill_pos) = row?;
            let d = domain_index.get(&domain).copied().unwrap_or(first_domain);
            skills.insert(skill, (d, objective_pos, skill_pos));
        }
        let place = |skill: &Option<String>| {
            skill
                .as_ref()
                .and_then(|s| skills.get(s))
                .copied()
                .unwrap_or((first_domain, 0, 0))
        };
        let counts = notes_stmt.query_map([deck.pk], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in counts {
            let (skill, n) = row?;
            let (d, _, _) = place(&skill);
            set.domains[d].notes += n as usize;
        }
        let mut rows = card_stmt.query([deck.pk])?;
        while let Some(r) = rows.next()? {
            // The skill is looked up without copying it out of the row.
            let (domain, objective, skill_pos) = r
                .get_ref(2)?
                .as_str_or_null()
                .map_err(rusqlite::Error::from)?
                .and_then(|s| skills.get(s))
                .copied()
                .unwrap_or((first_domain, 0, 0));
            let buried_until: Option<i64> = r.get(6)?;
            let suspended: bool = r.get(5)?;
            let review_ms: i64 = r.get(7)?;
            let state = state_from_row(r, 8)?;
            let last_review_day = state.last_review.map(|t| day_of(t, offset, rollover_hour));
            let seconds = (state.reps > 0 && review_ms > 0)
                .then(|| review_ms as f32 / 1000.0 / state.reps as f32);
            set.cards.push(QueueCard {
                id: r.get(0)?,
                note: r.get(1)?,
                domain,
                state,
                last_review_day,
                hidden: suspended || buried_until.is_some_and(|b| b > today.0),
                order: (objective, skill_pos, r.get(3)?, r.get(4)?),
                seconds,
            });
            set.card_decks.push(deck_index);
        }
    }
    Ok(set)
}

/// Saves a card's scheduling state, adding `answer_ms` to its answering time.
pub fn save_state(conn: &Connection, card: i64, state: &CardState, review_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE cards SET state = ?2, stability = ?3, difficulty = ?4, due = ?5, step_due = ?6, last_review = ?7,
                reps = ?8, lapses = ?9, review_ms = ?10 WHERE id = ?1",
    )?
    .execute(params![
        card,
        state.phase.as_str(),
        state.memory.map(|m| m.stability),
        state.memory.map(|m| m.difficulty),
        state.due,
        state.step_due,
        state.last_review,
        state.reps,
        state.lapses,
        review_ms
    ])?;
    Ok(())
}

/// A card's state and answering time.
pub fn state(conn: &Connection, card: i64) -> Result<(CardState, i64)> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {STATE_COLUMNS}, c.review_ms FROM cards c WHERE c.id = ?1"
        ))?
        .query_row([card], |r| Ok((state_from_row(r, 0)?, r.get(8)?)))?)
}

/// Suspends a card (it is not shown until unsuspended).
pub fn suspend(conn: &Connection, card: i64, suspended: bool) -> Result<()> {
    conn.execute(
        "UPDATE cards SET suspended = ?2 WHERE id = ?1",
        params![card, suspended],
    )?;
    Ok(())
}

/// Hides a card until the given study day.
pub fn bury(conn: &Connection, card: i64, until: Option<Day>) -> Result<()> {
    conn.execute(
        "UPDATE cards SET buried_until = ?2 WHERE id = ?1",
        params![card, until],
    )?;
    Ok(())
}

/// Everything shown about a card in a review.
#[derive(Debug, Clone, PartialEq)]
pub struct CardView {
    pub card: i64,
    pub deck: DeckId,
    pub deck_name: String,
    pub note: NoteId,
    pub ord: u32,
    pub kind: NoteKind,
    pub title: String,
    pub prompt: String,
    pub answer: String,
    pub choices: Vec<ChoiceRecord>,
    /// Domain › objective › skill titles, when the deck has an outline.
    pub path: Vec<String>,
    /// The note's file (absolute) and line, for the editor.
    pub file: String,
    pub line: u32,
}

impl CardView {
    /// `deck/note#ord`, as the plain protocol prints it.
    pub fn label(&self) -> String {
        format!("{}/{}#{}", self.deck, self.note, self.ord)
    }
}

/// Loads a card for display.
pub fn view(conn: &Connection, card: i64) -> Result<Option<CardView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, d.slug, d.name, n.note_id, c.ord, n.kind, n.title, n.prompt, n.answer, n.choices,
                dm.title, o.title, s.title, d.root_path, n.source_path, n.source_line
         FROM cards c JOIN notes n ON n.id = c.note JOIN decks d ON d.id = n.deck
         LEFT JOIN skills s ON s.deck = n.deck AND s.id = n.skill
         LEFT JOIN objectives o ON o.deck = n.deck AND o.id = s.objective
         LEFT JOIN domains dm ON dm.deck = n.deck AND dm.id = o.domain
         WHERE c.id = ?1",
    )?;
    let found = stmt
        .query_row([card], |r| {
            let choices: String = r.get(9)?;
            let path: Vec<String> = [r.get::<_, Option<String>>(10)?, r.get(11)?, r.get(12)?]
                .into_iter()
                .flatten()
                .collect();
            let root: String = r.get(13)?;
            let source: String = r.get(14)?;
            Ok(CardView {
                card: r.get(0)?,
                deck: r.get(1)?,
                deck_name: r.get(2)?,
                note: r.get(3)?,
                ord: r.get(4)?,
                kind: r.get(5)?,
                title: r.get(6)?,
                prompt: r.get(7)?,
                answer: r.get(8)?,
                choices: serde_json::from_str(&choices).unwrap_or_default(),
                path,
                file: format!("{root}/{source}"),
                line: r.get(15)?,
            })
        })
        .optional()?;
    Ok(found)
}
