"""The real Anki library as the judge of skilldeck's packages.

Usage: judge.py [--with-scheduling] PACKAGE [PACKAGE ...]

Imports each package in turn into one fresh collection (as Anki's "Import" does, updating notes
"if newer") and prints, as JSON, what Anki made of them: the log of each import, the notes,
cards, decks, note types, media, review log and the result of Check Database.
"""

import json
import os
import re
import sys
import tempfile

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

STYLE = re.compile(r"<style>.*?</style>", re.S)


def main(argv):
    with_scheduling = "--with-scheduling" in argv
    packages = [a for a in argv if not a.startswith("--")]
    folder = tempfile.mkdtemp()
    col = Collection(os.path.join(folder, "judge.anki2"))
    try:
        imports = []
        for package in packages:
            options = ImportAnkiPackageOptions(with_scheduling=with_scheduling)
            log = col.import_anki_package(ImportAnkiPackageRequest(package_path=package, options=options)).log
            imports.append({
                "new": len(log.new),
                "updated": len(log.updated),
                "duplicate": len(log.duplicate),
                "conflicting": len(log.conflicting),
            })
        notes = []
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            notes.append({
                "guid": note.guid,
                "notetype": note.note_type()["name"],
                "fields": dict(note.items()),
                "tags": sorted(note.tags),
            })
        cards = []
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            memory = card.memory_state
            cards.append({
                "guid": card.note().guid,
                "ord": card.ord,
                "deck": col.decks.name(card.did),
                "question": STYLE.sub("", card.question()).strip(),
                "answer": STYLE.sub("", card.answer()).strip(),
                "type": card.type,
                "queue": card.queue,
                "due": card.due,
                "ivl": card.ivl,
                "reps": card.reps,
                "lapses": card.lapses,
                "memory": {"s": memory.stability, "d": memory.difficulty} if memory else None,
            })
        message, ok = col.fix_integrity()
        report = {
            "imports": imports,
            "notes": col.note_count(),
            "cards": col.card_count(),
            "decks": sorted(d.name for d in col.decks.all_names_and_ids()),
            "notetypes": sorted(m.name for m in col.models.all_names_and_ids()),
            "media": sorted(os.listdir(col.media.dir())),
            "revlog": col.db.scalar("select count() from revlog"),
            "check": {"ok": ok, "message": message},
            "notes_detail": sorted(notes, key=lambda n: n["guid"]),
            "cards_detail": sorted(cards, key=lambda c: (c["guid"], c["ord"])),
        }
        print(json.dumps(report, indent=1, sort_keys=True))
    finally:
        col.close()


if __name__ == "__main__":
    main(sys.argv[1:])
