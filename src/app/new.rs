//! `skilldeck new DIR --id ID`: a deck skeleton that passes `check` — deck.toml, the outline
//! (copied from `--outline` or a commented template), one example note of each kind, a README
//! for contributors, the license text and a GitHub Actions workflow running `check`. Written
//! as a partial folder beside DIR and renamed into place, so a failure leaves nothing.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::deck::load::MAX_FILE_BYTES;
use crate::deck::skeleton::{self, Skeleton};
use crate::error::{Error, Result};
use crate::outline::Outline;
use crate::types::DeckId;

/// What `new` was asked for.
pub struct NewDeck {
    pub dir: PathBuf,
    pub id: String,
    pub outline: Option<PathBuf>,
    pub name: Option<String>,
    pub license: String,
    pub skilldeck_git: Option<String>,
}

/// `skilldeck new`.
pub fn new_deck(args: NewDeck) -> Result<()> {
    let id = DeckId::parse(&args.id).ok_or_else(|| {
        Error::user(format!(
            "deck id `{}` is not a slug: use lowercase letters, digits and `-`, e.g. `az-400`",
            args.id
        ))
    })?;
    let license = skeleton::license(&args.license).ok_or_else(|| {
        Error::user(format!(
            "unknown license `{}`; choose one of {}",
            args.license,
            skeleton::license_ids().join(", ")
        ))
    })?;
    let dir = &args.dir;
    if !crate::partial::is_free_for_dir(dir) {
        return Err(Error::user(format!(
            "{}: already exists and is not empty; `new` starts a deck in a new folder",
            dir.display()
        )));
    }
    let (outline_text, skill) = match &args.outline {
        Some(path) => {
            let text = read_outline(path)?;
            let outline = Outline::parse(&path.to_string_lossy(), &text).map_err(|problems| {
                let located: Vec<String> = problems.iter().map(|d| d.located()).collect();
                Error::user(format!(
                    "the outline has errors; nothing was written\n{}",
                    located.join("\n")
                ))
            })?;
            let Some((_, first)) = outline.skills().next() else {
                return Err(Error::user(format!(
                    "{}: the outline has no skill, and every note needs one",
                    path.display()
                )));
            };
            let first = first.id.clone();
            (text, first)
        }
        None => (
            skeleton::OUTLINE_TEMPLATE.to_owned(),
            skeleton::TEMPLATE_SKILL.to_owned(),
        ),
    };
    let name = args.name.clone().unwrap_or_else(|| id.to_string());
    let repository = env!("CARGO_PKG_REPOSITORY");
    let skilldeck_git = args
        .skilldeck_git
        .as_deref()
        .or((!repository.is_empty()).then_some(repository));
    let deck = Skeleton {
        id: &id,
        name: &name,
        license,
        skill: &skill,
        skilldeck_git,
    };
    let files: [(&str, String); 6] = [
        ("deck.toml", deck.manifest()),
        ("outline.toml", outline_text),
        (skeleton::EXAMPLES_PATH, deck.examples()),
        ("README.md", deck.readme()),
        ("LICENSE", deck.license_text()),
        (skeleton::WORKFLOW_PATH, deck.workflow()),
    ];
    let partial = crate::partial::dir_beside(dir)?;
    for (rel, text) in &files {
        let path = partial.path().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    }
    crate::partial::persist_dir(partial, dir)?;
    let mut out = crate::sanitize::stdout();
    let _ = writeln!(out, "{id}: new deck in {}", dir.display());
    for (rel, _) in &files {
        let _ = writeln!(out, "  {rel}");
    }
    let _ = writeln!(
        out,
        "next: `skilldeck check {}`, then replace the example notes{}",
        dir.display(),
        if args.outline.is_none() {
            " and the outline"
        } else {
            ""
        }
    );
    if skilldeck_git.is_none() {
        let _ = writeln!(
            out,
            "the workflow installs skilldeck from the repository variable SKILLDECK_GIT: set it to skilldeck's git address (or pass --skilldeck-git URL to `new`)"
        );
    }
    Ok(())
}

/// Reads an outline file, refusing one larger than a Markdown file may be.
fn read_outline(path: &Path) -> Result<String> {
    let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::user(format!(
            "{}: the outline is {} bytes; the limit is {MAX_FILE_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::user(format!(
            "{}: the outline is not valid UTF-8",
            path.display()
        ))
    })
}
