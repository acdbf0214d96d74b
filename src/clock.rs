//! The current time: the system clock, or `SKILLDECK_NOW` (RFC 3339) for tests and simulations.

use crate::error::{Error, Result};
use crate::types::Timestamp;

/// The environment variable that overrides the clock.
pub const NOW_VAR: &str = "SKILLDECK_NOW";

/// The time `value` (from `SKILLDECK_NOW`) names, or the system time when it is absent.
pub fn now(value: Option<&str>) -> Result<Timestamp> {
    match value {
        None => Ok(Timestamp::from(chrono::Utc::now())),
        Some(text) => chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Timestamp::from(t.with_timezone(&chrono::Utc)))
            .map_err(|_| {
                Error::user(format!(
                    "{NOW_VAR}=`{text}` is not an RFC 3339 time; write it like 2026-11-25T09:00:00+01:00"
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_refuses_the_rest() {
        assert_eq!(now(Some("1970-01-01T00:00:01Z")).unwrap().millis(), 1000);
        assert_eq!(
            now(Some("tomorrow")).unwrap_err().to_string(),
            "SKILLDECK_NOW=`tomorrow` is not an RFC 3339 time; write it like 2026-11-25T09:00:00+01:00"
        );
    }
}
