"""The ANT fixture (tests/data/ant/fixture_articles.jsonl): 268 real news articles."""

from __future__ import annotations

from collections import Counter

import pytest

from newsearch.analysis import analyze, build_analyzer

GOVERNMENT = ["الحكومة", "والحكومة", "للحكومة", "حكومات"]


@pytest.fixture(scope="module")
def texts(ant_articles):
    return [a["title"] + "\n" + a["body"] for a in ant_articles]


@pytest.fixture(scope="module")
def vocabularies(texts):
    """analyzer name -> (distinct terms, number of terms) over the whole fixture."""
    out = {}
    for name in ("exact", "light", "isri"):
        an = build_analyzer(name)
        terms = [t.text for text in texts for t in an(text)]
        out[name] = (set(terms), len(terms))
    return out


def test_fixture_shape(ant_articles):
    assert len(ant_articles) == 268
    assert len({a["id"] for a in ant_articles}) == 268
    for a in ant_articles:
        assert isinstance(a["title"], str) and a["title"].strip()
        assert isinstance(a["body"], str) and a["body"].strip()


@pytest.mark.parametrize("name", ["light", "snowball", "lucene"])
def test_every_article_analyzes(texts, name):
    an = build_analyzer(name)
    for text in texts:
        tokens = [
            (t.text, t.pos, t.startchar, t.endchar) for t in an(text, positions=True, chars=True)
        ]
        assert tokens
        last_pos = -1
        for term, pos, start, end in tokens:
            assert term
            assert 0 <= start < end <= len(text)
            assert pos > last_pos
            last_pos = pos


def test_light_conflates_government_variants(texts):
    an = build_analyzer("light")
    [term] = {t.text for w in GOVERNMENT for t in an(w)}  # one term for all four
    surfaces: Counter[str] = Counter()
    for text in texts:
        for t in an(text, chars=True):
            if t.text == term:
                surfaces[text[t.startchar : t.endchar]] += 1
    # In the fixture itself the one term covers these spellings (والحكومة does not occur).
    assert {"الحكومة", "للحكومة", "حكومات", "حكومة", "الحكومات", "بالحكومة"} <= set(surfaces)
    assert surfaces["الحكومة"] > 50
    # Without stemming they are as many terms as spellings.
    exact = build_analyzer("exact")
    assert len({t.text for w in GOVERNMENT for t in exact(w)}) == len(GOVERNMENT)


def test_stemming_conflates_and_roots_over_conflate(vocabularies):
    exact, light, isri = (vocabularies[n][0] for n in ("exact", "light", "isri"))
    assert len(exact) > len(light) > len(isri)
    # Light stemming merges a good share of the word forms; roots merge far more.
    assert len(light) < 0.8 * len(exact)
    assert len(isri) < 0.8 * len(light)


def test_stemming_never_changes_the_number_of_terms(vocabularies):
    counts = {n: vocabularies[n][1] for n in vocabularies}
    assert counts["exact"] == counts["light"] == counts["isri"] > 50_000


def test_article_terms_have_sources(ant_articles):
    # The friendly view on a real article: every term knows the words it came from.
    article = ant_articles[0]
    text = article["title"] + "\n" + article["body"]
    tokens = analyze(text, "light")
    assert len(tokens) > 50
    assert all(text[t.start : t.end] == t.source for t in tokens)
