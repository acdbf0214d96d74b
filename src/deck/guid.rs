//! A note's Anki GUID, part of its identity: fixed by the deck id and the note id, so every
//! export and every sync names the same note the same way. A note converted from Anki
//! (`anki-<hex>` ids) carries its original GUID in its id.

use crate::types::{DeckId, NoteId};

/// The stable Anki GUID of a note: the GUID a converted Anki note carries in its id
/// (`anki-<hex>`), else a hash of (deck id, note id), in base 62.
pub fn guid(deck: &DeckId, note: &NoteId) -> String {
    if let Some(guid) = guid_from_note_id(note.as_str()) {
        return guid;
    }
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = blake3::Hasher::new();
    h.update(deck.as_str().as_bytes());
    h.update(&[0]);
    h.update(note.as_str().as_bytes());
    let bytes = h.finalize();
    let mut n = u64::from_le_bytes(bytes.as_bytes()[..8].try_into().unwrap_or([0; 8]));
    let mut out = Vec::with_capacity(11);
    while n > 0 {
        out.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The note id that carries an Anki GUID.
pub fn note_id_for_guid(guid: &str) -> String {
    let hex: String = guid.bytes().map(|b| format!("{b:02x}")).collect();
    format!("anki-{hex}")
}

/// The Anki GUID a note id carries, if it is one made by [`note_id_for_guid`].
pub fn guid_from_note_id(id: &str) -> Option<String> {
    let hex = id.strip_prefix("anki-")?;
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()
        .filter(|g| !g.is_empty() && !g.chars().any(char::is_control))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_round_trip_through_note_ids() {
        for guid in ["2tffxSHqgVD", "a{b}c#d", "ÿ-ü"] {
            let id = note_id_for_guid(guid);
            assert!(crate::types::is_slug(&id), "{id}");
            assert_eq!(guid_from_note_id(&id).as_deref(), Some(guid));
        }
        assert_eq!(guid_from_note_id("anki-zz"), None);
        assert_eq!(guid_from_note_id("my-note"), None);
    }

    #[test]
    fn guids_are_eleven_base62_characters_fixed_by_deck_and_note() {
        let deck = DeckId::parse("az-400").unwrap();
        let note = NoteId::parse("ci-trigger").unwrap();
        let a = guid(&deck, &note);
        assert!(
            a.len() <= 11 && a.len() >= 9 && a.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{a}"
        );
        assert_eq!(a, guid(&deck, &note));
        assert_ne!(a, guid(&DeckId::parse("other").unwrap(), &note));
    }
}
