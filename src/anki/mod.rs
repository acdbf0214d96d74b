//! Anki interchange: `export` writes a deck as a legacy `.apkg` (`write_package` assembles it,
//! `note_rows` makes each note's row, `package` writes the collection and the zip), `read`
//! opens packages from strangers, `import` reads their review log, `convert` and `markdown`
//! turn an Anki deck into a skilldeck deck, `html` renders Markdown for cards and `notetypes`
//! defines skilldeck's four note types.

pub mod convert;
pub mod export;
pub mod html;
pub mod import;
pub mod markdown;
mod media;
mod note_rows;
pub mod notetypes;
pub mod package;
pub mod read;
mod scheduling;

pub use export::{ExportContext, Exported, stable_id, write_package};
