"""Registries by name, analyzer specs in JSON, errors, pickling, and the package surface."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import newsearch
from newsearch.analysis import (
    AnalyzerSpec,
    ArabicStemFilter,
    ArabicStopFilter,
    ArabicTokenizer,
    NewsAnalyzer,
    analyze,
    analyzer_names,
    arabic_analyzer,
    build_analyzer,
    get_analyzer,
    register_stopwords,
    stopword_list,
)
from newsearch.errors import ConfigError, NewsearchError, UnknownComponentError
from newsearch.normalize import NormalizeOptions
from newsearch.stemmers import get_stemmer, stemmer_names

ROOT = Path(__file__).resolve().parent.parent


def test_registered_names() -> None:
    assert set(stemmer_names()) >= {"none", "lucene-light", "light", "snowball", "isri"}
    assert set(analyzer_names()) >= {"light", "exact", "snowball", "isri", "lucene"}
    assert all(analyzer_names().values()), "every analyzer has a description"


@pytest.mark.parametrize("name", sorted(analyzer_names()))
def test_every_analyzer_builds_and_analyzes(name: str) -> None:
    terms = [t.text for t in analyze("أعلنت الحكومةُ المصرية في ٢٠١٨ عن iPhone", name)]
    assert terms, name
    assert all(terms)


def test_unknown_names_list_every_valid_choice() -> None:
    with pytest.raises(UnknownComponentError) as e:
        get_stemmer("porter")
    for name in stemmer_names():
        assert name in str(e.value)
    with pytest.raises(UnknownComponentError) as e2:
        build_analyzer("elasticsearch")
    for name in analyzer_names():
        assert name in str(e2.value)
    with pytest.raises(UnknownComponentError, match="arabic"):
        stopword_list("klingon")
    assert isinstance(e.value, NewsearchError) and isinstance(e.value, KeyError)


def test_bad_parameters_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="light"):
        build_analyzer("light", stemmer_mode="aggressive")
    with pytest.raises(ConfigError):
        arabic_analyzer(normalize={"fold_alef": 1})
    with pytest.raises(ConfigError):
        AnalyzerSpec.from_json("{not json")
    with pytest.raises(ConfigError):
        AnalyzerSpec.from_dict({"params": {}})
    with pytest.raises(ConfigError):
        AnalyzerSpec.from_dict({"name": "light", "extra": 1})
    with pytest.raises(ConfigError):
        get_analyzer(42)


def test_spec_json_roundtrip_rebuilds_the_same_analyzer() -> None:
    spec = AnalyzerSpec(
        "light",
        {
            "stopwords": ["في", "من"],
            "normalize": NormalizeOptions(fold_teh_marbuta=False).to_dict(),
            "stem_exclusions": ["ساهدهات"],
        },
    )
    again = AnalyzerSpec.from_json(spec.to_json())
    assert again.to_json() == spec.to_json()
    a, b = spec.build(), again.build()
    assert a == b
    text = "المدرسة في القاهرة من ساهدهات"
    assert [t.text for t in a(text)] == [t.text for t in b(text)] == ["مدرسة", "قاهرة", "ساهدهات"]


def test_spec_records_normalize_options_object_as_json() -> None:
    spec = AnalyzerSpec("light", {"normalize": NormalizeOptions(fold_alef=False)})
    assert '"fold_alef":false' in spec.to_json()
    assert AnalyzerSpec.from_json(spec.to_json()).build() == spec.build()


def test_analyzer_is_composable_whoosh_chain() -> None:
    an = ArabicTokenizer() | ArabicStopFilter() | ArabicStemFilter("light")
    assert isinstance(an, NewsAnalyzer)
    assert an == arabic_analyzer()
    assert an.has_morph()
    assert not (ArabicTokenizer() | ArabicStopFilter()).has_morph()
    assert [type(i).__name__ for i in an.items] == [
        "ArabicTokenizer",
        "ArabicStopFilter",
        "ArabicStemFilter",
    ]


def test_a_whoosh_filter_appended_still_runs() -> None:
    from whoosh.analysis import LowercaseFilter, StopFilter

    an = arabic_analyzer() | StopFilter(stoplist=["حكوم"], minsize=1)
    assert [t.text for t in an("الحكومة المصرية")] == ["مصر"]
    an2 = ArabicTokenizer() | LowercaseFilter() | ArabicStemFilter()  # not fusable as a whole
    assert [t.text for t in an2("الحكومة")] == ["حكوم"]


@pytest.mark.parametrize("name", ["light", "snowball", "lucene", "exact", "isri"])
def test_analyzers_pickle_without_their_memo(name: str) -> None:
    an = build_analyzer(name)
    list(an("والحكومة المصرية"))
    assert an._memo
    clone = pickle.loads(pickle.dumps(an))
    assert clone == an
    assert clone._memo == {}
    assert [t.text for t in clone("والحكومة")] == [t.text for t in an("والحكومة")]


def test_whoosh_schema_field_with_our_analyzer_roundtrips() -> None:
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    schema = Schema(body=TEXT(analyzer=arabic_analyzer(), stored=True))
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        w.add_document(body="أكدت الحكومة المصرية")
        w.add_document(body="قالت وزارة الخارجية")
    with ix.searcher() as s:
        from whoosh.qparser import QueryParser

        q = QueryParser("body", ix.schema).parse("والحكومة")
        assert [h["body"] for h in s.search(q)] == ["أكدت الحكومة المصرية"]


def test_custom_stopword_list_registry() -> None:
    register_stopwords("tiny", lambda: ["قال"])
    assert [t.text for t in arabic_analyzer(stopwords="tiny")("قال الوزير")] == ["وزير"]


def test_import_is_cheap_and_lazy() -> None:
    code = (
        "import sys, newsearch; "
        "print(sorted(m for m in ('whoosh', 'datasketch', 'pyarabic', 'snowballstemmer', 'orjson', "
        "'newsearch.analysis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_surface() -> None:
    for name in newsearch.__all__:
        assert getattr(newsearch, name) is not None
    with pytest.raises(AttributeError):
        newsearch.does_not_exist  # noqa: B018
    assert (ROOT / "src" / "newsearch" / "py.typed").exists()


def test_cli_commands_are_documented_in_readme() -> None:
    from newsearch.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for command in sub.choices:  # type: ignore[union-attr]
        assert f"newsearch {command}" in readme, command
    assert "make demo" in readme and "make test" in readme


def test_cli_analyze_and_demo(capsys: pytest.CaptureFixture[str]) -> None:
    from newsearch.cli import main

    assert main(["analyze", "والحكومة المصرية"]) == 0
    out = capsys.readouterr().out
    assert "حكوم" in out and "مصر" in out
    seed = ROOT / "tests" / "data" / "seed" / "scraped_article_ar.txt"
    sample = ROOT / "tests" / "data" / "ant" / "fixture_articles.jsonl"
    assert main(["demo", "--sample", str(sample), "--seed", str(seed), "كوريا الشمالية"]) == 0
    out = capsys.readouterr().out
    assert "Indexed 268 articles" in out and "## كوريا الشمالية" in out
    assert "original:" in out and "بوتين" in out
    assert main(["analyze", "x", "--analyzer", "nope"]) == 2
    assert main(["demo", "--sample", str(ROOT / "missing.jsonl")]) == 2


def test_pickled_analyzers_name_the_documented_module() -> None:
    """An index's schema pickles its analyzer by class path: the filters keep the path they
    are documented under (newsearch.analysis), so moving code between modules does not
    change the index format (indexes written now open with versions before the move)."""
    import pickle

    from newsearch.analysis import get_analyzer

    for name in ("light", "exact", "lucene"):
        data = pickle.dumps(get_analyzer(name))
        assert b"newsearch.filters" not in data
        assert pickle.loads(data) == get_analyzer(name)
