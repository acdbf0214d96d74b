//! Cloze deletions in Anki's syntax: `{{c1::text}}` and `{{c1::text::hint}}`.

/// One deletion found in a note's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The cloze number (`c1` → 1); one card per distinct number.
    pub number: u32,
    /// Byte range of the whole `{{…}}` marker in the scanned text.
    pub start: usize,
    pub end: usize,
}

/// A problem with a marker, at a byte offset of the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClozeError {
    /// `{{c1::` with no `}}` after it.
    Unclosed(usize),
    /// `{{c0::` or a number too large.
    BadNumber(usize),
}

/// Finds every deletion in `text`. A marker is `{{c` + digits + `::`; anything else that uses
/// braces (such as `${{ expression }}` in a workflow) is left alone.
pub fn scan(text: &str) -> (Vec<Deletion>, Vec<ClozeError>) {
    let mut deletions = Vec::new();
    let mut errors = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find("{{c") {
        let start = pos + found;
        let after = &text[start + 3..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !after[digits..].starts_with("::") {
            pos = start + 3;
            continue;
        }
        let body_start = start + 3 + digits + 2;
        let number = after[..digits]
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=500).contains(n));
        match text[body_start..].find("}}") {
            Some(close) => {
                let end = body_start + close + 2;
                match number {
                    Some(number) => deletions.push(Deletion { number, start, end }),
                    None => errors.push(ClozeError::BadNumber(start)),
                }
                pos = end;
            }
            None => {
                errors.push(ClozeError::Unclosed(start));
                pos = body_start;
            }
        }
    }
    (deletions, errors)
}

/// The distinct cloze numbers, in ascending order.
pub fn numbers(deletions: &[Deletion]) -> Vec<u32> {
    let mut numbers: Vec<u32> = deletions.iter().map(|d| d.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers_and_hints() {
        let text = "A {{c1::stage}} has {{c2::jobs::plural}}; {{c1::again}}.";
        let (d, e) = scan(text);
        assert!(e.is_empty());
        assert_eq!(d.len(), 3);
        assert_eq!(&text[d[1].start..d[1].end], "{{c2::jobs::plural}}");
        assert_eq!(numbers(&d), [1, 2]);
    }

    #[test]
    fn ignores_other_braces() {
        let (d, e) = scan("run: echo ${{ secrets.TOKEN }} and {{ci::x}} {{c::y}}");
        assert!(d.is_empty());
        assert!(e.is_empty());
    }

    #[test]
    fn unclosed_and_bad_numbers() {
        let (d, e) = scan("x {{c1::open and {{c0::zero}}");
        // The first marker swallows up to the first `}}`, which belongs to the second.
        assert_eq!(d.len(), 1);
        assert!(e.is_empty());
        let (d, e) = scan("x {{c1::open");
        assert!(d.is_empty());
        assert_eq!(e, [ClozeError::Unclosed(2)]);
        let (_, e) = scan("{{c0::zero}}");
        assert_eq!(e, [ClozeError::BadNumber(0)]);
    }
}
