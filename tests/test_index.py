"""NewsIndex: create/open/in-memory, manifest checks, add/upsert/delete/get, locks, readers."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from newsearch.article import Article
from newsearch.errors import (
    ArticleError,
    ConfigError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    UnknownComponentError,
)
from newsearch.index import MANIFEST, NewsIndex

FIXTURE = Path(__file__).parent / "data" / "ant" / "fixture_articles.jsonl"
FIXTURE_IDS = [orjson.loads(line)["id"] for line in FIXTURE.read_bytes().splitlines()]


def art(i: str, title: str = "عنوان الخبر", body: str = "نص الخبر", **kw: object) -> Article:
    return Article.from_dict({"id": i, "title": title, "body": body, **kw})


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    ix = NewsIndex.create(tmp_path_factory.mktemp("ix") / "ant")
    ix.ingest(FIXTURE)
    return ix


def test_fixture_ingest_and_reopen(fixture_index: NewsIndex) -> None:
    assert len(fixture_index) == len(FIXTURE_IDS) == 268
    again = NewsIndex.open(fixture_index.path)  # type: ignore[arg-type]
    assert len(again) == 268
    a = again.get("AL-culture-53-20130713")
    assert a is not None and a.title == "ثوار ضد أبي تمام"
    assert a.published == datetime(2013, 7, 13, 4, 48, 25, tzinfo=UTC)
    assert a.source == "alarabia" and a.category == "culture"
    assert "abstract" in a.extras and "published_raw" in a.extras  # unknown fields kept
    assert again.get("no-such-id") is None


def test_reingesting_the_same_file_changes_nothing(fixture_index: NewsIndex) -> None:
    report = fixture_index.ingest(FIXTURE)
    assert (report.read, report.unchanged, report.added, report.updated) == (268, 268, 0, 0)
    assert report.commits == 0 and len(fixture_index) == 268


def test_info(fixture_index: NewsIndex) -> None:
    info = fixture_index.info()
    assert info.documents == 268
    assert set(info.sources) == {"alarabia", "BBC", "CNN", "france24", "skynews"}
    assert sum(info.sources.values()) == 268
    assert info.first_published == datetime(2013, 7, 13, 4, 48, 25, tzinfo=UTC)
    assert info.last_published is not None and info.last_published.year == 2018
    assert info.analyzer == {"name": "light", "params": {}}
    assert info.size_bytes > 100_000
    assert orjson.loads(orjson.dumps(info.to_dict()))["documents"] == 268


def test_info_with_articles_without_a_date(tmp_path: Path) -> None:
    """Undated articles hold a column default that is no date: info skips it (it raised
    OverflowError), and a deleted article's date no longer counts."""
    ix = NewsIndex.create(tmp_path / "ix")
    undated = [{"id": f"u{i}", "title": "خبر بلا تاريخ", "body": "نص الخبر هنا"} for i in range(3)]
    ix.ingest(undated, progress=False)
    info = ix.info()
    assert (info.documents, info.first_published, info.last_published) == (3, None, None)
    dated = [
        {"id": "d1", "title": "خبر أول", "body": "نص", "published": "2015-03-02T10:00:00Z"},
        {"id": "d2", "title": "خبر ثان", "body": "نص", "published": "2018-09-30T23:59:00Z"},
    ]
    ix.ingest(dated, progress=False)
    info = ix.info()
    assert info.first_published == datetime(2015, 3, 2, 10, tzinfo=UTC)
    assert info.last_published == datetime(2018, 9, 30, 23, 59, tzinfo=UTC)
    assert ix.delete("d2")
    ix.commit()
    assert ix.info().documents == 4
    assert ix.info().last_published == datetime(2015, 3, 2, 10, tzinfo=UTC)


def test_manifest_records_the_analysis(fixture_index: NewsIndex) -> None:
    m = orjson.loads((fixture_index.path / MANIFEST).read_bytes())  # type: ignore[operator]
    assert m["format"] == "newsearch-index"
    assert m["analyzer"] == {"name": "light", "params": {}}
    assert m["exact_analyzer"]["name"] == "exact"
    assert {"library_version", "schema_version", "analysis_version", "cleaner"} <= set(m)


def test_analyzer_params_are_rebuilt_on_open(tmp_path: Path) -> None:
    ix = NewsIndex.create(
        tmp_path / "ix", analyzer={"name": "light", "params": {"stopwords": False}}
    )
    ix.upsert(art("a", body="في القاهرة"))
    ix.commit()
    again = NewsIndex.open(tmp_path / "ix")
    assert again.analyzer_spec.params == {"stopwords": False}
    terms = [t.text for t in again.whoosh.schema["body"].analyzer("في القاهرة")]
    assert terms == ["في", "قاهر"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("schema_version", 999), ("analysis_version", 999), ("format", "other")],
)
def test_open_refuses_a_mismatched_manifest(tmp_path: Path, key: str, value: object) -> None:
    NewsIndex.create(tmp_path / "ix")
    mpath = tmp_path / "ix" / MANIFEST
    m = orjson.loads(mpath.read_bytes())
    m[key] = value
    mpath.write_bytes(orjson.dumps(m))
    with pytest.raises(IndexMismatchError, match="rebuild it"):
        NewsIndex.open(tmp_path / "ix")


def test_open_refuses_an_analyzer_that_differs_from_the_manifest(tmp_path: Path) -> None:
    NewsIndex.create(tmp_path / "ix", analyzer="snowball")
    mpath = tmp_path / "ix" / MANIFEST
    m = orjson.loads(mpath.read_bytes())
    m["analyzer"] = {"name": "light", "params": {}}
    mpath.write_bytes(orjson.dumps(m))
    with pytest.raises(IndexMismatchError, match="analyzed differently"):
        NewsIndex.open(tmp_path / "ix")
    m["analyzer"] = {"name": "no-such-analyzer", "params": {}}
    mpath.write_bytes(orjson.dumps(m))
    with pytest.raises(IndexMismatchError, match="cannot build"):
        NewsIndex.open(tmp_path / "ix")


def test_open_and_create_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        NewsIndex.open(tmp_path / "nothing")
    NewsIndex.create(tmp_path / "ix")
    with pytest.raises(ConfigError, match="overwrite"):
        NewsIndex.create(tmp_path / "ix")
    NewsIndex.create(tmp_path / "ix", overwrite=True)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    with pytest.raises(ConfigError, match="not a newsearch index"):
        NewsIndex.create(tmp_path / "mine", overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").exists()
    with pytest.raises(UnknownComponentError):
        NewsIndex.create(tmp_path / "x", analyzer="nope")
    with pytest.raises(UnknownComponentError):
        NewsIndex.in_memory(cleaner="nope")


def test_add_upsert_delete_get() -> None:
    ix = NewsIndex.in_memory()
    ix.add(art("a"))
    with pytest.raises(ArticleError, match="upsert"):
        ix.add(art("a"))
    assert len(ix) == 0  # not committed yet
    ix.commit()
    assert len(ix) == 1
    with pytest.raises(ArticleError, match="upsert"):
        ix.add(art("a"))
    assert ix.upsert(art("a")) == "unchanged"
    assert ix.upsert(art("a", body="نص جديد")) == "updated"
    assert ix.upsert(art("b")) == "added"
    assert ix.upsert(art("b", title="تغير")) == "updated"  # twice in one open writer
    ix.commit()
    assert len(ix) == 2
    assert ix.get("a").body == "نص جديد"  # type: ignore[union-attr]
    assert ix.get("b").title == "تغير"  # type: ignore[union-attr]
    assert "a" in ix and "zzz" not in ix
    assert ix.delete("a") is True
    assert ix.delete("zzz") is False
    ix.commit()
    assert len(ix) == 1 and ix.get("a") is None
    ix.upsert({"id": "c", "title": "x"})
    ix.cancel()
    assert ix.get("c") is None
    ix.optimize()
    assert len(ix) == 1


def test_cleaner_applies_at_ingest() -> None:
    ix = NewsIndex.in_memory(cleaner="scraped")
    ix.upsert(art("a", body="نص الخبر\n0 تعليق ارسل طباعة تبليغ حذف\nأخبار ذات صلة"))
    with pytest.raises(ArticleError, match="after boilerplate"):
        ix.upsert(art("b", title="إخترنا لك", body="أخبار ذات صلة"))
    ix.commit()
    assert ix.get("a").body == "نص الخبر"  # type: ignore[union-attr]
    plain = NewsIndex.in_memory()  # off by default
    plain.upsert(art("a", body="نص\nأخبار ذات صلة"))
    plain.commit()
    assert plain.get("a").body == "نص\nأخبار ذات صلة"  # type: ignore[union-attr]


def test_second_writer_gets_locked_error_after_the_wait(tmp_path: Path) -> None:
    first = NewsIndex.create(tmp_path / "ix")
    first.upsert(art("a"))  # holds the writer lock until commit
    second = NewsIndex.open(tmp_path / "ix", lock_timeout=0.3)
    with pytest.raises(IndexLockedError, match=r"0\.3 s"):
        second.upsert(art("b"))
    first.commit()
    assert second.upsert(art("b")) == "added"
    second.commit()
    assert len(NewsIndex.open(tmp_path / "ix")) == 2


def test_readers_keep_searching_while_a_writer_commits(tmp_path: Path) -> None:
    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest([art(str(i), body=f"خبر رقم {i}") for i in range(20)])
    with ix.searcher() as old:
        ix.ingest([art(str(i), body=f"خبر رقم {i}") for i in range(20, 50)])
        assert old.search("خبر", limit=100).total == 20  # the reader's snapshot is untouched
        assert not old.up_to_date()
        with ix.searcher() as new:
            assert new.search("خبر", limit=100).total == 50


def test_context_manager_commits_or_cancels(tmp_path: Path) -> None:
    with NewsIndex.create(tmp_path / "ix") as ix:
        ix.upsert(art("a"))
    assert len(NewsIndex.open(tmp_path / "ix")) == 1
    with pytest.raises(RuntimeError), NewsIndex.open(tmp_path / "ix") as ix2:
        ix2.upsert(art("b"))
        raise RuntimeError("boom")
    assert len(NewsIndex.open(tmp_path / "ix")) == 1


def test_exact_twins_are_configurable_and_recorded(tmp_path: Path) -> None:
    default = NewsIndex.create(tmp_path / "a")
    assert "title_exact" in default.whoosh.schema and "body_exact" not in default.whoosh.schema
    both = NewsIndex.create(tmp_path / "b", exact_fields=("title", "body"))
    both.upsert(art("x", body="والحكومات"))
    both.commit()
    again = NewsIndex.open(tmp_path / "b")
    assert again.exact_fields == ("title", "body")
    with again.reader() as r:
        assert [t.decode() for t in r.lexicon("body_exact")] == ["والحكومات"]
        assert [t.decode() for t in r.lexicon("body")] == ["حكوم"]
    with pytest.raises(ConfigError, match="exact_fields"):
        NewsIndex.in_memory(exact_fields=("abstract",))


def test_cli_index_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsearch.cli import main

    assert main(["index", str(tmp_path / "ix"), str(FIXTURE), "--quiet", "--workers", "1"]) == 0
    assert "268 articles" in capsys.readouterr().out
    assert main(["info", str(tmp_path / "ix")]) == 0
    out = capsys.readouterr().out
    assert "articles:   268" in out and "2013-07-13 .. 2018-" in out and "light" in out
    assert main(["info", str(tmp_path / "ix"), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["sources"]["skynews"] == 67
    # naming another analyzer for an existing index is refused, --overwrite rebuilds
    assert main(["index", str(tmp_path / "ix"), str(FIXTURE), "--analyzer", "snowball"]) == 2
    assert main(["info", str(tmp_path / "missing")]) == 2


def test_cli_index_checks_every_file_before_creating_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsearch.cli import main

    ix_dir = tmp_path / "ix"
    missing = tmp_path / "missing.jsonl"
    assert main(["index", str(ix_dir), str(FIXTURE), str(missing), "--quiet"]) == 2
    assert f"no such file: {missing}" in capsys.readouterr().err
    assert not ix_dir.exists()  # no empty index left behind
    assert main(["index", str(ix_dir), str(tmp_path), "--quiet"]) == 2
    assert f"not a file: {tmp_path}" in capsys.readouterr().err
    assert not ix_dir.exists()
    # --overwrite does not wipe an index for a command that cannot run
    src = tmp_path / "one.jsonl"
    src.write_bytes(orjson.dumps({"id": "a", "title": "عنوان"}) + b"\n")
    assert main(["index", str(ix_dir), str(src), "--quiet"]) == 0
    assert main(["index", str(ix_dir), str(missing), "--overwrite", "--quiet"]) == 2
    assert len(NewsIndex.open(ix_dir)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_cli_index_refuses_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsearch.cli import main

    src = tmp_path / "secret.jsonl"
    src.write_bytes(FIXTURE.read_bytes())
    src.chmod(0)
    assert main(["index", str(tmp_path / "ix"), str(src), "--quiet"]) == 2
    assert f"cannot read {src}" in capsys.readouterr().err
    assert not (tmp_path / "ix").exists()


def test_cli_index_refuses_options_the_index_was_not_built_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsearch.cli import main

    ix_dir, src = str(tmp_path / "ix"), tmp_path / "a.jsonl"
    src.write_bytes(
        b"".join(orjson.dumps({"id": f"a{i}", "title": "عنوان"}) + b"\n" for i in range(3))
    )
    assert main(["index", ix_dir, str(src), "--quiet"]) == 0  # cleaner none, exact fields title
    capsys.readouterr()
    assert main(["index", ix_dir, str(src), "--quiet", "--cleaner", "scraped"]) == 2
    err = capsys.readouterr().err
    assert "was built with cleaner 'none', not 'scraped'; add --overwrite" in err
    assert main(["index", ix_dir, str(src), "--quiet", "--exact-fields", "title,body"]) == 2
    assert "was built with exact fields 'title', not 'title,body'" in capsys.readouterr().err
    # the same values as the index's, given or not, are fine
    assert main(["index", ix_dir, str(src), "--quiet", "--cleaner", "none"]) == 0
    assert main(["index", ix_dir, str(src), "--quiet", "--exact-fields", "title"]) == 0
    rebuilt = ["--cleaner", "scraped", "--exact-fields", "title,body", "--overwrite"]
    assert main(["index", ix_dir, str(src), "--quiet", *rebuilt]) == 0
    manifest = NewsIndex.open(ix_dir).manifest
    assert manifest["cleaner"] == "scraped" and manifest["exact_fields"] == ["title", "body"]
    assert main(["index", ix_dir, str(src), "--quiet"]) == 0  # defaults do not count as given
    assert main(["index", ix_dir, str(src), "--quiet", "--exact-fields", "body,title"]) == 0
    capsys.readouterr()
    assert main(["index", ix_dir, str(src), "--quiet", "--cleaner", "none"]) == 2
    assert "was built with cleaner 'scraped', not 'none'" in capsys.readouterr().err
    assert len(NewsIndex.open(ix_dir)) == 3


def test_small_segment_merge_has_bounded_work(tmp_path: Path) -> None:
    from newsearch.index import SmallSegmentMerge

    ix = NewsIndex.create(tmp_path / "ix")
    ix.ingest([art(f"big{i}") for i in range(30)], progress=False, workers=1)  # one segment

    def segments() -> list[int]:
        with ix.reader() as r:
            return sorted(sub.doc_count_all() for sub, _ in r.leaf_readers())

    policy = SmallSegmentMerge(max_docs=10, min_segments=3)
    for n in range(2):
        ix.upsert(art(f"small{n}"))
        ix.commit(merge_policy=policy)
    assert segments() == [1, 1, 30]  # two small segments: fewer than min_segments
    for n in range(2, 5):
        ix.upsert(art(f"small{n}"))
        ix.commit(merge_policy=policy)
    assert segments() == [1, 4, 30]  # three small ones merged with the fourth commit
    for n in range(5, 12):
        ix.upsert(art(f"small{n}"))
        ix.commit(merge_policy=policy)
    assert max(segments()[:-1]) <= 10 + 1 and segments()[-1] == 30  # the big one untouched
    assert len(ix) == 42
    report = ix.ingest([art("via-ingest")], progress=False, merge_policy=policy)
    assert report.added == 1 and 30 in segments() and len(ix) == 43
    with pytest.raises(ConfigError):
        SmallSegmentMerge(min_segments=1)


def test_in_memory_indexes_write_their_temporary_files_apart() -> None:
    # Whoosh names a RAM index's temporary directory after the index (/tmp/MAIN.tmp): two
    # processes shared it, and one deleted it under the other's writer.
    import os
    import tempfile

    a, b = NewsIndex.in_memory(), NewsIndex.in_memory()
    ta, tb = a.whoosh.storage.temp_storage("MAIN.tmp"), b.whoosh.storage.temp_storage("MAIN.tmp")
    try:
        assert ta.folder != tb.folder
        assert ta.folder != os.path.join(tempfile.gettempdir(), "MAIN.tmp")
    finally:
        ta.destroy()
        tb.destroy()
