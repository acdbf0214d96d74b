//! Anki interchange: `export` writes a deck as a legacy `.apkg` (`write_package` assembles it,
//! `note_rows` makes each note's row, `package` writes the collection and the zip), `read`
//! opens packages from strangers (`guard` bounds what their SQL may do), `import` reads their
//! review log (`known` tells which answers we have), `convert` and `markdown` turn an Anki deck
//! into a skilldeck deck, `html` renders Markdown for cards and `notetypes` defines skilldeck's
//! four note types.

pub mod convert;
pub mod export;
mod guard;
pub mod html;
pub mod import;
pub mod known;
pub mod markdown;
pub(crate) mod media;
mod note_rows;
pub mod notetypes;
pub mod package;
pub mod read;
mod scheduling;
pub mod sync;

pub use export::{ExportContext, Exported, RowSink, stable_id, write_package, write_rows};
