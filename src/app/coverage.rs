//! Outline coverage (pure): how many notes each domain, objective and skill has, and how the
//! share of notes per domain compares with the domain's exam weight.

use serde::Serialize;

use crate::deck::load::DeckNote;
use crate::outline::Outline;

/// Note counts of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainCoverage {
    pub id: String,
    pub title: String,
    pub weight_min: f64,
    pub weight_max: f64,
    pub notes: usize,
    /// The domain's share of the deck's notes, in percent.
    pub share: f64,
}

/// Note counts of one objective.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectiveCoverage {
    pub id: String,
    pub domain: String,
    pub notes: usize,
}

/// Note counts of one skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillCoverage {
    pub id: String,
    pub objective: String,
    pub notes: usize,
}

/// A deck's coverage of its outline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub domains: Vec<DomainCoverage>,
    pub objectives: Vec<ObjectiveCoverage>,
    pub skills: Vec<SkillCoverage>,
}

impl Coverage {
    /// Counts notes per skill and adds them up per objective and domain.
    pub fn of(outline: &Outline, notes: &[DeckNote]) -> Coverage {
        let mut per_skill: Vec<Vec<Vec<usize>>> = outline
            .domains
            .iter()
            .map(|d| {
                d.objectives
                    .iter()
                    .map(|o| vec![0; o.skills.len()])
                    .collect()
            })
            .collect();
        let mut mapped = 0;
        for n in notes {
            if let Some(place) = n.note.skill.as_ref().and_then(|s| outline.place(s)) {
                per_skill[place.domain][place.objective][place.skill] += 1;
                mapped += 1;
            }
        }
        let mut coverage = Coverage::default();
        for (d, domain) in outline.domains.iter().enumerate() {
            let mut domain_notes = 0;
            for (o, objective) in domain.objectives.iter().enumerate() {
                let objective_notes: usize = per_skill[d][o].iter().sum();
                domain_notes += objective_notes;
                coverage.objectives.push(ObjectiveCoverage {
                    id: objective.id.clone(),
                    domain: domain.id.clone(),
                    notes: objective_notes,
                });
                for (s, skill) in objective.skills.iter().enumerate() {
                    coverage.skills.push(SkillCoverage {
                        id: skill.id.clone(),
                        objective: objective.id.clone(),
                        notes: per_skill[d][o][s],
                    });
                }
            }
            let share = if mapped == 0 {
                0.0
            } else {
                100.0 * domain_notes as f64 / mapped as f64
            };
            coverage.domains.push(DomainCoverage {
                id: domain.id.clone(),
                title: domain.title.clone(),
                weight_min: domain.weight_min,
                weight_max: domain.weight_max,
                notes: domain_notes,
                share: (share * 10.0).round() / 10.0,
            });
        }
        coverage
    }

    /// Skills without a single note.
    pub fn uncovered(&self) -> impl Iterator<Item = &SkillCoverage> {
        self.skills.iter().filter(|s| s.notes == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::parse::parse_file;

    #[test]
    fn counts_roll_up_and_shares_follow() {
        let outline = Outline::parse(
            "o.toml",
            r#"
[[domain]]
id = "a"
title = "A"
weight_min = 70
weight_max = 90
[[domain.objective]]
id = "a1"
title = "A1"
skills = [{ id = "s1", title = "S1" }, { id = "s2", title = "S2" }]
[[domain]]
id = "b"
title = "B"
weight_min = 10
weight_max = 30
[[domain.objective]]
id = "b1"
title = "B1"
skills = [{ id = "s3", title = "S3" }]
"#,
        )
        .unwrap();
        let text = "## q1 {#q1 skill=s1}\n\na\n\n## q2 {#q2 skill=s1}\n\na\n\n## q3 {#q3 skill=s3}\n\na\n\n## q4 {#q4 skill=s1}\n\na\n";
        let notes: Vec<DeckNote> = parse_file("x.md", text)
            .notes
            .into_iter()
            .map(|note| DeckNote {
                path: "x.md".into(),
                note,
            })
            .collect();
        let c = Coverage::of(&outline, &notes);
        assert_eq!(c.domains[0].notes, 3);
        assert_eq!(c.domains[0].share, 75.0);
        assert_eq!(c.domains[1].share, 25.0);
        assert_eq!(
            c.uncovered().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["s2"]
        );
        assert_eq!(
            c.objectives[1],
            ObjectiveCoverage {
                id: "b1".into(),
                domain: "b".into(),
                notes: 1
            }
        );
    }
}
