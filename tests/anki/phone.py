"""Plays the phone in skilldeck's sync tests: an Anki collection that syncs with the same
server through the Anki library, studies with Anki's own FSRS scheduler, and reports what it
holds.

Usage: phone.py COLLECTION ENDPOINT USER PASSWORD COMMAND...

Commands, run in order:
  sync          a sync as Anki does it; a fresh phone downloads the server's collection; prints
                {"required": "full_download" | "normal" | "full_needed"}: what it did, or that
                the server's collection was replaced and Anki would ask which way to go
  setup         FSRS on, no learning steps, high daily limits, on every deck option group
  study N       answers N due or new cards of the skilldeck deck tree (ratings in a fixed
                pattern), as now
  status        prints {"status": what a sync would need now}
  download      replaces the phone's collection with the server's
  full-upload   replaces the server's collection with the phone's (a schema change first, as
                Anki's "force a one-way sync" does)
  media         a media sync; prints {"media": [the media folder's file names]}
  dump          prints JSON: notes, cards (with FSRS memory), review log, decks, check database
The clock is the caller's (the tests run this under faketime).
"""

import json
import os
import sys
import time

from anki.collection import Collection
from anki.scheduler_pb2 import CardAnswer
from anki.sync_pb2 import SyncAuth

RATINGS = [CardAnswer.GOOD, CardAnswer.AGAIN, CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.HARD, CardAnswer.GOOD]
REQUIRED = {0: "no_changes", 1: "normal", 2: "full", 3: "full_download", 4: "full_upload"}


def sync(col, endpoint, user, password):
    auth = col.sync_login(user, password, endpoint)
    auth = SyncAuth(hkey=auth.hkey, endpoint=endpoint)
    status = col.sync_status(auth)
    required = REQUIRED.get(status.required, str(status.required))
    if required in ("full", "full_download") and col.card_count() == 0:
        col.close_for_full_sync()
        col.full_upload_or_download(auth=auth, server_usn=None, upload=False)
        col.reopen(after_full_sync=True)
        required = "full_download"
    else:
        # Always a sync: the quick status can miss changes made in this same process.
        out = col.sync_collection(auth, False)
        # What happened: a normal sync, or the server's collection was replaced and Anki would
        # now ask which way to go.
        required = "normal" if out.required in (0, 1) else "full_needed"
    return {"required": required}


def full_upload(col, endpoint, user, password):
    auth = col.sync_login(user, password, endpoint)
    auth = SyncAuth(hkey=auth.hkey, endpoint=endpoint)
    col.mod_schema(check=False)
    col.close_for_full_sync()
    col.full_upload_or_download(auth=auth, server_usn=None, upload=True)
    col.reopen(after_full_sync=True)
    return {}


def media(col, endpoint, user, password):
    auth = col.sync_login(user, password, endpoint)
    auth = SyncAuth(hkey=auth.hkey, endpoint=endpoint)
    col.sync_media(auth)
    while col.media_sync_status().active:
        time.sleep(0.05)
    return sorted(os.listdir(col.media.dir()))


def auth_for(col, endpoint, user, password):
    auth = col.sync_login(user, password, endpoint)
    return SyncAuth(hkey=auth.hkey, endpoint=endpoint)


def download(col, endpoint, user, password):
    auth = auth_for(col, endpoint, user, password)
    col.close_for_full_sync()
    col.full_upload_or_download(auth=auth, server_usn=None, upload=False)
    col.reopen(after_full_sync=True)


def setup(col):
    col.set_config("fsrs", True)
    for conf in col.decks.all_config():
        conf["new"]["delays"] = []
        conf["lapse"]["delays"] = []
        conf["new"]["perDay"] = 9999
        conf["rev"]["perDay"] = 9999
        col.decks.update_config(conf)
    return {}


def study(col, count):
    # The deck tree skilldeck's cards are in: the root of the first card's deck.
    first = col.get_card(col.find_cards("")[0])
    root = col.decks.name(first.did).split("::")[0]
    col.decks.select(col.decks.id_for_name(root))
    done = []
    turn = len(col.db.list("select id from revlog"))
    while len(done) < count:
        queued = col.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        card = col.get_card(queued.cards[0].card.id)
        card.start_timer()
        rating = RATINGS[turn % len(RATINGS)]
        turn += 1
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))
        done.append(card.id)
    return {"answered": len(done)}


def dump(col):
    notes = []
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes.append({"guid": note.guid, "notetype": note.note_type()["name"],
                      "fields": dict(note.items()), "tags": sorted(note.tags)})
    cards = []
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        memory = card.memory_state
        cards.append({
            "id": cid, "guid": card.note().guid, "ord": card.ord, "deck": col.decks.name(card.did),
            "queue": card.queue, "type": card.type, "due": card.due, "ivl": card.ivl, "reps": card.reps,
            "s": memory.stability if memory else None, "d": memory.difficulty if memory else None,
        })
    revlog = [{"id": r[0], "cid": r[1], "ease": r[2], "type": r[3]}
              for r in col.db.all("select id, cid, ease, type from revlog order by id")]
    options = {}
    for cid in col.find_cards(""):
        conf = col.decks.config_dict_for_deck_id(col.get_card(cid).did)
        options[conf["name"]] = {"desiredRetention": conf.get("desiredRetention"),
                                 "fsrsParams6": conf.get("fsrsParams6")}
    message, ok = col.fix_integrity()
    return {"notes": sorted(notes, key=lambda n: n["guid"]), "cards": cards, "revlog": revlog,
            "check": {"ok": ok, "message": message}, "options": options,
            "decks": sorted(d.name for d in col.decks.all_names_and_ids())}


def main(path, endpoint, user, password, commands):
    col = Collection(path)
    out = {}
    try:
        while commands:
            command = commands.pop(0)
            if command == "sync":
                out["sync"] = sync(col, endpoint, user, password)
            elif command == "full-upload":
                full_upload(col, endpoint, user, password)
            elif command == "status":
                auth = auth_for(col, endpoint, user, password)
                out["status"] = REQUIRED.get(col.sync_status(auth).required)
            elif command == "download":
                download(col, endpoint, user, password)
            elif command == "media":
                out["media"] = media(col, endpoint, user, password)
            elif command == "setup":
                setup(col)
            elif command == "study":
                out["study"] = study(col, int(commands.pop(0)))
            elif command == "dump":
                out["dump"] = dump(col)
            else:
                raise SystemExit(f"unknown command {command}")
    finally:
        col.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
