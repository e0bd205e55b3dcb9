"""The sample articles shipped inside the package, so the demo and the examples run anywhere.

>>> from newsearch import NewsIndex, sample_path
>>> ix = NewsIndex.in_memory()
>>> ix.ingest(sample_path(), progress=False).added
268

268 articles of the ANT Corpus v2.1 multi-source (Apache-2.0; the texts are © their outlets):
see :func:`attribution` for the source, the licence and what to cite.
"""

from __future__ import annotations

import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

__all__ = ["SAMPLE_NAME", "attribution", "sample_path"]

SAMPLE_NAME = "ant_sample.jsonl.gz"
_cached: Path | None = None


def sample_path() -> Path:
    """The path of the bundled sample (JSON Lines, gzip), ready for
    :meth:`NewsIndex.ingest <newsearch.index.NewsIndex.ingest>`.

    From an ordinary install this is the file inside the package; from a zipped install it is
    copied once to a temporary file.
    """
    global _cached
    resource = files("newsearch") / "data" / SAMPLE_NAME
    if isinstance(resource, Path):
        return resource
    if _cached is None or not _cached.exists():
        tmp = Path(tempfile.mkdtemp(prefix="newsearch-sample-")) / SAMPLE_NAME
        with resource.open("rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        _cached = tmp
    return _cached


def attribution() -> str:
    """Where the sample comes from, its licence and what to cite (Markdown)."""
    return (files("newsearch") / "data" / "ATTRIBUTION.md").read_text(encoding="utf-8")
