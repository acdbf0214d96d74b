//! The current time: the system clock, or `SKILLDECK_NOW` (RFC 3339) for tests and simulations.
//! The time's UTC offset is the user's local time zone (that of `SKILLDECK_NOW` when set), which
//! decides where study days begin.

use chrono::{DateTime, FixedOffset};

use crate::error::{Error, Result};

/// The environment variable that overrides the clock.
pub const NOW_VAR: &str = "SKILLDECK_NOW";

/// The time `value` (from `SKILLDECK_NOW`) names, or the system time when it is absent.
pub fn now(value: Option<&str>) -> Result<DateTime<FixedOffset>> {
    match value {
        None => Ok(chrono::Local::now().fixed_offset()),
        Some(text) => DateTime::parse_from_rfc3339(text.trim()).map_err(|_| {
            Error::user(format!(
                "{NOW_VAR}=`{text}` is not an RFC 3339 time; write it like 2026-11-25T09:00:00+01:00"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Timestamp;

    #[test]
    fn parses_rfc3339_and_refuses_the_rest() {
        let t = now(Some("1970-01-01T01:00:01+01:00")).unwrap();
        assert_eq!(Timestamp::from(t.to_utc()).millis(), 1000);
        assert_eq!(t.offset().local_minus_utc(), 3600);
        assert_eq!(
            now(Some("tomorrow")).unwrap_err().to_string(),
            "SKILLDECK_NOW=`tomorrow` is not an RFC 3339 time; write it like 2026-11-25T09:00:00+01:00"
        );
    }
}
