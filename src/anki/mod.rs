//! Anki interchange: `export` writes a deck as a legacy `.apkg` (`build_package` assembles it,
//! `package` writes it), `read` opens packages from strangers (`guard` bounds what their SQL may
//! do), `import` reads their review log (`known` tells which answers we have), `convert` and
//! `markdown` turn an Anki deck into a skilldeck deck, `html` renders Markdown for cards and
//! `notetypes` defines skilldeck's four note types.

pub mod convert;
pub mod export;
mod guard;
pub mod html;
pub mod import;
pub mod known;
pub mod markdown;
mod media;
pub mod notetypes;
pub mod package;
pub mod read;
mod scheduling;

pub use export::{ExportContext, build_package, stable_id};
