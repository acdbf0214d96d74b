"""Baselines for the export benchmark: the same notes written by genanki, three ways.

Usage: genanki_export.py SKILLDECK_PACKAGE SKILLDECK_DB OUTPUT_DIR

1. "packaging only": genanki writes the fields exactly as skilldeck rendered them (read back
   from skilldeck's package), under note types with the same fields. Reading is not timed.
2. "from Markdown": the genanki pipeline a Markdown deck needs, from the same Markdown notes in
   skilldeck's database, with code highlighted inline by Pygments, then genanki. Two Markdown
   libraries: Python-Markdown (the common one) and mistune (a fast one). Reading is not timed.

Each runs in a fresh process (this script calls itself), so each peak memory is its own.
Prints one JSON object per line: {"name", "seconds", "peak_mib", "notes", "file"}.
"""

import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile

import genanki


def models_from(package):
    folder = tempfile.mkdtemp()
    with zipfile.ZipFile(package) as z:
        z.extract("collection.anki2", folder)
    db = sqlite3.connect(f"{folder}/collection.anki2")
    models_json = json.loads(db.execute("select models from col").fetchone()[0])
    rows = db.execute("select guid, mid, tags, flds from notes").fetchall()
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
    return models, rows


def packaging_only(package, output):
    models, rows = models_from(package)
    started = time.perf_counter()
    deck = genanki.Deck(2059400110, "Benchmark")
    for guid, mid, tags, flds in rows:
        deck.add_note(genanki.Note(model=models[mid], fields=flds.split("\x1f"), tags=tags.split(), guid=guid))
    genanki.Package(deck).write_to_file(output)
    return time.perf_counter() - started, len(rows)


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


def from_markdown(name, package, database, output):
    models, _ = models_from(package)
    by_name = {m.name: m for m in models.values()}
    db = sqlite3.connect(database)
    notes = db.execute("select kind, title, prompt, answer, choices, tags, guid, source_path, source_line from notes where retired_at is null order by position").fetchall()
    db.close()
    started = time.perf_counter()
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
    return time.perf_counter() - started, len(notes)


def main(argv):
    if argv[0] == "--run":
        name, package, database, output = argv[1:5]
        if name == "packaging only":
            seconds, notes = packaging_only(package, output)
        else:
            seconds, notes = from_markdown(name, package, database, output)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"name": name, "seconds": seconds, "peak_mib": peak, "notes": notes, "file": output}))
        return
    package, database, out_dir = argv
    runs = [("packaging only", "genanki-packaging.apkg")] + [(name, f"genanki-{i}.apkg") for i, name in enumerate(RENDERERS)]
    for name, file in runs:
        result = subprocess.run([sys.executable, __file__, "--run", name, package, database, f"{out_dir}/{file}"], capture_output=True, text=True, check=True)
        print(result.stdout.strip())


if __name__ == "__main__":
    main(sys.argv[1:])
