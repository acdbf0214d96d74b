-- Schema 1: decks and their outlines, notes and cards, reviews, settings, FSRS parameters.
-- Times are milliseconds since the Unix epoch (UTC); lists are JSON text.

CREATE TABLE decks (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    description TEXT NOT NULL,
    license     TEXT NOT NULL,
    authors     TEXT NOT NULL,
    anki_deck   TEXT NOT NULL,
    root_path   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    exam        TEXT NOT NULL DEFAULT '',
    built_at    INTEGER NOT NULL,
    exam_date   TEXT,
    desired_retention REAL
);

CREATE TABLE domains (
    deck       INTEGER NOT NULL REFERENCES decks(id),
    id         TEXT NOT NULL,
    title      TEXT NOT NULL,
    weight_min REAL NOT NULL,
    weight_max REAL NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (deck, id)
);

CREATE TABLE objectives (
    deck     INTEGER NOT NULL REFERENCES decks(id),
    id       TEXT NOT NULL,
    domain   TEXT NOT NULL,
    title    TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (deck, id)
);

CREATE TABLE skills (
    deck      INTEGER NOT NULL REFERENCES decks(id),
    id        TEXT NOT NULL,
    objective TEXT NOT NULL,
    title     TEXT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (deck, id)
);

CREATE TABLE source_files (
    deck     INTEGER NOT NULL REFERENCES decks(id),
    path     TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash     TEXT NOT NULL,
    title    TEXT,
    PRIMARY KEY (deck, path)
);

CREATE TABLE notes (
    id                 INTEGER PRIMARY KEY,
    deck               INTEGER NOT NULL REFERENCES decks(id),
    note_id            TEXT NOT NULL,
    guid               TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('basic', 'reversed', 'cloze', 'choice')),
    skill              TEXT,
    tags               TEXT NOT NULL,
    title              TEXT NOT NULL,
    prompt             TEXT NOT NULL,
    answer             TEXT NOT NULL,
    choices            TEXT NOT NULL,
    content_hash       TEXT NOT NULL,
    source_path        TEXT NOT NULL,
    source_line        INTEGER NOT NULL,
    position           INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    content_changed_at INTEGER NOT NULL,
    retired_at         INTEGER,
    UNIQUE (deck, note_id)
);
CREATE INDEX notes_by_file ON notes (deck, source_path);

CREATE TABLE cards (
    id            INTEGER PRIMARY KEY,
    note          INTEGER NOT NULL REFERENCES notes(id),
    ord           INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new'
                  CHECK (state IN ('new', 'learning', 'review', 'relearning')),
    stability     REAL,
    difficulty    REAL,
    due           INTEGER,
    last_review   INTEGER,
    reps          INTEGER NOT NULL DEFAULT 0,
    lapses        INTEGER NOT NULL DEFAULT 0,
    suspended     INTEGER NOT NULL DEFAULT 0,
    buried_until  INTEGER,
    retired_at    INTEGER,
    UNIQUE (note, ord)
);
CREATE INDEX cards_by_due ON cards (due) WHERE retired_at IS NULL;

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    card         INTEGER NOT NULL REFERENCES cards(id),
    reviewed_at  INTEGER NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    elapsed_days REAL NOT NULL CHECK (elapsed_days >= 0),
    duration_ms  INTEGER NOT NULL CHECK (duration_ms >= 0),
    source       TEXT NOT NULL CHECK (source IN ('terminal', 'anki')),
    anki_id      INTEGER,
    card_before  TEXT
);
CREATE INDEX reviews_by_card ON reviews (card, reviewed_at);
CREATE UNIQUE INDEX reviews_by_anki_id ON reviews (anki_id) WHERE anki_id IS NOT NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE fsrs_params (
    id         INTEGER PRIMARY KEY,
    deck       INTEGER REFERENCES decks(id),
    params     TEXT NOT NULL,
    log_loss   REAL,
    created_at INTEGER NOT NULL
);
