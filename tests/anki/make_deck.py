"""Makes an ordinary Anki deck, the way a user would in Anki, for the --to-markdown tests.

Usage: make_deck.py OUT.apkg [--current]

Stock note types (Basic, Basic (and reversed card), Cloze), a deck tree, tags, HTML formatting,
an image, then an export without scheduling: legacy (schema 11), or with --current the
current format (anki21b, schema 18).
"""

import os
import sys
import tempfile

from anki.collection import Collection, ExportAnkiPackageOptions
from anki.import_export_pb2 import ExportLimit

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082"
)


def main(out, legacy=True):
    folder = tempfile.mkdtemp()
    col = Collection(os.path.join(folder, "user.anki2"))
    try:
        verbs = col.decks.id("Spanish::Verbs")
        nouns = col.decks.id("Spanish::Nouns")
        image = col.media.write_data("casa.png", PNG)
        basic = col.models.by_name("Basic")
        reversed_ = col.models.by_name("Basic (and reversed card)")
        cloze = col.models.by_name("Cloze")

        def add(model, deck, fields, tags):
            note = col.new_note(model)
            for i, value in enumerate(fields):
                note.fields[i] = value
            note.tags = tags
            col.add_note(note, deck)

        add(basic, verbs, ["<b>hablar</b>", "to speak<br>(regular -ar verb)"], ["verbs", "regular"])
        add(basic, verbs, ["comer &amp; beber", "<ul><li>to eat</li><li>to drink</li></ul>"], ["verbs"])
        add(reversed_, nouns, ["la casa", f'the house <img src="{image}">'], ["nouns"])
        add(cloze, nouns, ["El {{c1::perro}} come la {{c2::comida::food}}.", "Dog eats food."], ["nouns", "cloze"])
        add(basic, nouns, ["<i>el libro</i>", "the book"], [])
        options = ExportAnkiPackageOptions(with_scheduling=False, with_media=True, legacy=legacy, with_deck_configs=False)
        col.export_anki_package(out_path=out, options=options, limit=ExportLimit())
    finally:
        col.close()


if __name__ == "__main__":
    main(sys.argv[1], legacy="--current" not in sys.argv)
