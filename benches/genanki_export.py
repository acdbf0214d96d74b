"""Baseline for the export benchmark: the same notes written by genanki.

Usage: genanki_export.py SKILLDECK_PACKAGE OUTPUT

Reads the notes (fields, tags, GUIDs, note types) of a package skilldeck wrote, then writes
them again with genanki under note types with the same fields. Prints JSON: the seconds genanki
took (building notes and writing the file, reading excluded) and the process's peak memory.
"""

import json
import resource
import sqlite3
import sys
import tempfile
import time
import zipfile

import genanki


def main(source, output):
    folder = tempfile.mkdtemp()
    with zipfile.ZipFile(source) as z:
        z.extract("collection.anki2", folder)
    db = sqlite3.connect(f"{folder}/collection.anki2")
    models_json = json.loads(db.execute("select models from col").fetchone()[0])
    rows = db.execute("select guid, mid, tags, flds from notes").fetchall()
    db.close()

    started = time.perf_counter()
    models = {}
    for mid, m in models_json.items():
        models[int(mid)] = genanki.Model(
            int(mid),
            m["name"],
            fields=[{"name": f["name"]} for f in m["flds"]],
            templates=[{"name": t["name"], "qfmt": t["qfmt"], "afmt": t["afmt"]} for t in m["tmpls"]],
            css=m["css"],
            model_type=genanki.Model.CLOZE if m["type"] == 1 else genanki.Model.FRONT_BACK,
        )
    deck = genanki.Deck(2059400110, "Benchmark")
    for guid, mid, tags, flds in rows:
        deck.add_note(genanki.Note(model=models[mid], fields=flds.split("\x1f"), tags=tags.split(), guid=guid))
    genanki.Package(deck).write_to_file(output)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "notes": len(rows)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
