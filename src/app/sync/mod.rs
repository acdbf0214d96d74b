//! `skilldeck sync`: the terminal and the phone share one study history through an Anki sync
//! server. `login` keeps the account's key; `run` makes one normal sync inside one local
//! transaction committed only after the server's `finish`; `theirs` records what the server
//! holds and pulls its reviews; `ours` makes what skilldeck sends.

mod full;
mod login;
mod media;
mod ours;
mod outgoing;
mod run;
mod theirs;

pub use login::account;
pub use run::{Full, sync};
