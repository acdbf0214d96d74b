//! `skilldeck ids --write`: gives every id-less note a readable slug id, written into its
//! heading, so the note's identity no longer depends on its prompt.

use std::collections::HashSet;

use super::Note;

/// The longest slug made from a prompt, in characters.
const MAX_SLUG_CHARS: usize = 48;

/// A slug from a heading: lowercase words of letters and digits joined by `-`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
    {
        if !slug.is_empty() && slug.len() + 1 + word.len() > MAX_SLUG_CHARS {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word[..word.len().min(MAX_SLUG_CHARS)]);
    }
    if slug.is_empty() {
        "note".to_owned()
    } else {
        slug
    }
}

/// A slug not in `taken` (adding `-2`, `-3`, … when needed); it is added to `taken`.
pub fn unique(slug: String, taken: &mut HashSet<String>) -> String {
    let mut candidate = slug.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{slug}-{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The file's text with an id written into the heading of every note of `notes` that has none.
/// Returns the new text and the ids written, in file order.
pub fn insert_ids(
    text: &str,
    notes: &[&Note],
    taken: &mut HashSet<String>,
) -> (String, Vec<String>) {
    let mut edits: Vec<(usize, String)> = Vec::new();
    let mut written = Vec::new();
    for note in notes.iter().filter(|n| !n.explicit_id) {
        let id = unique(slugify(&note.title), taken);
        match note.attribute_block {
            Some(brace) => edits.push((brace + 1, format!("#{id} "))),
            None => edits.push((note.heading_text_end, format!(" {{#{id}}}"))),
        }
        written.push(id);
    }
    edits.sort_by_key(|(at, _)| *at);
    let mut out = String::with_capacity(text.len() + edits.len() * 24);
    let mut last = 0;
    for (at, insertion) in edits {
        out.push_str(&text[last..at]);
        out.push_str(&insertion);
        last = at;
    }
    out.push_str(&text[last..]);
    (out, written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::parse::parse_file;

    #[test]
    fn slugs_from_titles() {
        assert_eq!(
            slugify("What does `trigger: none` do?"),
            "what-does-trigger-none-do"
        );
        assert_eq!(slugify("¿?"), "note");
        assert!(slugify(&"word ".repeat(40)).len() <= MAX_SLUG_CHARS);
    }

    #[test]
    fn writes_ids_into_headings_and_keeps_existing_attributes() {
        let text = "# T\n\n## First question\n\nA.\n\n## Second {.reversed}\n\nB.\n\n## Kept {#kept}\n\nC.\n\n## First question ##\n\nD.\n";
        let parsed = parse_file("t.md", text);
        let notes: Vec<&Note> = parsed.notes.iter().collect();
        let mut taken: HashSet<String> = ["kept".to_owned()].into();
        let (out, ids) = insert_ids(text, &notes, &mut taken);
        assert_eq!(ids, ["first-question", "second", "first-question-2"]);
        assert_eq!(
            out,
            "# T\n\n## First question {#first-question}\n\nA.\n\n## Second {#second .reversed}\n\nB.\n\n## Kept {#kept}\n\nC.\n\n## First question ## {#first-question-2}\n\nD.\n"
        );
        let reparsed = parse_file("t.md", &out);
        assert!(reparsed.notes.iter().all(|n| n.explicit_id));
        assert_eq!(reparsed.notes[1].ords, [0, 1]);
    }
}
