"""Baselines for the export benchmark: the same notes written by genanki, three ways.

Usage:
  genanki_export.py prepare SKILLDECK_PACKAGE OUTPUT_DIR
      Keeps the collection of skilldeck's package as OUTPUT_DIR/rendered.anki2 (the note
      types, and the fields as skilldeck rendered them), then prints the names of the runs.
  genanki_export.py run NAME OUTPUT_DIR SKILLDECK_DB OUTPUT_FILE
      One run, in its own process: the benchmark times the whole process (start-up, imports,
      reading the notes, rendering, packaging), as it times skilldeck's. Prints one JSON object:
      {"name", "peak_mib", "notes"}.

The runs:
1. "packaging only": genanki writes the fields exactly as skilldeck rendered them, under note
   types with the same fields.
2. "from Markdown": the genanki pipeline a Markdown deck needs, from the same Markdown notes in
   skilldeck's database, with code highlighted inline by Pygments, then genanki. Two Markdown
   libraries: Python-Markdown (the common one) and mistune (a fast one).
"""

import json
import resource
import sqlite3
import sys
import zipfile

import genanki


def models_from(rendered):
    db = sqlite3.connect(rendered)
    models_json = json.loads(db.execute("select models from col").fetchone()[0])
    db.close()
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
    return models


def packaging_only(rendered, _database, output):
    models = models_from(rendered)
    db = sqlite3.connect(rendered)
    rows = db.execute("select guid, mid, tags, flds from notes").fetchall()
    db.close()
    deck = genanki.Deck(2059400110, "Benchmark")
    for guid, mid, tags, flds in rows:
        deck.add_note(genanki.Note(model=models[mid], fields=flds.split("\x1f"), tags=tags.split(), guid=guid))
    genanki.Package(deck).write_to_file(output)
    return len(rows)


def python_markdown():
    """Python-Markdown with fenced code, tables and inline-styled Pygments highlighting."""
    import markdown

    md = markdown.Markdown(extensions=["fenced_code", "tables", "codehilite"], extension_configs={"codehilite": {"noclasses": True, "pygments_style": "monokai"}})

    def html(text):
        md.reset()
        return md.convert(text)

    return html


def mistune_markdown():
    """mistune (a fast pure-Python Markdown parser) with tables, code highlighted by Pygments."""
    import mistune
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    formatter = HtmlFormatter(noclasses=True, style="monokai")

    class Highlighting(mistune.HTMLRenderer):
        def block_code(self, code, info=None):
            try:
                lexer = get_lexer_by_name((info or "").split()[0]) if info else None
            except ClassNotFound:
                lexer = None
            if lexer is None:
                return super().block_code(code, info)
            return highlight(code, lexer, formatter)

    return mistune.create_markdown(renderer=Highlighting(escape=True), plugins=["table", "strikethrough"])


RENDERERS = {"from Markdown (Python-Markdown)": python_markdown, "from Markdown (mistune)": mistune_markdown}


def from_markdown(name, rendered, database, output):
    models = models_from(rendered)
    by_name = {m.name: m for m in models.values()}
    db = sqlite3.connect(database)
    notes = db.execute("select kind, title, prompt, answer, choices, tags, guid, source_path, source_line from notes where retired_at is null order by position").fetchall()
    db.close()
    html = RENDERERS[name]()
    deck = genanki.Deck(2059400110, "Benchmark")
    for kind, title, prompt, answer, choices, tags, guid, path, line in notes:
        source = f"{path}:{line}"
        if kind in ("basic", "reversed"):
            model = by_name["skilldeck Basic" if kind == "basic" else "skilldeck Basic+reversed"]
            fields = [html(prompt), html(answer), "", source]
        elif kind == "cloze":
            model = by_name["skilldeck Cloze"]
            fields = [html(prompt), title, html(answer), "", source]
        else:
            model = by_name["skilldeck Choice"]
            options = json.loads(choices)
            items = "".join(f"<li>{html(o['text'])}</li>" for o in options)
            correct = "<br>".join(html(o["text"]) for o in options if o["correct"])
            fields = [html(prompt), f'<ol class="options">{items}</ol>', correct, html(answer), "", source]
        deck.add_note(genanki.Note(model=model, fields=fields, tags=json.loads(tags), guid=guid))
    genanki.Package(deck).write_to_file(output)
    return len(notes)


def main(argv):
    if argv[0] == "prepare":
        package, out_dir = argv[1:3]
        with zipfile.ZipFile(package) as z, open(f"{out_dir}/rendered.anki2", "wb") as out:
            out.write(z.read("collection.anki2"))
        for name in ["packaging only", *RENDERERS]:
            print(name)
        return
    name, out_dir, database, output = argv[1:5]
    rendered = f"{out_dir}/rendered.anki2"
    if name == "packaging only":
        notes = packaging_only(rendered, database, output)
    else:
        notes = from_markdown(name, rendered, database, output)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"name": name, "peak_mib": peak, "notes": notes}))


if __name__ == "__main__":
    main(sys.argv[1:])
