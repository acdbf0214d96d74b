//! The `settings` table: the user's scheduling settings, validated on the way in, with their
//! defaults. `skilldeck config get|set` reads and writes them.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};

/// A setting: its key, default, and what values it accepts.
pub struct Key {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
    kind: Kind,
}

enum Kind {
    Float(f64, f64),
    /// A number in the range, or `desired_retention` (follow the desired retention).
    FloatOrRetention(f64, f64),
    Int(i64, i64),
    Switch,
}

/// Every setting.
pub const KEYS: &[Key] = &[
    Key {
        name: "desired_retention",
        default: "0.9",
        help: "recall probability reviews aim for (0.70–0.99)",
        kind: Kind::Float(0.70, 0.99),
    },
    Key {
        name: "fuzz",
        default: "on",
        help: "spread intervals a little (on/off)",
        kind: Kind::Switch,
    },
    Key {
        name: "new_per_day",
        default: "20",
        help: "new cards a day (0–9999)",
        kind: Kind::Int(0, 9999),
    },
    Key {
        name: "reviews_per_day",
        default: "200",
        help: "reviews a day (0–99999)",
        kind: Kind::Int(0, 99_999),
    },
    Key {
        name: "max_new_per_day",
        default: "100",
        help: "cap on new cards a day when an exam date raises the pace (1–9999)",
        kind: Kind::Int(1, 9999),
    },
    Key {
        name: "day_rollover_hour",
        default: "4",
        help: "local hour at which a study day starts (0–23)",
        kind: Kind::Int(0, 23),
    },
    Key {
        name: "target_readiness",
        default: "desired_retention",
        help: "weighted readiness the exam plan aims for (0.50–0.99, or desired_retention to follow it)",
        kind: Kind::FloatOrRetention(0.50, 0.99),
    },
    Key {
        name: "max_interval",
        default: "36500",
        help: "longest interval in days (1–36500)",
        kind: Kind::Int(1, 36_500),
    },
];

fn key(name: &str) -> Result<&'static Key> {
    KEYS.iter().find(|k| k.name == name).ok_or_else(|| {
        let names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
        Error::user(format!(
            "unknown setting `{name}`; the settings are {}",
            names.join(", ")
        ))
    })
}

/// Checks a value for a setting and returns it in canonical form.
pub fn validate(name: &str, value: &str) -> Result<String> {
    let key = key(name)?;
    let bad = || Error::user(format!("`{value}` is not a valid {name}: {}", key.help));
    let value = value.trim();
    match key.kind {
        Kind::Float(min, max) => {
            let v: f64 = value.parse().map_err(|_| bad())?;
            if !(min..=max).contains(&v) {
                return Err(bad());
            }
            Ok(v.to_string())
        }
        Kind::FloatOrRetention(_, _) if value == "desired_retention" => Ok(value.to_owned()),
        Kind::FloatOrRetention(min, max) => {
            let v: f64 = value.parse().map_err(|_| bad())?;
            if !(min..=max).contains(&v) {
                return Err(bad());
            }
            Ok(v.to_string())
        }
        Kind::Int(min, max) => {
            let v: i64 = value.parse().map_err(|_| bad())?;
            if !(min..=max).contains(&v) {
                return Err(bad());
            }
            Ok(v.to_string())
        }
        Kind::Switch => match value.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" | "1" => Ok("on".into()),
            "off" | "false" | "no" | "0" => Ok("off".into()),
            _ => Err(bad()),
        },
    }
}

/// A setting's value (its default when unset).
pub fn get(conn: &Connection, name: &str) -> Result<String> {
    let key = key(name)?;
    let stored: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    Ok(stored.unwrap_or_else(|| key.default.to_owned()))
}

/// Sets a setting after validating it.
pub fn set(conn: &Connection, name: &str, value: &str) -> Result<String> {
    let value = validate(name, value)?;
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(value)
}

/// The settings the scheduler uses, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub desired_retention: f32,
    pub fuzz: bool,
    pub new_per_day: usize,
    pub reviews_per_day: usize,
    pub max_new_per_day: usize,
    pub day_rollover_hour: u32,
    pub max_interval: u32,
    /// The readiness the exam plan aims for; `None` follows the desired retention.
    pub target_readiness: Option<f32>,
}

impl Settings {
    pub fn load(conn: &Connection) -> Result<Settings> {
        let int = |name: &str| -> Result<i64> {
            get(conn, name)?.parse().map_err(|_| {
                Error::user(format!(
                    "setting {name} is corrupt; set it again with `skilldeck config set`"
                ))
            })
        };
        let retention: f32 = get(conn, "desired_retention")?.parse().map_err(|_| {
            Error::user(
                "setting desired_retention is corrupt; set it again with `skilldeck config set`",
            )
        })?;
        Ok(Settings {
            desired_retention: retention,
            fuzz: get(conn, "fuzz")? == "on",
            new_per_day: int("new_per_day")? as usize,
            reviews_per_day: int("reviews_per_day")? as usize,
            max_new_per_day: int("max_new_per_day")? as usize,
            day_rollover_hour: int("day_rollover_hour")? as u32,
            max_interval: int("max_interval")? as u32,
            target_readiness: match get(conn, "target_readiness")?.as_str() {
                "desired_retention" => None,
                v => Some(v.parse().map_err(|_| {
                    Error::user(
                        "setting target_readiness is corrupt; set it again with `skilldeck config set`",
                    )
                })?),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn defaults_validation_and_round_trip() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let s = Settings::load(conn).unwrap();
        assert_eq!(
            (
                s.desired_retention,
                s.fuzz,
                s.new_per_day,
                s.day_rollover_hour
            ),
            (0.9, true, 20, 4)
        );
        assert_eq!(set(conn, "fuzz", "OFF").unwrap(), "off");
        assert_eq!(set(conn, "desired_retention", "0.85").unwrap(), "0.85");
        let s = Settings::load(conn).unwrap();
        assert!(!s.fuzz);
        assert_eq!(s.desired_retention, 0.85);
        assert_eq!(
            set(conn, "desired_retention", "0.5")
                .unwrap_err()
                .to_string(),
            "`0.5` is not a valid desired_retention: recall probability reviews aim for (0.70–0.99)"
        );
        assert!(set(conn, "new_per_day", "-1").is_err());
        assert!(set(conn, "day_rollover_hour", "24").is_err());
        assert!(
            get(conn, "colour")
                .unwrap_err()
                .to_string()
                .starts_with("unknown setting `colour`; the settings are desired_retention, fuzz")
        );
        assert_eq!(get(conn, "desired_retention").unwrap(), "0.85");
    }

    #[test]
    fn the_target_readiness_follows_the_retention_until_set() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert_eq!(Settings::load(conn).unwrap().target_readiness, None);
        assert_eq!(set(conn, "target_readiness", "0.8").unwrap(), "0.8");
        assert_eq!(Settings::load(conn).unwrap().target_readiness, Some(0.8));
        assert_eq!(
            set(conn, "target_readiness", "1.2")
                .unwrap_err()
                .to_string(),
            "`1.2` is not a valid target_readiness: weighted readiness the exam plan aims for (0.50–0.99, or desired_retention to follow it)"
        );
        set(conn, "target_readiness", "desired_retention").unwrap();
        assert_eq!(Settings::load(conn).unwrap().target_readiness, None);
    }
}
