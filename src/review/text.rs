//! Card text for display (pure): cloze deletions masked or shown, multiple-choice options
//! shuffled per card, intervals written short. Sanitizing lives in `crate::sanitize`.

use crate::deck::cloze;

/// The cloze text with card `ord`'s deletions masked (`[...]` or `[hint]`) and the others shown.
pub fn cloze_front(text: &str, ord: u32) -> String {
    render_cloze(text, ord, false)
}

/// The cloze text with card `ord`'s deletions shown in brackets and the others plain.
pub fn cloze_back(text: &str, ord: u32) -> String {
    render_cloze(text, ord, true)
}

fn render_cloze(text: &str, ord: u32, reveal: bool) -> String {
    let (deletions, _) = cloze::scan(text);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for d in deletions {
        out.push_str(&text[last..d.start]);
        let inner = &text[d.start..d.end];
        // Strip `{{cN::` and `}}`.
        let body = inner
            .find("::")
            .map_or("", |i| &inner[i + 2..inner.len() - 2]);
        let (answer, hint) = match body.rfind("::") {
            Some(i) => (&body[..i], Some(&body[i + 2..])),
            None => (body, None),
        };
        if d.number == ord + 1 {
            if reveal {
                out.push('[');
                out.push_str(answer);
                out.push(']');
            } else {
                out.push('[');
                out.push_str(hint.unwrap_or("..."));
                out.push(']');
            }
        } else {
            out.push_str(answer);
        }
        last = d.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The order in which a choice card shows its options: a shuffle seeded by the card and its
/// review count, so it changes between reviews but not on undo or redraw.
pub fn choice_order(options: usize, card: i64, reps: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..options).collect();
    let mut seed = (card as u64) ^ (u64::from(reps) << 32) ^ 0x2545_F491_4F6C_DD1D;
    for i in (1..order.len()).rev() {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let r = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let j = (r % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// The letter of the option at a position: a, b, c, …
pub fn letter(position: usize) -> char {
    char::from(b'a' + (position % 26) as u8)
}

/// Reads letters such as `b`, `a c` or `a,c` into positions; `None` if any is not an option.
pub fn parse_letters(input: &str, options: usize) -> Option<Vec<usize>> {
    let mut picked: Vec<usize> = Vec::new();
    for c in input.chars().filter(|c| !c.is_whitespace() && *c != ',') {
        let c = c.to_ascii_lowercase();
        if !c.is_ascii_lowercase() {
            return None;
        }
        let position = usize::from(c as u8 - b'a');
        if position >= options {
            return None;
        }
        if !picked.contains(&position) {
            picked.push(position);
        }
    }
    picked.sort_unstable();
    (!picked.is_empty()).then_some(picked)
}

/// An interval in days written short: `10m`, `3d`, `4.2mo`, `1.5y`.
pub fn interval_label(days: u32) -> String {
    match days {
        0 => "10m".to_owned(),
        d if d < 30 => format!("{d}d"),
        d if d < 365 => format!("{:.1}mo", f64::from(d) / 30.44),
        d => format!("{:.1}y", f64::from(d) / 365.25),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloze_masking() {
        let text = "A {{c1::stage}} has {{c2::jobs::plural}}.";
        assert_eq!(cloze_front(text, 0), "A [...] has jobs.");
        assert_eq!(cloze_front(text, 1), "A stage has [plural].");
        assert_eq!(cloze_back(text, 1), "A stage has [jobs].");
    }

    #[test]
    fn choices_shuffle_stably() {
        let a = choice_order(4, 7, 0);
        assert_eq!(a, choice_order(4, 7, 0));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3]);
        let orders: std::collections::HashSet<Vec<usize>> =
            (0..50).map(|c| choice_order(4, c, 0)).collect();
        assert!(orders.len() > 5);
    }

    #[test]
    fn letters() {
        assert_eq!(parse_letters("b", 3), Some(vec![1]));
        assert_eq!(parse_letters("C, a", 3), Some(vec![0, 2]));
        assert_eq!(parse_letters("d", 3), None);
        assert_eq!(parse_letters("", 3), None);
        assert_eq!(interval_label(0), "10m");
        assert_eq!(interval_label(46), "1.5mo");
        assert_eq!(interval_label(800), "2.2y");
    }
}
