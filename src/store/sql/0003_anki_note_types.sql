-- Schema 3: a deck converted from Anki keeps the note types its notes came from (the deck's
-- anki.json), so an export can write those notes under their original note types and Anki
-- updates them in place.

ALTER TABLE decks ADD COLUMN anki_json TEXT;
