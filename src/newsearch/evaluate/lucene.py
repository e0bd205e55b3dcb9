"""The Apache Lucene peer: what an Elasticsearch or OpenSearch user gets for Arabic news.

:class:`LuceneEngine` drives ``benchmarks/peers/LucenePeer.java`` (compiled on first use with
``javac`` against Debian's ``liblucene8-java`` jars) in a ``java`` subprocess per call. The
Java side times each query itself, so the seconds it reports exclude JVM start-up, like the
in-process engines' (see :mod:`newsearch.evaluate.engines`).

Elasticsearch equivalence (Debian ships Lucene 8.8.1, despite the ``-8.7.0`` in its jar names;
Elasticsearch 7.10-7.13 and OpenSearch 1.0 run Lucene 8.7-8.8, and BM25 and the Arabic analysis
are the same throughout Lucene 8, i.e. in every ES 7 and OpenSearch 1.x):

- analysis: Lucene's ``ArabicAnalyzer`` with its default stopword set is exactly the ES
  ``arabic`` language analyzer (standard tokenizer, lowercase, decimal digits, Arabic stopwords,
  ``arabic_normalization``, ``arabic_stem``), used at index and at query time;
- fields ``title`` and ``body`` are ``text`` fields (norms on, no term vectors, not stored),
  ``id`` is a stored ``keyword``. ES would also store the text in ``_source``; left out, as
  reading the ids back from blocks that hold the text doubled the search time (so the peer's
  latency is bare Lucene's, a lower bound for ES's, whose fetch phase reads ``_source``);
- similarity: ``BM25Similarity(k1, b)``, ES's default similarity (k1 1.2, b 0.75);
- query: ES ``multi_match`` with operator ``or``: per field, the ``match`` query (Lucene's
  ``QueryBuilder``: one SHOULD ``TermQuery`` per analyzed token); ``mode="best_fields"`` (the ES
  default) combines the fields with ``dis_max`` and tie_breaker 0, ``mode="most_fields"`` with
  tie_breaker 1 (the sum of the field scores), as ES does; ``title_boost`` is ``title^X``. A
  query that analyzes to no term matches nothing (ES ``zero_terms_query: none``);
- related news (:meth:`LuceneEngine.related_all`): Lucene's ``MoreLikeThis`` over title and
  body with its defaults (min_term_freq 2, min_doc_freq 5, max_query_terms 25), given the
  document's text (kept beside the index in ``docs.jsonl``, as ES re-analyzes ``_source``). ES's
  ``more_like_this`` query has the same defaults but also requires 30% of the chosen terms
  (``minimum_should_match``); this peer does not.

Not modelled: ES's one-shard-per-index default is matched (one Lucene index), but not its
refresh cycle, translog, or the extra per-document metadata fields ES indexes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..errors import ArticleError, ConfigError, NewsearchError
from .engines import Doc, EngineUnavailable, SearchOutput

__all__ = [
    "APT_PACKAGES",
    "FIELDS",
    "MODES",
    "LuceneEngine",
    "LucenePeerError",
    "find_java",
    "find_lucene_jars",
    "find_peer_dir",
]

MODES = ("best_fields", "most_fields")
FIELDS = ("title", "body")
APT_PACKAGES = ("liblucene8-java", "default-jdk-headless")
_FIX = f"apt-get install {' '.join(APT_PACKAGES)}"
_SOURCE = "LucenePeer.java"
_MAIN = "LucenePeer"
_DEFAULT_JARS_DIR = Path("/usr/share/java")
# The jars LucenePeer needs; each entry lists the accepted base names (Lucene 9 renamed one).
_JARS: tuple[tuple[str, ...], ...] = (
    ("lucene-core",),
    ("lucene-analyzers-common", "lucene-analysis-common"),
    ("lucene-queries",),
)
_SEARCH_PARAMS = frozenset({"mode", "title_boost", "k1", "b"})
# What would split a line of QUERIES.tsv for Java's BufferedReader.readLine (or a column).
_ONE_LINE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


class LucenePeerError(NewsearchError, RuntimeError):
    """The Java peer failed; the message carries its command line and standard error."""


# ---------------------------------------------------------------------------------- discovery


def find_java(java_home: str | os.PathLike[str] | None = None) -> tuple[Path, Path]:
    """``(java, javac)``: from ``java_home`` if given, else ``$JAVA_HOME`` if it has both, else
    the ``PATH``. Raises :class:`EngineUnavailable` saying what is missing."""
    if java_home is not None:
        home = Path(java_home)
        java, javac = home / "bin" / "java", home / "bin" / "javac"
        missing = [p for p in (java, javac) if not os.access(p, os.X_OK)]
        if missing:
            raise EngineUnavailable(
                f"java_home={str(home)!r} has no {', '.join(p.name for p in missing)} "
                "(a JDK, not only a JRE, is needed to compile LucenePeer.java)"
            )
        return java, javac
    env_home = os.environ.get("JAVA_HOME")
    if env_home:
        java, javac = Path(env_home, "bin", "java"), Path(env_home, "bin", "javac")
        if os.access(java, os.X_OK) and os.access(javac, os.X_OK):
            return java, javac
    java_path, javac_path = shutil.which("java"), shutil.which("javac")
    if java_path is None or javac_path is None:
        missing_names = [n for n, p in (("java", java_path), ("javac", javac_path)) if p is None]
        raise EngineUnavailable(
            f"the Lucene peer needs a JDK: no {' or '.join(missing_names)} on PATH; "
            f"install one with: {_FIX}"
        )
    return Path(java_path), Path(javac_path)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def find_lucene_jars(jars_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The Lucene jars LucenePeer needs, from ``jars_dir``, else ``$LUCENE_JARS_DIR``, else
    ``/usr/share/java`` (Debian's ``liblucene8-java``). An unversioned ``NAME.jar`` is preferred,
    else the highest ``NAME-X.Y.Z.jar``. Raises :class:`EngineUnavailable` naming the missing."""
    directory = Path(jars_dir or os.environ.get("LUCENE_JARS_DIR") or _DEFAULT_JARS_DIR)
    found: list[Path] = []
    missing: list[str] = []
    names = sorted(p.name for p in directory.glob("lucene-*.jar")) if directory.is_dir() else []
    for choices in _JARS:
        jar = None
        for base in choices:
            if (directory / f"{base}.jar").is_file():
                jar = directory / f"{base}.jar"
                break
            pattern = re.compile(rf"{re.escape(base)}-(\d+(?:\.\d+)*)\.jar")
            versions = [m.group(1) for n in names if (m := pattern.fullmatch(n))]
            if versions:
                jar = directory / f"{base}-{max(versions, key=_version_key)}.jar"
                break
        if jar is None:
            missing.append(choices[0])
        else:
            found.append(jar)
    if missing:
        raise EngineUnavailable(
            f"the Lucene peer needs the Lucene jars {', '.join(missing)} in {directory} "
            f"(set LUCENE_JARS_DIR to look elsewhere); install them with: "
            f"apt-get install {APT_PACKAGES[0]}"
        )
    return found


def _lucene_version(core_jar: Path) -> str:
    """Lucene's version from the core jar's manifest (Debian's file names can be wrong)."""
    try:
        with zipfile.ZipFile(core_jar) as z:
            manifest = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return "unknown"
    for line in manifest.splitlines():
        if line.startswith("Specification-Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def find_peer_dir(peer_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``LucenePeer.java``: ``peer_dir``, else ``$NEWSEARCH_PEERS_DIR``, else
    ``benchmarks/peers`` in the current directory or a parent, else the one of this source tree."""
    if peer_dir is not None or os.environ.get("NEWSEARCH_PEERS_DIR"):
        d = Path(peer_dir if peer_dir is not None else os.environ["NEWSEARCH_PEERS_DIR"])
        if not (d / _SOURCE).is_file():
            raise EngineUnavailable(f"no {_SOURCE} in {d}")
        return d.resolve()
    cwd = Path.cwd().resolve()
    candidates = [p / "benchmarks" / "peers" for p in (cwd, *cwd.parents)]
    candidates.append(Path(__file__).resolve().parents[3] / "benchmarks" / "peers")
    for d in candidates:
        if (d / _SOURCE).is_file():
            return d
    raise EngineUnavailable(
        f"cannot find benchmarks/peers/{_SOURCE} (it ships with the newsearch source tree, not "
        "the installed package): run from the repository or pass peer_dir= or set "
        "NEWSEARCH_PEERS_DIR"
    )


def _apt_install(packages: Sequence[str]) -> None:
    """``apt-get install -y`` as root, with one ``apt-get update`` retry; else unavailable."""
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        why = "apt-get is not available" if apt is None else "not running as root"
        raise EngineUnavailable(
            f"cannot install {' '.join(packages)} ({why}); install it with: "
            f"apt-get install {' '.join(packages)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = [apt, "install", "-y", "--no-install-recommends", *packages]
    if subprocess.run(cmd, env=env, capture_output=True, check=False).returncode == 0:
        return
    subprocess.run([apt, "update"], env=env, capture_output=True, check=False)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EngineUnavailable(
            f"`{' '.join(cmd)}` failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def _compile(javac: Path, source: Path, build_dir: Path, classpath: str) -> None:
    """Compile ``source`` into ``build_dir`` unless its classes are up to date (newer than the
    source, compiled against the same jars). Classes are compiled into a scratch folder and
    moved in, so concurrent callers never see half a build."""
    main_class = build_dir / f"{_MAIN}.class"
    stamp = build_dir / "classpath.txt"
    stamp_text = f"{javac}\n{classpath}\n"
    try:
        if (
            main_class.is_file()
            and main_class.stat().st_mtime >= source.stat().st_mtime
            and stamp.is_file()
            and stamp.read_text(encoding="utf-8") == stamp_text
        ):
            return
        build_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="javac-", dir=build_dir))
    except OSError as e:
        raise EngineUnavailable(
            f"cannot write the Lucene peer's classes to {build_dir}: {e}"
        ) from e
    try:
        cmd = [str(javac), "-encoding", "UTF-8", "-cp", classpath, "-d", str(scratch), str(source)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise EngineUnavailable(
                f"compiling {source} failed (are the Lucene jars of a supported version, 8.x?):\n"
                f"{' '.join(cmd)}\n{(done.stderr or done.stdout).strip()[-4000:]}"
            )
        for cls in scratch.glob("*.class"):
            os.replace(cls, build_dir / cls.name)
        stamp.write_text(stamp_text, encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------------------------- engine


def _check_ids(ids: Iterable[str], what: str) -> None:
    for i in ids:
        if not i or any(c.isspace() for c in i):
            raise ConfigError(f"{what} {i!r}: TREC runs need ids without whitespace")


class LuceneEngine:
    """Lucene ``ArabicAnalyzer`` + BM25 in Java: Elasticsearch's ``arabic`` analyzer with a
    ``multi_match`` query (see the module docstring for the exact equivalence).

    ``mode``, ``title_boost``, ``k1`` and ``b`` are search-time settings (BM25 parameters
    included: Lucene stores only the field lengths), so one index serves every setting, and
    each can be overridden per call through ``search_all(..., params=...)``.

    ``java_opts`` are extra JVM options (``-Xmx4g``, ...); none by default, i.e. the JVM's
    defaults, as a benchmark should measure.

    Raises :class:`EngineUnavailable` when Java, ``javac``, the jars or ``LucenePeer.java`` are
    missing; with ``install=True`` missing Debian packages are installed first (as root only).
    """

    FIELD_SPECIFIC = False

    def __init__(
        self,
        *,
        mode: str = "best_fields",
        title_boost: float = 1.0,
        k1: float = 1.2,
        b: float = 0.75,
        java_home: str | os.PathLike[str] | None = None,
        peer_dir: str | os.PathLike[str] | None = None,
        install: bool = False,
        java_opts: Sequence[str] = (),
    ) -> None:
        self.settings = self._checked({"mode": mode, "title_boost": title_boost, "k1": k1, "b": b})
        self.peer_dir = find_peer_dir(peer_dir)
        try:
            self.java, self.javac = find_java(java_home)
            self.jars = find_lucene_jars()
        except EngineUnavailable:
            if not install:
                raise
            packages = []
            try:
                find_lucene_jars()
            except EngineUnavailable:
                packages.append(APT_PACKAGES[0])
            try:
                find_java(java_home)
            except EngineUnavailable:
                if java_home is not None:
                    raise
                packages.append(APT_PACKAGES[1])
            _apt_install(packages)
            self.java, self.javac = find_java(java_home)
            self.jars = find_lucene_jars()
        self.lucene_version = _lucene_version(self.jars[0])
        self.build_dir = self.peer_dir / "build"
        jar_path = os.pathsep.join(str(j) for j in self.jars)
        _compile(self.javac, self.peer_dir / _SOURCE, self.build_dir, jar_path)
        self.classpath = os.pathsep.join([str(self.build_dir), jar_path])
        self.java_opts = tuple(java_opts)
        self.index_dir: Path | None = None
        self.last_build: dict[str, Any] = {}

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"LuceneEngine(mode={s['mode']!r}, title_boost={s['title_boost']}, k1={s['k1']}, "
            f"b={s['b']}, lucene={self.lucene_version!r})"
        )

    @staticmethod
    def _checked(settings: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(settings) - _SEARCH_PARAMS)
        if unknown:
            raise ConfigError(
                f"unknown Lucene setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_SEARCH_PARAMS))}"
            )
        out = dict(settings)
        if out["mode"] not in MODES:
            raise ConfigError(f"Lucene mode {out['mode']!r}: choose among {', '.join(MODES)}")
        for name in ("title_boost", "k1", "b"):
            try:
                out[name] = float(out[name])
            except (TypeError, ValueError):
                raise ConfigError(f"Lucene {name} must be a number, not {out[name]!r}") from None
            if not out[name] >= 0 or out[name] == float("inf"):
                raise ConfigError(f"Lucene {name} must be a finite number >= 0")
        if out["b"] > 1:
            raise ConfigError("Lucene b must be between 0 and 1")
        return out

    # -------------------------------------------------------------------- running the peer

    def _run(self, *args: str | os.PathLike[str]) -> str:
        cmd = [
            str(self.java),
            *self.java_opts,
            "-cp",
            self.classpath,
            _MAIN,
            *(str(a) for a in args),
        ]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", check=True
            )
        except subprocess.CalledProcessError as e:
            raise LucenePeerError(
                f"the Lucene peer failed (exit {e.returncode}): {' '.join(cmd)}\n"
                f"{(e.stderr or '').strip()[-4000:]}"
            ) from None
        except OSError as e:
            raise LucenePeerError(f"cannot run {cmd[0]}: {e}") from None
        return done.stdout

    def _require_index(self) -> Path:
        if self.index_dir is None:
            raise LucenePeerError("no Lucene index: call build() or open() first")
        return self.index_dir

    @staticmethod
    def _read_output(qids: Sequence[str], run_path: Path, lat_path: Path, k: int) -> SearchOutput:
        out = SearchOutput()
        run = out.run
        for qid in qids:
            run[qid] = []
        with run_path.open(encoding="utf-8") as f:
            for line in f:
                qid, _q0, docid, _rank, score, _tag = line.split()
                run[qid].append((docid, float(score)))
        with lat_path.open(encoding="utf-8") as f:
            for line in f:
                qid, ms = line.rstrip("\n").split("\t")
                out.seconds[qid] = float(ms) / 1000.0
        missing = [q for q in qids if q not in out.seconds]
        if missing or any(len(hits) > k for hits in run.values()):
            raise LucenePeerError(f"the Lucene peer's output is incomplete (e.g. {missing[:3]})")
        return out

    # -------------------------------------------------------------------- Engine protocol

    def build(self, docs: Iterable[Doc], workdir: Path, fields: Sequence[str] = ()) -> float:
        """Index ``docs`` into ``workdir/index`` (replacing any index there); return the seconds
        Lucene took to analyze, index and commit, measured in Java (JSON parsing and JVM start
        excluded). ``fields`` is ignored: title and body are always indexed. The documents stay
        in ``workdir/docs.jsonl``, where :meth:`related_all` reads their text."""
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        docs_path = workdir / "docs.jsonl"
        index_dir = workdir / "index"
        if self.index_dir == index_dir:  # about to be overwritten
            self.index_dir = None
        seen: set[str] = set()
        dumps = orjson.dumps
        try:
            with docs_path.open("wb") as f:
                for d in docs:
                    if not d.id or any(c.isspace() for c in d.id):
                        raise ArticleError("id", f"{d.id!r}: ids must be non-empty, no whitespace")
                    if d.id in seen:
                        raise ArticleError("id", f"duplicate id {d.id!r}")
                    seen.add(d.id)
                    try:
                        f.write(dumps({"id": d.id, "title": d.title, "body": d.body}))
                    except orjson.JSONEncodeError as e:
                        raise ArticleError(None, f"{d.id}: {e}") from None
                    f.write(b"\n")
            stdout = self._run("index", docs_path, index_dir)
        except BaseException:
            docs_path.unlink(missing_ok=True)
            raise
        try:
            report = orjson.loads(stdout.strip().splitlines()[-1])
            seconds = float(report["seconds"])
        except (IndexError, KeyError, TypeError, ValueError, orjson.JSONDecodeError):
            raise LucenePeerError(f"unexpected output of the Lucene peer: {stdout!r}") from None
        self.index_dir = index_dir
        self.last_build = report
        return seconds

    def open(self, workdir: Path) -> None:
        """Use the index (and ``docs.jsonl``) an earlier :meth:`build` left in ``workdir``."""
        index_dir = Path(workdir) / "index"
        if not index_dir.is_dir():
            raise LucenePeerError(f"no Lucene index in {index_dir}")
        self.index_dir = index_dir

    def search_all(
        self,
        queries: Mapping[str, str],
        k: int,
        fields: Sequence[str],
        params: Mapping[str, Any] | None = None,
    ) -> SearchOutput:
        """Top ``k`` per query over ``fields`` (``title`` and/or ``body``); ``params`` may
        override ``mode``, ``title_boost``, ``k1`` and ``b`` for this call. Each query's seconds
        are Java's, for analysis, query building, search and reading the stored ids, measured
        after one untimed pass over all the queries (JIT warm-up)."""
        index_dir = self._require_index()
        s = self._checked({**self.settings, **(params or {})})
        if k < 1:
            raise ConfigError(f"k must be >= 1, not {k}")
        wanted = list(dict.fromkeys(fields))
        if not wanted or any(f not in FIELDS for f in wanted):
            raise ConfigError(f"fields {list(fields)!r}: choose among {', '.join(FIELDS)}")
        if not queries:
            return SearchOutput()
        qids = list(queries)
        _check_ids(qids, "query id")
        options = ["--mode", s["mode"], "--k1", repr(s["k1"]), "--b", repr(s["b"])]
        if "title" in wanted and s["title_boost"] != 1.0:
            options += ["--boost", f"title={s['title_boost']!r}"]
        tmp_parent = index_dir.parent
        with tempfile.TemporaryDirectory(prefix="lucene-search-", dir=tmp_parent) as tmp:
            t = Path(tmp)
            with (t / "queries.tsv").open("w", encoding="utf-8", newline="\n") as f:
                for qid in qids:
                    f.write(f"{qid}\t{queries[qid].translate(_ONE_LINE)}\n")
            self._run(
                "search", index_dir, t / "queries.tsv", str(k), ",".join(wanted),
                t / "run.trec", t / "lat.tsv", *options,
            )  # fmt: skip
            return self._read_output(qids, t / "run.trec", t / "lat.tsv", k)

    def related_all(
        self,
        doc_ids: Sequence[str] | Mapping[str, str],
        k: int,
        params: Mapping[str, Any] | None = None,
        docs: Any = None,
    ) -> SearchOutput:
        """For each indexed doc id, the top ``k`` other documents by Lucene's ``MoreLikeThis``
        (title and body, Lucene's defaults); the run's query ids are the doc ids (or, given a
        mapping query id -> doc id, its query ids). An id not in the index raises
        :class:`LucenePeerError`."""
        if isinstance(doc_ids, Mapping):
            by_doc = {d: q for q, d in doc_ids.items()}
            out = self.related_all(list(doc_ids.values()), k)
            return SearchOutput(
                run={by_doc[d]: r for d, r in out.run.items()},
                seconds={by_doc[d]: t for d, t in out.seconds.items()},
            )
        index_dir = self._require_index()
        docs_path = index_dir.parent / "docs.jsonl"
        if not docs_path.is_file():
            raise LucenePeerError(f"related_all needs the documents {docs_path} of build()")
        if k < 1:
            raise ConfigError(f"k must be >= 1, not {k}")
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return SearchOutput()
        _check_ids(ids, "doc id")
        with tempfile.TemporaryDirectory(prefix="lucene-mlt-", dir=index_dir.parent) as tmp:
            t = Path(tmp)
            (t / "ids.txt").write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
            self._run(
                "mlt", index_dir, docs_path, t / "ids.txt", str(k), t / "run.trec", t / "lat.tsv"
            )
            return self._read_output(ids, t / "run.trec", t / "lat.tsv", k)
