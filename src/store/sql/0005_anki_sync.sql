-- What skilldeck knows of the Anki sync server's collection (see the design notes, "Sync").

-- One row once a sync has finished: which account, the server's schema stamp and modification
-- time seen last, the usn the next sync starts from, the collection's creation time, and a
-- mark of the local database as that sync left it (unchanged mark + unchanged server = nothing
-- to do).
CREATE TABLE sync_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  endpoint   TEXT    NOT NULL,
  user       TEXT    NOT NULL,
  scm        INTEGER NOT NULL,
  server_mod INTEGER NOT NULL,
  next_usn   INTEGER NOT NULL,
  crt        INTEGER NOT NULL,
  local_mark TEXT    NOT NULL,
  synced_at  INTEGER NOT NULL,
  media_usn  INTEGER NOT NULL DEFAULT 0
);

-- Every object the server holds, ours and the user's other Anki decks alike: the sanity check
-- compares whole-collection counts, and reviews from other devices are matched through the
-- notes' GUIDs and the cards' ordinals.
CREATE TABLE sync_notes (id INTEGER PRIMARY KEY, guid TEXT NOT NULL);
CREATE TABLE sync_cards (id INTEGER PRIMARY KEY, nid INTEGER NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE sync_revlog (id INTEGER PRIMARY KEY);
CREATE TABLE sync_graves (oid INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (oid, kind));
-- Note types ('model'), decks ('deck') and deck options ('dconf').
CREATE TABLE sync_objects (kind TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (kind, id));

-- What skilldeck last sent of each of its own objects and rows (without mod and usn), so a
-- sync sends only what changed, and a retired note's cards can be sent again suspended.
CREATE TABLE sync_pushed (
  kind TEXT    NOT NULL,
  id   INTEGER NOT NULL,
  row  TEXT    NOT NULL,
  PRIMARY KEY (kind, id)
);
