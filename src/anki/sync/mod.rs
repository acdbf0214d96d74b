//! skilldeck as a client of Anki's sync server (protocol version 11; see the design notes,
//! "Sync"): `wire` makes the bytes, `client`
//! sends them over HTTP, `credentials` keeps the login in a file only the user can read. Not to
//! be confused with `crate::sync`, which is what a build changes in the database.

pub mod client;
pub mod credentials;
pub mod media;
pub mod protocol;
pub mod wire;
