"""A skilldeck export's trip through Anki, for skilldeck's duplicate-review tests.

Usage: reexport.py SKILLDECK_PACKAGE OUT_DIR

Imports the package with its scheduling into a fresh collection of the real Anki library, then
exports the collection again with scheduling, in the legacy (legacy.apkg) and the current
(current.apkg) format. Prints JSON: the review log Anki holds, as [id, ease] pairs in id order.
"""

import json
import os
import sys
import tempfile

from anki.collection import Collection, ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ExportLimit


def main(package, out_dir):
    col = Collection(os.path.join(tempfile.mkdtemp(), "trip.anki2"))
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=package, options=options))
        for legacy, name in [(True, "legacy.apkg"), (False, "current.apkg")]:
            options = ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy, with_deck_configs=False)
            col.export_anki_package(out_path=os.path.join(out_dir, name), options=options, limit=ExportLimit())
        print(json.dumps({"revlog": col.db.all("select id, ease from revlog order by id")}))
    finally:
        col.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
