//! The event stream the deck parser walks: pulldown-cmark's events with one event of
//! push-back, counting on the way how deeply lists and block quotes nest, so the parser can warn
//! about notes nested past what renderers draw.

use std::ops::Range;

use pulldown_cmark::{Event, OffsetIter, Tag, TagEnd};

/// pulldown-cmark's events with one event of push-back, counting on the way how deeply lists
/// and block quotes are nested.
pub(super) struct Events<'a> {
    inner: OffsetIter<'a>,
    peeked: Option<(Event<'a>, Range<usize>)>,
    /// Lists and block quotes open now.
    open: usize,
    /// The deepest nesting since `restart_nesting`, and where (offset in the body) it was met.
    deepest: (usize, usize),
}

impl<'a> Events<'a> {
    pub(super) fn new(inner: OffsetIter<'a>) -> Self {
        Events {
            inner,
            peeked: None,
            open: 0,
            deepest: (0, 0),
        }
    }

    fn pull(&mut self) -> Option<(Event<'a>, Range<usize>)> {
        let (event, range) = self.inner.next()?;
        match event {
            Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => {
                self.open += 1;
                if self.open > self.deepest.0 {
                    self.deepest = (self.open, range.start);
                }
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_)) => {
                self.open = self.open.saturating_sub(1);
            }
            _ => {}
        }
        Some((event, range))
    }

    /// The next event, left in place.
    pub(super) fn peek(&mut self) -> Option<&(Event<'a>, Range<usize>)> {
        if self.peeked.is_none() {
            self.peeked = self.pull();
        }
        self.peeked.as_ref()
    }

    /// Forgets the deepest nesting seen so far (at the start of a note).
    pub(super) fn restart_nesting(&mut self) {
        self.deepest = (self.open, 0);
    }

    /// The deepest nesting of lists and block quotes since `restart_nesting`, and its offset.
    pub(super) fn deepest(&self) -> (usize, usize) {
        self.deepest
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = (Event<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        self.peeked.take().or_else(|| self.pull())
    }
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Options, Parser};

    use super::*;
    use crate::deck::parse::{MAX_NESTING, parse_file};

    #[test]
    fn nesting_is_counted_once_per_event_peeked_or_not() {
        let md = "- a\n  > - b\n\n- c\n\n> d\n";
        let mut events = Events::new(Parser::new_ext(md, Options::empty()).into_offset_iter());
        assert!(events.peek().is_some());
        assert!(events.peek().is_some());
        let all = events.by_ref().count();
        assert_eq!(all, Parser::new_ext(md, Options::empty()).count());
        // `- a` › `> ` › `- b`: three levels, the deepest starting at `- b`.
        assert_eq!(events.deepest(), (3, md.find("- b").unwrap_or(0)));
        events.restart_nesting();
        assert_eq!(events.deepest().0, 0);
    }

    #[test]
    fn notes_nested_past_the_limit_get_a_warning() {
        let deep = "- ".repeat(MAX_NESTING + 1);
        let ok = "> ".repeat(MAX_NESTING);
        let text = format!("## Deep {{#deep}}\n\n{deep}x\n\n## Fine {{#fine}}\n\n{ok}y\n");
        let parsed = parse_file("deep.md", &text);
        assert_eq!(parsed.notes.len(), 2);
        let messages: Vec<String> = parsed.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [format!(
                "deep.md:3:{}: warning: lists and block quotes nested 17 levels deep; the review shows the levels past 16 flat\n  hint: nest lists and block quotes at most 16 levels deep",
                2 * MAX_NESTING + 1
            )]
        );
    }
}
