//! An exam's skills outline (`outline.toml`): domains with weight ranges, their objectives, and
//! the skills every note maps to. Loading validates it; lookups give a skill's place and weight.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::deck::diagnostic::{Diagnostic, Severity, at};
use crate::deck::manifest::line_column;
use crate::types::{SkillId, is_slug};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutline {
    #[serde(default)]
    exam: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    domain: Vec<Domain>,
}

/// A domain of the exam, with its share of the questions in percent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub id: String,
    pub title: String,
    pub weight_min: f64,
    pub weight_max: f64,
    #[serde(default, rename = "objective")]
    pub objectives: Vec<Objective>,
}

impl Domain {
    /// The midpoint of the weight range, in percent.
    pub fn weight(&self) -> f64 {
        (self.weight_min + self.weight_max) / 2.0
    }
}

/// An objective inside a domain.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub skills: Vec<Skill>,
}

/// A skill: the unit every note maps to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    pub id: String,
    pub title: String,
}

/// Where a skill sits in the outline, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkillPlace {
    pub domain: usize,
    pub objective: usize,
    pub skill: usize,
}

/// A validated outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub exam: String,
    pub title: String,
    pub credential: String,
    pub revision: String,
    pub source: String,
    pub domains: Vec<Domain>,
    places: HashMap<String, SkillPlace>,
}

impl Outline {
    /// Parses and validates an outline; every problem is returned at once.
    pub fn parse(path: &str, text: &str) -> Result<Outline, Vec<Diagnostic>> {
        let raw: RawOutline = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            vec![at(Severity::Error, path, line, column, format!("bad outline: {}", e.message()))
                .with_hint("see the outline format in README.md: [[domain]] with id, title, weight_min, weight_max; [[domain.objective]] with id, title, skills = [{ id, title }]")]
        })?;
        let mut problems = Vec::new();
        let mut error = |needle: &str, message: String| {
            let (line, column) = find_id(text, needle);
            problems.push(at(Severity::Error, path, line, column, message));
        };
        let mut seen = HashSet::new();
        let mut places = HashMap::new();
        if raw.domain.is_empty() {
            error("", "the outline has no domain".into());
        }
        for (d, domain) in raw.domain.iter().enumerate() {
            check_id(&domain.id, "domain", &mut seen, &mut error);
            let range = 0.0..=100.0;
            if !range.contains(&domain.weight_min)
                || !range.contains(&domain.weight_max)
                || domain.weight_min > domain.weight_max
            {
                error(
                    &domain.id,
                    format!(
                        "domain `{}`: weights must satisfy 0 <= weight_min <= weight_max <= 100 (found {} and {})",
                        domain.id, domain.weight_min, domain.weight_max
                    ),
                );
            }
            if domain.objectives.is_empty() {
                error(
                    &domain.id,
                    format!("domain `{}` has no objective", domain.id),
                );
            }
            for (o, objective) in domain.objectives.iter().enumerate() {
                check_id(&objective.id, "objective", &mut seen, &mut error);
                if objective.skills.is_empty() {
                    error(
                        &objective.id,
                        format!("objective `{}` has no skill", objective.id),
                    );
                }
                for (s, skill) in objective.skills.iter().enumerate() {
                    check_id(&skill.id, "skill", &mut seen, &mut error);
                    places.insert(
                        skill.id.clone(),
                        SkillPlace {
                            domain: d,
                            objective: o,
                            skill: s,
                        },
                    );
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Outline {
            exam: raw.exam,
            title: raw.title,
            credential: raw.credential,
            revision: raw.revision,
            source: raw.source,
            domains: raw.domain,
            places,
        })
    }

    /// Where a skill sits, if the outline has it.
    pub fn place(&self, skill: &SkillId) -> Option<SkillPlace> {
        self.places.get(skill.as_str()).copied()
    }

    /// Every skill with its place, in outline order.
    pub fn skills(&self) -> impl Iterator<Item = (SkillPlace, &Skill)> {
        self.domains.iter().enumerate().flat_map(|(d, domain)| {
            domain
                .objectives
                .iter()
                .enumerate()
                .flat_map(move |(o, objective)| {
                    objective.skills.iter().enumerate().map(move |(s, skill)| {
                        (
                            SkillPlace {
                                domain: d,
                                objective: o,
                                skill: s,
                            },
                            skill,
                        )
                    })
                })
        })
    }

    /// Up to three skill ids that look like `unknown`, best first.
    pub fn similar_skills(&self, unknown: &str) -> Vec<&str> {
        let mut scored: Vec<(f64, &str)> = self
            .skills()
            .map(|(_, s)| (strsim::jaro_winkler(unknown, &s.id), s.id.as_str()))
            .filter(|(score, _)| *score >= 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(3).map(|(_, id)| id).collect()
    }
}

fn check_id(
    id: &str,
    what: &str,
    seen: &mut HashSet<String>,
    error: &mut impl FnMut(&str, String),
) {
    if !is_slug(id) {
        error(
            id,
            format!("{what} id `{id}` is not a slug (lowercase letters, digits and `-`)"),
        );
    } else if !seen.insert(id.to_owned()) {
        error(
            id,
            format!("{what} id `{id}` is used twice; ids must be unique in the whole outline"),
        );
    }
}

/// The position of the last `id = "needle"` in the text (the duplicate, for a repeated id).
fn find_id(text: &str, needle: &str) -> (usize, usize) {
    if needle.is_empty() {
        return (1, 1);
    }
    let quoted = format!("\"{needle}\"");
    text.rfind(&quoted).map_or((1, 1), |i| line_column(text, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[domain]]
id = "a"
title = "A"
weight_min = 70
weight_max = 90

[[domain.objective]]
id = "a1"
title = "A one"
skills = [{ id = "yaml", title = "YAML" }, { id = "triggers", title = "Triggers" }]

[[domain]]
id = "b"
title = "B"
weight_min = 10
weight_max = 30

[[domain.objective]]
id = "b1"
title = "B one"
skills = [{ id = "kql", title = "KQL" }]
"#;

    #[test]
    fn parses_and_places_skills() {
        let o = Outline::parse("outline.toml", SMALL).unwrap();
        assert_eq!(o.domains.len(), 2);
        assert_eq!(o.domains[0].weight(), 80.0);
        assert_eq!(
            o.place(&SkillId::new("kql")),
            Some(SkillPlace {
                domain: 1,
                objective: 0,
                skill: 0
            })
        );
        assert_eq!(o.similar_skills("trigger"), ["triggers"]);
    }

    #[test]
    fn duplicate_ids_bad_weights_and_empty_objectives() {
        let text = SMALL
            .replace("\"kql\"", "\"yaml\"")
            .replace("weight_min = 70", "weight_min = 95")
            .replace("skills = [{ id = \"yaml\", title = \"YAML\" }, { id = \"triggers\", title = \"Triggers\" }]", "skills = []");
        let problems = Outline::parse("o.toml", &text).unwrap_err();
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "o.toml:3:6: error: domain `a`: weights must satisfy 0 <= weight_min <= weight_max <= 100 (found 95 and 90)",
                "o.toml:9:6: error: objective `a1` has no skill",
            ]
        );
        let dup = SMALL.replace("\"kql\"", "\"yaml\"");
        let problems = Outline::parse("o.toml", &dup).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].message,
            "skill id `yaml` is used twice; ids must be unique in the whole outline"
        );
        assert_eq!(problems[0].line, 22);
    }

    #[test]
    fn reference_outline_loads() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/decks/az-400/outline.toml"
        ))
        .unwrap();
        let o = Outline::parse("outline.toml", &text).unwrap();
        assert_eq!(o.domains.len(), 5);
        assert_eq!(
            o.domains.iter().map(|d| d.objectives.len()).sum::<usize>(),
            16
        );
        assert_eq!(o.skills().count(), 86);
    }
}
