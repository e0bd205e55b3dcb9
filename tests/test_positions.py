"""The positional fields' posting format (schema 4) and its arrays in the side file: a
posting's positions come back exactly as analysis gave them, through the format, the side
file and Whoosh's phrase matching."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Positions

from newsearch.analysis import AnalyzerSpec, build_analyzer
from newsearch.positions import PackedPositions, pack, unpack
from newsearch.sidefile import SideFileWriter, open_side

positions = st.lists(st.integers(0, 2**32 - 1), max_size=40).map(sorted)


@given(positions)
def test_pack_round_trips(poslist: list[int]) -> None:
    value = pack(poslist)
    fmt = PackedPositions(field_boost=2.0)
    assert unpack(value) == poslist == fmt.decode_positions(value)
    assert fmt.decode_frequency(value) == len(poslist) and len(value) == 4 * len(poslist)
    assert fmt.decode_weight(value) == 2.0 * len(poslist)
    assert fmt.decode_position_boosts(value) == [(p, 1) for p in poslist]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي .،", max_size=300))
def test_the_format_indexes_what_whooshs_positions_format_indexes(text: str) -> None:
    """Term, frequency, weight and positions of every word: as Whoosh's own format gives
    them, only the encoding of the positions differs."""
    analyzer = build_analyzer(AnalyzerSpec("light"))
    ours = sorted(PackedPositions().word_values(text, analyzer))
    theirs = sorted(Positions().word_values(text, analyzer))
    decode = Positions().decode_positions
    assert [(w, n, wt, unpack(v)) for w, n, wt, v in ours] == [
        (w, n, wt, decode(v)) for w, n, wt, v in theirs
    ]


_postings = st.lists(  # one term's postings: documents ascending, 1+ positions each
    st.tuples(
        st.integers(0, 5), st.lists(st.integers(0, 70_000), min_size=1, max_size=5).map(sorted)
    ),
    min_size=1,
    max_size=6,
)


def _side(terms: dict[bytes, list[Any]], slice_size: int) -> Any:
    """``terms`` written to a side file through :class:`SideFileWriter` (``slice_size``
    terms at a time) and opened again."""
    w = SideFileWriter()
    w.start_field("body", PackedPositions())
    items = sorted(terms.items())
    for i in range(0, len(items), slice_size):
        chunk = items[i : i + slice_size]
        w.add_terms(
            [t for t, _ in chunk],
            [[x for d, ps in p for x in (d, float(len(ps)), pack(ps))] for _, p in chunk],
        )
    w.finish_field()
    storage = RamStorage()
    out = storage.create_file("seg.nsside")
    w.write(out)
    out.close()
    w.close()
    return open_side(storage, "seg").get("body")


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=1, max_size=6), _postings, min_size=1, max_size=12),
    st.integers(1, 5),
)
def test_the_side_file_keeps_every_postings_positions(
    terms: dict[bytes, list[Any]], slice_size: int
) -> None:
    # documents strictly ascending within a term, as a writer hands them
    terms = {t: list({d: ps for d, ps in p}.items()) for t, p in terms.items()}
    terms = {t: sorted(p) for t, p in terms.items()}
    f = _side(terms, slice_size)
    assert f is not None and f.values == "positions"
    for i, (t, p) in enumerate(sorted(terms.items())):
        assert f.term(i) == t
        docs, weights = f.postings(i)
        assert docs.tolist() == [d for d, _ in p]
        assert weights.tolist() == [float(len(ps)) for _, ps in p]
        assert [unpack(v) for v in f.value_bytes(i)] == [ps for _, ps in p]
    assert f.pos is not None and f.pos.dtype.itemsize == (
        2 if max(x for p in terms.values() for _, ps in p for x in ps) < 65536 else 4
    )
