//! Newtypes for the values that cross module boundaries: deck and note identities, skill ids,
//! note kinds and timestamps. Each carries its own validation, `Display` and SQLite mapping, so
//! no raw string or integer stands for one of them elsewhere.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// Whether `s` is a slug: lowercase ASCII letters, digits and `-`, starting with a letter or digit.
pub fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str().map(|s| $name(s.to_owned()))
            }
        }
    };
}

string_id!(
    /// A deck's slug (`deck.toml` `id`): the namespace of its notes and Anki GUIDs.
    DeckId
);
string_id!(
    /// A note's id, unique in its deck: an explicit `{#id}` or a derived `h-…` hash id.
    NoteId
);
string_id!(
    /// A skill id from an outline.
    SkillId
);

impl DeckId {
    /// A deck id from a slug; `None` when `s` is not a slug.
    pub fn parse(s: &str) -> Option<Self> {
        is_slug(s).then(|| DeckId(s.to_owned()))
    }
}

impl NoteId {
    /// The prefix of ids derived from a hash of the prompt.
    pub const HASH_PREFIX: &'static str = "h-";

    /// A note id from an explicit `{#id}`; `None` when `s` is not a slug.
    pub fn parse(s: &str) -> Option<Self> {
        is_slug(s).then(|| NoteId(s.to_owned()))
    }

    /// The id derived from a prompt: `h-` and 12 hex digits of a hash of the normalised prompt.
    pub fn from_prompt(prompt: &str) -> Self {
        let normalised = normalise_prompt(prompt);
        let hash = blake3::hash(normalised.as_bytes()).to_hex();
        NoteId(format!("{}{}", Self::HASH_PREFIX, &hash[..12]))
    }

    /// Whether this id was derived from the prompt rather than written by the author.
    pub fn is_derived(&self) -> bool {
        self.0.starts_with(Self::HASH_PREFIX) && self.0.len() == 14
    }
}

/// Lowercase, with every run of whitespace collapsed to one space and the ends trimmed.
pub fn normalise_prompt(prompt: &str) -> String {
    prompt
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl SkillId {
    /// A skill id as written in an outline or a note (validated by the outline loader).
    pub fn new(s: impl Into<String>) -> Self {
        SkillId(s.into())
    }
}

/// What kind of note a block is, and so how many cards it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    /// Prompt → answer: one card.
    Basic,
    /// Prompt → answer and answer → prompt: two cards.
    Reversed,
    /// `{{cN::…}}` deletions: one card per cloze number.
    Cloze,
    /// A task list of options, some checked: one card.
    Choice,
}

impl NoteKind {
    /// The name stored in the database and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Basic => "basic",
            NoteKind::Reversed => "reversed",
            NoteKind::Cloze => "cloze",
            NoteKind::Choice => "choice",
        }
    }
}

impl fmt::Display for NoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for NoteKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for NoteKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "basic" => Ok(NoteKind::Basic),
            "reversed" => Ok(NoteKind::Reversed),
            "cloze" => Ok(NoteKind::Cloze),
            "choice" => Ok(NoteKind::Choice),
            other => Err(FromSqlError::Other(
                format!("unknown note kind {other:?}").into(),
            )),
        }
    }
}

/// A moment in time, as milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// A timestamp from milliseconds since the epoch.
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// The timestamp as a UTC date-time.
    pub fn to_datetime(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }
}

impl From<chrono::DateTime<chrono::Utc>> for Timestamp {
    fn from(value: chrono::DateTime<chrono::Utc>) -> Self {
        Timestamp(value.timestamp_millis())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            self.to_datetime()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_i64().map(Timestamp)
    }
}

/// The study day of a moment, for this user.
pub fn day_of(at: Timestamp, offset: chrono::FixedOffset, rollover_hour: u32) -> Day {
    Day::of_millis(at.millis(), offset.local_minus_utc(), rollover_hour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("ci-trigger-paths"));
        assert!(is_slug("a1"));
        assert!(!is_slug("-a"));
        assert!(!is_slug("A"));
        assert!(!is_slug("a_b"));
        assert!(!is_slug(""));
    }

    #[test]
    fn derived_ids_ignore_case_and_spacing() {
        let a = NoteId::from_prompt("What does  this\ntrigger do?");
        let b = NoteId::from_prompt("what does this trigger do?");
        assert_eq!(a, b);
        assert!(a.is_derived());
        assert_eq!(a.as_str().len(), 14);
        assert!(
            !NoteId::parse("my-note")
                .map(|n| n.is_derived())
                .unwrap_or(true)
        );
    }
}

/// A study day: days since 1970-01-01 on the user's local calendar, where a day starts at the
/// rollover hour (04:00 by default), as in Anki.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Day(pub i64);

impl Day {
    /// The study day that `at` falls in, with days starting at `rollover_hour` local time.
    pub fn of(at: chrono::DateTime<chrono::FixedOffset>, rollover_hour: u32) -> Day {
        let local = at.naive_local() - chrono::Duration::hours(i64::from(rollover_hour));
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        Day((local.date() - epoch).num_days())
    }

    /// The study day of a moment given in milliseconds since the epoch, for a user at
    /// `offset_seconds` east of UTC whose days start at `rollover_hour` (integer arithmetic,
    /// the same result as [`Day::of`]).
    pub fn of_millis(ms: i64, offset_seconds: i32, rollover_hour: u32) -> Day {
        let local = ms + i64::from(offset_seconds) * 1000 - i64::from(rollover_hour) * 3_600_000;
        Day(local.div_euclid(86_400_000))
    }

    /// The day a calendar date names.
    pub fn from_date(date: chrono::NaiveDate) -> Day {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        Day((date - epoch).num_days())
    }

    /// The moment this study day starts, for a user at UTC `offset` whose days start at
    /// `rollover_hour`.
    pub fn start(self, offset: chrono::FixedOffset, rollover_hour: u32) -> Timestamp {
        let local = self
            .date()
            .and_hms_opt(rollover_hour.min(23), 0, 0)
            .unwrap_or_default();
        let utc = local - chrono::Duration::seconds(i64::from(offset.local_minus_utc()));
        Timestamp(utc.and_utc().timestamp_millis())
    }

    /// The calendar date of this day.
    pub fn date(self) -> chrono::NaiveDate {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        epoch + chrono::Duration::days(self.0)
    }

    /// The day `n` days later (or earlier, for negative `n`).
    pub fn plus(self, n: i64) -> Day {
        Day(self.0 + n)
    }

    /// Whole days from `earlier` to `self`.
    pub fn since(self, earlier: Day) -> i64 {
        self.0 - earlier.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.date())
    }
}

impl ToSql for Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_i64().map(Day)
    }
}

/// An answer: 1 Again, 2 Hard, 3 Good, 4 Easy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "u8")]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    /// Every rating, in order.
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// The rating for 1–4; `None` otherwise.
    pub fn from_number(n: i64) -> Option<Rating> {
        match n {
            1 => Some(Rating::Again),
            2 => Some(Rating::Hard),
            3 => Some(Rating::Good),
            4 => Some(Rating::Easy),
            _ => None,
        }
    }

    /// 1–4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The word shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.number()
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl ToSql for Rating {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(i64::from(self.number())))
    }
}

impl FromSql for Rating {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = value.as_i64()?;
        Rating::from_number(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

#[cfg(test)]
mod day_tests {
    use super::*;

    fn at(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn days_roll_over_at_four_local_time() {
        let before = Day::of(at("2026-11-25T03:59:00+01:00"), 4);
        let after = Day::of(at("2026-11-25T04:00:00+01:00"), 4);
        assert_eq!(after.since(before), 1);
        assert_eq!(after.to_string(), "2026-11-25");
        assert_eq!(before.to_string(), "2026-11-24");
        // The same instant in another zone can be another study day.
        assert_eq!(
            Day::of(at("2026-11-25T03:30:00Z"), 4),
            Day::of(at("2026-11-25T04:30:00+01:00"), 4).plus(-1)
        );
        assert_eq!(Day::from_date(after.date()), after);
        for s in [
            "2026-11-25T03:59:00+01:00",
            "2026-11-25T04:00:00+01:00",
            "1969-12-31T02:00:00-05:00",
        ] {
            let t = at(s);
            assert_eq!(
                Day::of_millis(t.timestamp_millis(), t.offset().local_minus_utc(), 4),
                Day::of(t, 4),
                "{s}"
            );
        }
        let offset = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            after.start(offset, 4),
            Timestamp::from(at("2026-11-25T04:00:00+01:00").to_utc())
        );
    }

    #[test]
    fn ratings() {
        assert_eq!(Rating::from_number(3), Some(Rating::Good));
        assert_eq!(Rating::from_number(5), None);
        assert_eq!(Rating::Again.number(), 1);
    }
}
