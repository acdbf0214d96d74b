//! The files of a new deck (pure): `deck.toml`, the outline template, one example note of each
//! kind, a README for contributors, the license text and a GitHub Actions workflow that runs
//! `skilldeck check --format github`. `skilldeck new` writes them; the texts live beside this
//! file so they read as what they are.

use license::License;

use crate::types::DeckId;

/// The outline written when the author has none yet: one domain, objective and skill.
pub const OUTLINE_TEMPLATE: &str = include_str!("skeleton/outline.toml");
/// The skill the template's example notes use.
pub const TEMPLATE_SKILL: &str = "first-skill";
/// Where the workflow goes, relative to the deck folder (the repository's root).
pub const WORKFLOW_PATH: &str = ".github/workflows/check.yml";
/// Where the example notes go.
pub const EXAMPLES_PATH: &str = "notes/examples.md";

const EXAMPLES: &str = include_str!("skeleton/examples.md");
const README: &str = include_str!("skeleton/README.md");
const WORKFLOW: &str = include_str!("skeleton/check.yml");

/// The licenses `new --license` knows, by SPDX id: those that suit a deck's content.
const LICENSES: [&dyn License; 8] = [
    &license::licenses::CcBySa4_0,
    &license::licenses::CcBy4_0,
    &license::licenses::Cc0_1_0,
    &license::licenses::CcByNcSa4_0,
    &license::licenses::CcByNc4_0,
    &license::licenses::CcByNd4_0,
    &license::licenses::CcByNcNd4_0,
    &license::licenses::Mit,
];

/// The license of a new deck unless the author picks another.
pub const DEFAULT_LICENSE: &str = "CC-BY-SA-4.0";

/// A license a new deck can have: its SPDX id (in SPDX's spelling), name and full text.
pub fn license(id: &str) -> Option<&'static dyn License> {
    LICENSES
        .into_iter()
        .find(|l| l.id().eq_ignore_ascii_case(id.trim()))
}

/// The SPDX ids [`license`] knows, for messages.
pub fn license_ids() -> Vec<&'static str> {
    LICENSES.iter().map(|l| l.id()).collect()
}

/// What a new deck is made from.
#[derive(Debug, Clone)]
pub struct Skeleton<'a> {
    pub id: &'a DeckId,
    pub name: &'a str,
    pub license: &'static dyn License,
    /// The skill the example notes name (the outline's first).
    pub skill: &'a str,
    /// Where the workflow installs skilldeck from, when known.
    pub skilldeck_git: Option<&'a str>,
}

impl Skeleton<'_> {
    /// `deck.toml`.
    pub fn manifest(&self) -> String {
        let quoted = |s: &str| toml::Value::String(s.to_owned()).to_string();
        format!(
            "# The deck's identity. `id` is the namespace of every note id and Anki GUID: never\n\
             # change it once the deck is published. Raise `version` with each release.\n\
             id = {}\n\
             name = {}\n\
             version = \"0.1.0\"\n\
             description = \"\"\n\
             license = {}\n\
             authors = []\n\
             outline = \"outline.toml\"\n",
            quoted(self.id.as_str()),
            quoted(self.name),
            quoted(self.license.id()),
        )
    }

    /// One example note of each kind, under the given skill.
    pub fn examples(&self) -> String {
        EXAMPLES.replace("@SKILL@", self.skill)
    }

    /// The README for contributors.
    pub fn readme(&self) -> String {
        let install = match self.skilldeck_git {
            Some(url) => format!("`cargo install --locked --git {url} skilldeck`"),
            None => "see skilldeck's own README".to_owned(),
        };
        README
            .replace("@NAME@", self.name)
            .replace("@ID@", self.id.as_str())
            .replace("@INSTALL@", &install)
            .replace("@LICENSE_NAME@", self.license.name())
            .replace("@LICENSE@", self.license.id())
    }

    /// The license text.
    pub fn license_text(&self) -> String {
        let text = self.license.text();
        if text.ends_with('\n') {
            text.to_owned()
        } else {
            format!("{text}\n")
        }
    }

    /// The GitHub Actions workflow: `skilldeck check --format github` on every pull request
    /// and push.
    pub fn workflow(&self) -> String {
        // A YAML single-quoted string doubles its quotes; GitHub's expression strings too.
        let source = match self.skilldeck_git {
            Some(url) => format!("vars.SKILLDECK_GIT || '{}'", url.replace('\'', "''")),
            None => "vars.SKILLDECK_GIT".to_owned(),
        };
        WORKFLOW.replace("vars.SKILLDECK_GIT || '@SKILLDECK_GIT@'", &source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licenses_are_found_by_spdx_id_in_any_case() {
        let l = license("cc-by-sa-4.0").unwrap();
        assert_eq!(l.id(), DEFAULT_LICENSE);
        assert!(
            l.text()
                .contains("Attribution-ShareAlike 4.0 International")
        );
        assert_eq!(license("MIT").unwrap().id(), "MIT");
        assert!(license("GPL-3.0-only").is_none());
        assert_eq!(license_ids().len(), 8);
    }

    #[test]
    fn the_manifest_quotes_what_the_author_typed() {
        let id = DeckId::parse("my-deck").unwrap();
        let s = Skeleton {
            id: &id,
            name: "A \"quoted\" name",
            license: license(DEFAULT_LICENSE).unwrap(),
            skill: TEMPLATE_SKILL,
            skilldeck_git: None,
        };
        let m = crate::deck::manifest::parse("deck.toml", &s.manifest()).unwrap();
        assert_eq!(m.name, "A \"quoted\" name");
        assert_eq!(m.license, "CC-BY-SA-4.0");
        assert_eq!(m.outline.as_deref(), Some("outline.toml"));
        assert!(
            s.workflow()
                .contains("SKILLDECK_GIT: ${{ vars.SKILLDECK_GIT }}\n")
        );
        let s = Skeleton {
            skilldeck_git: Some("https://example.org/it's.git"),
            ..s
        };
        assert!(s.workflow().contains(
            "SKILLDECK_GIT: ${{ vars.SKILLDECK_GIT || 'https://example.org/it''s.git' }}\n"
        ));
    }
}
