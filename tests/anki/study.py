"""Makes Anki packages with real review history, for skilldeck's import tests.

Usage: study.py SKILLDECK_PACKAGE OUT_DIR [DAYS]

Imports a skilldeck export into a fresh collection with FSRS on and no learning steps, then
studies for DAYS simulated days with Anki's own scheduler: each day it answers every due and
new card (a fixed pattern of Again/Hard/Good/Easy), then moves the whole history one day into
the past (review times, FSRS last-review times, due days), as if a day had gone by. Finally it
exports the collection with scheduling in both formats, legacy (schema 11) and current
(anki21b), and prints JSON: the review count, and each card's GUID, ordinal, FSRS stability
and difficulty, reps and lapses, and its review log.
"""

import json
import os
import sys
import tempfile

from anki.collection import Collection, ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ExportLimit
from anki.scheduler_pb2 import CardAnswer

RATINGS = [CardAnswer.GOOD, CardAnswer.AGAIN, CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.HARD, CardAnswer.GOOD]
DAY_MS = 86_400_000


def shift_one_day(col):
    """Moves every review, last-review time and due day one day back."""
    col.db.execute("update revlog set id = id - ?", DAY_MS)
    for cid, data, queue, due in col.db.all("select id, data, queue, due from cards"):
        if data:
            d = json.loads(data)
            if "lrt" in d:
                d["lrt"] -= 86_400
            data = json.dumps(d, separators=(",", ":"))
        if queue in (2, 3):
            due -= 1
        elif queue == 1:
            due -= 86_400
        col.db.execute("update cards set data = ?, due = ? where id = ?", data, due, cid)


def main(package, out_dir, days):
    folder = tempfile.mkdtemp()
    col = Collection(os.path.join(folder, "study.anki2"))
    try:
        col.set_config("fsrs", True)
        conf = col.decks.config_dict_for_deck_id(1)
        conf["new"]["delays"] = []
        conf["lapse"]["delays"] = []
        conf["new"]["perDay"] = 1000
        conf["rev"]["perDay"] = 1000
        col.decks.update_config(conf)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=package, options=ImportAnkiPackageOptions()))
        roots = []
        for did in col.decks.all_names_and_ids():
            deck = col.decks.get(did.id)
            deck["conf"] = 1
            col.decks.save(deck)
            if did.name != "Default" and "::" not in did.name:
                roots.append(did.id)
        # Study the imported deck tree.
        col.decks.select(roots[0])
        turn = 0
        for day in range(days):
            answered = set()
            while True:
                queued = col.sched.get_queued_cards(fetch_limit=1)
                if not queued.cards:
                    break
                card = col.get_card(queued.cards[0].card.id)
                if card.id in answered and day > 0:
                    break
                answered.add(card.id)
                card.start_timer()
                rating = RATINGS[turn % len(RATINGS)]
                turn += 1
                states = col._backend.get_scheduling_states(card.id)
                col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))
                if len(answered) > 200:
                    break
            if day < days - 1:
                shift_one_day(col)
        cards = []
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            memory = card.memory_state
            revlog = col.db.all("select id, ease, type from revlog where cid = ? order by id", cid)
            cards.append({
                "guid": card.note().guid,
                "ord": card.ord,
                "s": memory.stability if memory else None,
                "d": memory.difficulty if memory else None,
                "reps": card.reps,
                "lapses": card.lapses,
                "revlog": revlog,
            })
        report = {"reviews": col.db.scalar("select count() from revlog"), "cards": cards}
        for legacy, name in [(True, "legacy.apkg"), (False, "current.apkg")]:
            options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy, with_deck_configs=False)
            col.export_anki_package(out_path=os.path.join(out_dir, name), options=options, limit=ExportLimit())
        # A whole-collection backup as AnkiDroid makes them (this closes the collection).
        col.export_collection_package(os.path.join(out_dir, "whole.colpkg"), include_media=True, legacy=False)
        print(json.dumps(report))
    finally:
        if col.db:
            col.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 4)
