-- Schema 4: community decks. A subscription says where a deck comes from (`kind`: a git URL, a
-- deck folder, an Anki package; `source` as the user gave it) and where its files are (`path`:
-- the clone or converted folder skilldeck keeps beside the database, or the user's own
-- folder). A removed deck keeps its rows and history but is neither built nor studied.

CREATE TABLE subscriptions (
    deck       INTEGER PRIMARY KEY REFERENCES decks(id),
    kind       TEXT NOT NULL CHECK (kind IN ('git', 'folder', 'apkg')),
    source     TEXT NOT NULL,
    path       TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

ALTER TABLE decks ADD COLUMN removed_at INTEGER;
