//! The plain line mode of `review`, for scripts, screen readers and tests. For each card:
//!
//! ```text
//! card <deck>/<note-id>#<ord>
//! skill: <domain> › <objective> › <skill>      (when the deck has an outline)
//! <prompt>                                     (choice options as "a) …")
//! ```
//!
//! then one line is read: Enter reveals (a choice card reads the letters picked, e.g. `b` or
//! `ac`). The answer follows, then a line `rate: 1 again 10m | 2 hard 1d | 3 good 3d | 4 easy 9d`
//! and `1`–`4` is read (a choice card accepts Enter for the suggested rating). At any read,
//! `u` undoes the last answer and `q` or the end of input ends the session cleanly.
//!
//! When another process (a build, another review) holds the database's write lock past the
//! busy timeout, an answer is not lost: a line says so and the answer is tried again.

use std::io::{BufRead, Write};
use std::time::Instant;

use super::session::{Session, Summary};
use super::text::{choice_order, cloze_back, cloze_front, interval_label, letter, parse_letters};
use crate::error::{Error, Result};
use crate::sanitize::sanitize;
use crate::types::{NoteKind, Rating};

/// What the reader asked for.
enum Command {
    Line(String),
    Undo,
    Quit,
}

fn read(input: &mut impl BufRead) -> Result<Command> {
    let mut line = String::new();
    let n = input
        .read_line(&mut line)
        .map_err(|e| Error::io("<stdin>", e))?;
    if n == 0 {
        return Ok(Command::Quit);
    }
    Ok(match line.trim() {
        "q" | "quit" => Command::Quit,
        "u" | "undo" => Command::Undo,
        other => Command::Line(other.to_owned()),
    })
}

/// Writes a line; every line goes through here, so deck text is always sanitized.
fn say(out: &mut impl Write, text: &str) -> Result<()> {
    writeln!(out, "{}", sanitize(text)).map_err(|e| Error::io("<stdout>", e))
}

/// Runs a session in line mode until the queue is empty or the reader quits.
pub fn run(
    session: &mut Session<'_>,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<Summary> {
    'cards: while let Some(view) = session.view()? {
        let started = Instant::now();
        let state = session.state();
        let reps = state.map_or(0, |s| s.reps);
        say(out, &format!("card {}", view.label()))?;
        if !view.path.is_empty() {
            say(out, &format!("skill: {}", view.path.join(" › ")))?;
        }
        let order = choice_order(view.choices.len(), view.card, reps);
        match view.kind {
            NoteKind::Cloze => say(out, &cloze_front(&view.prompt, view.ord))?,
            NoteKind::Reversed if view.ord == 1 => say(out, &view.answer)?,
            _ => say(out, &view.prompt)?,
        }
        for (position, &option) in order.iter().enumerate() {
            say(
                out,
                &format!("{}) {}", letter(position), view.choices[option].text),
            )?;
        }

        // Reveal (a choice card: pick letters first).
        let mut suggested = None;
        if view.kind == NoteKind::Choice {
            say(out, "choose: type the letters of your answer, e.g. b or ac")?;
            let picked = loop {
                match read(input)? {
                    Command::Quit => break 'cards,
                    Command::Undo => {
                        undo(session, out)?;
                        continue 'cards;
                    }
                    Command::Line(line) => match parse_letters(&line, order.len()) {
                        Some(picked) => break picked,
                        None => say(
                            out,
                            &format!(
                                "type letters from a to {}",
                                letter(order.len().saturating_sub(1))
                            ),
                        )?,
                    },
                }
            };
            let correct: Vec<usize> = (0..order.len())
                .filter(|&p| view.choices[order[p]].correct)
                .collect();
            let right = picked == correct;
            let letters = |ps: &[usize]| ps.iter().map(|&p| letter(p)).collect::<String>();
            if right {
                say(out, &format!("you chose {}: correct", letters(&picked)))?;
            } else {
                say(
                    out,
                    &format!(
                        "you chose {}: wrong; correct: {}",
                        letters(&picked),
                        letters(&correct)
                    ),
                )?;
            }
            suggested = Some(if right { Rating::Good } else { Rating::Again });
        } else {
            say(out, "reveal: press Enter")?;
            match read(input)? {
                Command::Quit => break,
                Command::Undo => {
                    undo(session, out)?;
                    continue;
                }
                Command::Line(_) => {}
            }
        }

        say(out, "answer:")?;
        match view.kind {
            NoteKind::Cloze => {
                say(out, &cloze_back(&view.prompt, view.ord))?;
                if !view.answer.is_empty() {
                    say(out, &view.answer)?;
                }
            }
            NoteKind::Reversed if view.ord == 1 => say(out, &view.prompt)?,
            NoteKind::Choice => {
                for (position, &option) in order.iter().enumerate() {
                    let choice = &view.choices[option];
                    let mark = if choice.correct { "[x]" } else { "[ ]" };
                    say(
                        out,
                        &format!("{}) {mark} {}", letter(position), choice.text),
                    )?;
                }
                if !view.answer.is_empty() {
                    say(out, &view.answer)?;
                }
            }
            _ => say(out, &view.answer)?,
        }
        let outcomes = session.preview()?;
        let labels: Vec<String> = Rating::ALL
            .iter()
            .map(|r| {
                let days = match (r, outcomes) {
                    (Rating::Again, _) => 0,
                    (_, Some(o)) => o[usize::from(r.number()) - 1].interval,
                    (_, None) => 0,
                };
                format!("{} {} {}", r.number(), r.label(), interval_label(days))
            })
            .collect();
        let suggestion = suggested.map_or_else(String::new, |r| {
            format!(" (Enter: {} {})", r.number(), r.label())
        });
        say(out, &format!("rate: {}{suggestion}", labels.join(" | ")))?;
        let rating = loop {
            match read(input)? {
                Command::Quit => break 'cards,
                Command::Undo => {
                    undo(session, out)?;
                    continue 'cards;
                }
                Command::Line(line) if line.is_empty() && suggested.is_some() => break suggested,
                Command::Line(line) => match line.parse::<i64>().ok().and_then(Rating::from_number)
                {
                    Some(r) => break Some(r),
                    None => say(out, "type 1, 2, 3 or 4 (u undoes the last answer, q quits)")?,
                },
            }
        };
        if let Some(rating) = rating {
            let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            until_written(out, || session.answer(rating, ms))?;
        }
    }
    let summary = session.summary()?;
    for line in summary_lines(&summary) {
        say(out, &line)?;
    }
    Ok(summary)
}

fn undo(session: &mut Session<'_>, out: &mut impl Write) -> Result<()> {
    match until_written(out, || session.undo()) {
        Ok(Some(_)) => say(out, "undone"),
        Ok(None) => say(out, "nothing to undo"),
        // The card was answered since in another session: the answer stays.
        Err(Error::User(message)) => say(out, &message),
        Err(e) => Err(e),
    }
}

/// Runs a write, and while another process holds the database's lock past the busy timeout,
/// says so and tries again: the session stays open and the answer is not lost.
fn until_written<T>(out: &mut impl Write, mut write: impl FnMut() -> Result<T>) -> Result<T> {
    loop {
        match write() {
            Err(e) if e.is_busy() => {
                say(out, &format!("{e}; not saved yet, waiting for it"))?;
                out.flush().map_err(|e| Error::io("<stdout>", e))?;
            }
            other => return other,
        }
    }
}

fn duration(ms: i64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.0}%", 100.0 * part as f64 / whole as f64)
    }
}

/// The closing summary as text.
pub fn summary_lines(s: &Summary) -> Vec<String> {
    let mut lines = vec![format!(
        "session: {} answers ({} new) in {}; correct {} of {} ({})",
        s.answers,
        s.new,
        duration(s.ms),
        s.correct,
        s.answers,
        percent(s.correct, s.answers)
    )];
    for d in &s.domains {
        lines.push(format!(
            "  {}: {} answers, {} correct, {}",
            d.title,
            d.answers,
            percent(d.correct, d.answers),
            duration(d.ms)
        ));
    }
    lines.push(format!("tomorrow: {} review(s) due", s.due_tomorrow));
    lines
}
