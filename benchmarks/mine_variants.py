"""Mine candidate spelling groups of foreign names from the silver same-story pairs.

Two articles of different outlets about the same story (the silver cross-outlet pairs of ANT
multi-source and SaudiNewsNet) often name the same person or place in two spellings. For every
pair, the words (and word pairs, for split/joined names and دي/دو particles) found in one
article and not the other are bucketed by a *loose* transliteration skeleton (far looser than
``newsearch.variants.variant_key``: g-letters, س/ص/ث, ت/ط, د/ض, ز/ذ/ظ, ف/ڤ, ب/پ, تش/ش, all long
vowels, hamza, doubled letters, a leading ال, spaces); two different spellings in the same
bucket on the two sides of a pair are a candidate, supported by that pair. Candidates are ranked
by the number of supporting pairs and printed with their document frequencies per corpus and the
kinds of difference between them. Spellings that the search normalizer folds (أ/ا, ى/ي, ة/ه)
count as one; their commonest written forms are shown.

The output is a *candidate* list: the skeleton also joins native words (كتاب/كتب), so every
group kept in ``variant_groups.tsv`` was verified by reading contexts (``--verify``).

    python benchmarks/mine_variants.py --data ../shared/datasets > candidates.tsv
    python benchmarks/mine_variants.py --data ../shared/datasets --verify groups.txt [--written]

Standard library + orjson only (and ``newsearch.normalize``); streams the shards.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import itertools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import orjson

from newsearch.normalize import normalize as _normalize

normalize = lru_cache(maxsize=1 << 20)(_normalize)

CORPORA = {"ant": "ant-multisource", "snn": "saudinewsnet"}
PAIRS = "silver/cross_outlet_pairs_1day_cos0.3.tsv.gz"

_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_WORD = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u067e\u06a4\u06af]+")
# Short first words that outlets write apart or joined, or differently (French دو, English دي).
PARTICLES = {"دي", "دو", "دا", "ده", "لا", "لو", "سان", "فان", "فون", "ابو", "بن", "ال", "عبد"}

_LOOSE = str.maketrans(
    {c: "G" for c in "جغقكگ"}
    | {c: "S" for c in "سصث"}
    | {c: "T" for c in "تط"}
    | {c: "D" for c in "دض"}
    | {c: "Z" for c in "زذظ"}
    | {c: "F" for c in "فڤ"}
    | {c: "B" for c in "بپ"}
    | {"ء": "", " ": ""}
)
_VOWELS = re.compile("(?<=.)[اوي]")
_DOUBLES = re.compile(r"(.)\1+")
_FINAL_H = re.compile("ه$")


@lru_cache(maxsize=1 << 20)
def loose_key(norm: str) -> str:
    """The loose skeleton of a normalized word or word pair (see the module docstring)."""
    w = norm.replace(" ", "")
    if w.startswith("ال") and len(w) > 5:
        w = w[2:]
    w = w.replace("تش", "ش").translate(_LOOSE)
    w = _FINAL_H.sub("", w)
    w = _VOWELS.sub("", _DOUBLES.sub(r"\1", w))
    return _DOUBLES.sub(r"\1", w)


# Letter classes, for naming a difference.
_CLASSES = {
    "g": set("جغقكگ"),
    "s/ص/ث": set("سصث"),
    "ت/ط": set("تط"),
    "د/ض": set("دض"),
    "ز/ذ": set("زذظ"),
    "v ف/ڤ": set("فڤ"),
    "p ب/پ": set("بپ"),
    "س/ز": set("سز"),
    "ث/ت": set("ثت"),
    "ش/س": set("شس"),
}
_LONG = set("اويى")
_HAMZA = set("ءأإآؤئ")


def kinds(a: str, b: str) -> list[str]:
    """Names for the differences between two written spellings."""
    out: set[str] = set()
    if a.replace(" ", "") == b.replace(" ", ""):
        return ["split/joined"]
    if " " in a or " " in b:
        wa, wb = a.split(), b.split()
        if len(wa) == len(wb) == 2 and wa[1] == wb[1] and wa[0] != wb[0]:
            out.add("particle")
        elif len(wa) != len(wb):
            out.add("split/joined")
    sa, sb = a.replace(" ", ""), b.replace(" ", "")
    if sa.startswith("ال") != sb.startswith("ال"):
        out.add("ال")
        sa, sb = (sa[2:] if sa.startswith("ال") else sa), (sb[2:] if sb.startswith("ال") else sb)
    ops = difflib.SequenceMatcher(None, sa, sb, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        x, y = sa[i1:i2], sb[j1:j2]
        chars = set(x + y)
        if {x, y} == {"تش", "ش"} or ({x, y} == {"ت", ""} and "ش" in sa + sb):
            out.add("تش/ش")
        elif x and y and len(x) == len(y) == 1 and {x, y} <= set("يى") and (i2 == len(sa)):
            out.add("final ي/ى")
        elif x and y and {x, y} <= set("ةه"):
            out.add("ة/ه")
        elif {x, y} in ({"ا", "ة"}, {"ا", "ه"}) and i2 == len(sa):
            out.add("final ا/ة")
        elif chars <= _HAMZA | set("اوي") and chars & _HAMZA:
            out.add("hamza")
        elif not x or not y:
            z = x or y
            if set(z) <= _LONG:
                out.add("long vowel" if len(z) == 1 else "long vowels (2+)")
            elif len(z) == 1 and (
                (i1 > 0 and sa[i1 - 1] == z) or (j1 > 0 and sb[j1 - 1] == z) or sa[i1 : i1 + 1] == z
            ):
                out.add("double letter")
            elif z == "ال":
                out.add("ال")
            else:
                out.add("other")
        elif len(x) == len(y) == 1 and any(x in c and y in c for c in _CLASSES.values()):
            out.add(next(k for k, c in _CLASSES.items() if x in c and y in c))
        elif set(x) <= _LONG and set(y) <= _LONG:
            out.add("vowel quality")
        else:
            out.add("other")
    return sorted(out) or ["same"]


def articles(data: Path, corpus: str) -> Iterator[dict]:
    for shard in sorted((data / CORPORA[corpus] / "data").glob("*.jsonl.gz")):
        with gzip.open(shard, "rb") as f:
            for line in f:
                yield orjson.loads(line)


def raw_words(text: str) -> list[str]:
    return _WORD.findall(_MARKS.sub("", text))


def units(words: list[str], vocab_keys: set[str] | None) -> set[str]:
    """Normalized words of >= 4 letters, and word pairs that may be one name split or a particle
    + name (only those whose joined skeleton is some word's skeleton, or with a particle)."""
    norm = [normalize(w) for w in words]
    out = {w for w in norm if len(w) >= 4}
    if vocab_keys is not None:
        for x, y in itertools.pairwise(norm):
            if len(y) >= 3 and (x in PARTICLES or (len(x) >= 2 and loose_key(x + y) in vocab_keys)):
                out.add(f"{x} {y}")
    return out


def mine(data: Path, min_support: int) -> None:
    # Pass 1: document frequency of each normalized word, and its written forms.
    df: dict[str, Counter] = {c: Counter() for c in CORPORA}
    written: dict[str, Counter] = defaultdict(Counter)
    paired: dict[str, set[str]] = {}
    pairs: list[tuple[str, str, str]] = []
    for corpus, folder in CORPORA.items():
        with gzip.open(data / folder / PAIRS, "rt", encoding="utf-8") as f:
            next(f)
            for line in f:
                _, a, b, *_ = line.rstrip("\n").split("\t")
                pairs.append((corpus, a, b))
                paired[a] = paired[b] = set()
    for corpus in CORPORA:
        for art in articles(data, corpus):
            ws = raw_words(f"{art.get('title') or ''} {art.get('body') or ''}")
            seen = set()
            for w in ws:
                n = normalize(w)
                if len(n) >= 3 and n not in seen:
                    seen.add(n)
                    written[n][w] += 1
            df[corpus].update(seen)
    vocab_keys = {loose_key(w) for w in written if df["ant"][w] + df["snn"][w] >= 2 and len(w) >= 6}
    print(f"# vocabulary {len(written):,} words; {len(pairs):,} pairs", file=sys.stderr)
    # Pass 2: units of the paired articles; bigram document frequencies.
    bigram_df: dict[str, Counter] = {c: Counter() for c in CORPORA}
    for corpus in CORPORA:
        for art in articles(data, corpus):
            u = units(raw_words(f"{art.get('title') or ''} {art.get('body') or ''}"), vocab_keys)
            bigram_df[corpus].update(x for x in u if " " in x)
            if art["id"] in paired:
                paired[art["id"]] = u
    # Pair support.
    support: Counter = Counter()
    key_of: dict[str, str] = {}
    for _corpus, a, b in pairs:
        ua, ub = paired.get(a, set()), paired.get(b, set())
        only_a, only_b = ua - ub, ub - ua
        buckets: dict[str, list[str]] = defaultdict(list)
        for w in only_a:
            k = key_of.get(w) or key_of.setdefault(w, loose_key(w))
            if len(k) >= 3:
                buckets[k].append(w)
        for w in only_b:
            k = key_of.get(w) or key_of.setdefault(w, loose_key(w))
            for v in buckets.get(k, ()):
                support[tuple(sorted((v, w)))] += 1

    def freq(w: str, corpus: str) -> int:
        return (bigram_df if " " in w else df)[corpus][w]

    def shown(w: str) -> str:
        if " " in w:
            return w
        return written[w].most_common(1)[0][0] if written[w] else w

    def forms(w: str) -> str:
        if " " in w or not written[w]:
            return w
        return "/".join(f"{f}:{n}" for f, n in written[w].most_common(3))

    print("support\tspelling_a\tspelling_b\tant_a\tsnn_a\tant_b\tsnn_b\tkinds\tforms_a\tforms_b")
    # Ties in a fixed order (set iteration order varies between runs).
    for (v, w), n in sorted(support.items(), key=lambda kv: (-kv[1], kv[0])):
        if n < min_support:
            break
        counts = [freq(v, "ant"), freq(v, "snn"), freq(w, "ant"), freq(w, "snn")]
        if counts[0] + counts[1] < 2 or counts[2] + counts[3] < 2:
            continue
        sv, sw = shown(v), shown(w)
        print(n, sv, sw, *counts, ",".join(kinds(sv, sw)), forms(v), forms(w), sep="\t")


def _ngrams(toks: list[str]) -> dict[str, int]:
    """Each word, word pair and word triple of a token list -> its first position."""
    out: dict[str, int] = {}
    for n in (3, 2, 1):
        for i in range(len(toks) - n + 1):
            out.setdefault(" ".join(toks[i : i + n]), i)
    return out


def verify(data: Path, groups_file: Path, per: int, written: bool = False) -> None:
    """For each group of ``groups_file`` (spellings separated by |): the articles of each corpus
    and each outlet using each spelling, and a few contexts to read (stdout; not for the repo).
    With ``written``, spellings are matched as written (for ى/ي, ة/ه, hamza: forms the
    normalizer folds), else after normalization."""
    fold = (lambda w: w) if written else normalize
    groups = [
        [p.strip() for p in line.split("|")]
        for line in groups_file.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    targets = {" ".join(fold(w) for w in s.split()): s for g in groups for s in g}
    df: dict[str, Counter] = defaultdict(Counter)
    outlets: dict[str, Counter] = defaultdict(Counter)
    contexts: dict[str, list[str]] = defaultdict(list)
    for corpus in CORPORA:
        for art in articles(data, corpus):
            text = f"{art.get('title') or ''} {art.get('body') or ''}"
            toks = [fold(w) for w in raw_words(text)]
            grams = _ngrams(toks)
            for t, s in targets.items():
                i = grams.get(t)
                if i is None:
                    continue
                df[s][corpus] += 1
                outlets[s][art["source"]] += 1
                if len(contexts[s]) < per:
                    n = len(t.split())
                    ctx = " ".join(toks[max(0, i - 6) : i]) + " [" + " ".join(toks[i : i + n])
                    contexts[s].append(ctx + "] " + " ".join(toks[i + n : i + n + 6]))
    for g in groups:
        print("## " + " | ".join(g))
        for s in g:
            top = ", ".join(f"{o}:{n}" for o, n in outlets[s].most_common(5))
            print(f"  {s}: ant={df[s]['ant']} snn={df[s]['snn']}  ({top})")
            for c in contexts[s]:
                print(f"      {c}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--min-support", type=int, default=2)
    ap.add_argument(
        "--verify", type=Path, help="a file of groups (a | b per line): print counts and contexts"
    )
    ap.add_argument("--per", type=int, default=3, help="contexts per spelling for --verify")
    ap.add_argument("--written", action="store_true", help="--verify: match spellings as written")
    args = ap.parse_args()
    if args.verify:
        verify(args.data, args.verify, args.per, args.written)
    else:
        mine(args.data, args.min_support)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
