"""Near-duplicates: the same story syndicated with small edits, found with MinHash and LSH.

An article's fingerprint is the MinHash (datasketch, ``affine32`` scheme) of the word
5-shingles of its normalised body (lower-cased runs of letters and digits). Work per
article is bounded: only the first :data:`MAX_WORDS` words are shingled. Bodies shorter
than :data:`MIN_WORDS` words get no fingerprint (only exact duplicates are found for them:
a few shared words say too little).

Two articles are near-duplicates when their estimated Jaccard similarity reaches the
``near_duplicate_threshold`` setting. Candidates come from LSH bands (as many bands and
rows as datasketch's :class:`~datasketch.MinHashLSH` chooses for the threshold): an index of
the band keys of the run's articles that are not in the lake yet (in memory: the shards
before may still be waiting for extraction), and the same bands looked up among the
articles the lake already holds, by the band hashes stored with each (``minhash_bands``;
:func:`warehouse.signatures.lake_candidates`, streamed by DuckDB, so memory does not grow
with the lake). A near-duplicate links to the first copy (``duplicate_of``): to the
article it matched, or to the one that article is itself a copy of.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from warehouse.lake import Lake
from warehouse.signatures import band_hash, lake_candidates

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE_WORDS = 5  # words per shingle
MAX_WORDS = 2_000  # words of a body that are shingled (a long story has 1,500-3,000)
MIN_WORDS = 25  # shorter bodies get no fingerprint
MAX_RECENT = 30_000  # articles indexed in memory (~2.5 KB each) by a finder without a lake
SCHEME = "affine32"
SEED = 1
_WORD = re.compile(r"\w+")
_PRIME = np.uint64(0x100000001B3)  # FNV-64 prime: mixes word hashes into a shingle hash


@cache
def _datasketch() -> Any:
    """datasketch, imported on first use (it imports SciPy: a second of start-up that a run with
    nothing new to normalise need not pay)."""
    import datasketch

    return datasketch


@cache
def _permutations(num_perm: int) -> np.ndarray:
    return _datasketch().MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations


def _identity(value: int) -> int:
    return value


def shingle_hashes(body: str) -> np.ndarray | None:
    """32-bit hashes of the body's word 5-shingles, from its first MAX_WORDS words (None: too short).

    Each word is hashed once (CRC-32, stable across processes), and a shingle's hash is
    a polynomial of its words' hashes, folded to 32 bits.
    """
    words = _WORD.findall(body.lower())[:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return None
    h = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE_WORDS + 1
    s = h[:n].copy()
    for j in range(1, SHINGLE_WORDS):
        s = s * _PRIME + h[j : j + n]  # wraps modulo 2**64
    return ((s ^ (s >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's ``affine32`` scheme applies to each input hash."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _values(body: str, num_perm: int) -> np.ndarray | None:
    """The MinHash values :func:`fingerprint` holds, without building the datasketch object."""
    hashes = shingle_hashes(body)
    if hashes is None:
        return None
    a, b = _permutations(num_perm)
    return (_fmix32(hashes)[:, None] * a + b).min(axis=0).astype(np.uint32)


def fingerprint(body: str, num_perm: int) -> MinHash | None:
    """The body's MinHash, or None when it is too short to have one.

    The values are those ``MinHash.update_batch`` computes (``affine32``: the minimum of
    ``a * fmix32(h) + b`` modulo 2**32 per permutation), taken in one array operation
    instead of a Python loop over the shingles (tested to be equal).
    """
    values = _values(body, num_perm)
    if values is None:
        return None
    return _datasketch().MinHash(seed=SEED, scheme=SCHEME, hashvalues=values, permutations=_permutations(num_perm), hashfunc=_identity)


def encode(m: MinHash) -> str:
    """A MinHash as the hex string stored in the ``minhash`` column (8 hex digits per value)."""
    return _hex(m.hashvalues)


def _hex(values: np.ndarray) -> str:
    """MinHash values as the ``minhash`` column's hex (big-endian, 8 digits each)."""
    return values.astype(">u4").tobytes().hex()


def decode(text: str) -> MinHash:
    values = np.frombuffer(bytes.fromhex(text), dtype=">u4").astype(np.uint32)
    return _datasketch().MinHash(seed=SEED, scheme=SCHEME, hashvalues=values, permutations=_permutations(len(values)), hashfunc=_identity)


def band_keys(hexed: str, bands: int, rows: int) -> list[tuple[int, str]]:
    """The LSH band keys of an encoded MinHash: (band number, its slice of the hex string)."""
    width = 8 * rows
    return [(b, hexed[b * width : (b + 1) * width]) for b in range(bands)]


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash value arrays (as ``MinHash.jaccard`` computes it)."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass
class NearDuplicateFinder:
    """Finds near-duplicates of each shard's articles among themselves, among the articles
    of the shards normalised before them that are not in the lake yet (kept in memory until
    :meth:`stored` says they are; without a lake, the last :data:`MAX_RECENT`) and among
    the articles ``lake`` holds (None: the lake is not searched).

    The articles in memory are indexed by their LSH band keys (datasketch's choice of bands
    and rows for the threshold), which finds exactly the candidates ``MinHashLSH.query``
    finds, in plain dictionaries of the bands' 64-bit hashes (no MinHash object per article)."""

    threshold: float
    num_perm: int = 128
    lake: Lake | None = None
    _params: tuple[int, int] = field(init=False, default=(0, 0))
    _bands: list[dict[int, list[int]]] = field(init=False, default_factory=list)  # per band: its hash -> articles
    _seen: dict[int, tuple[str, str, np.ndarray]] = field(init=False, default_factory=dict)  # key -> id, first copy, values (oldest first)
    _by_article: dict[str, list[int]] = field(init=False, default_factory=dict)  # article id -> its keys in _seen
    _count: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"near_duplicate_threshold must lie in (0, 1], got {self.threshold}")

    def link(self, articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Set ``minhash`` and its band hashes (``minhash_bands``, ``minhash_band_rows``) on each
        article and ``duplicate_of`` on its near-duplicates, in order.

        An exact duplicate (``duplicate_of`` already set) keeps its link, re-pointed to the
        first copy, and stores no fingerprint of its own (its original has the same one).
        Returns the articles that became near-duplicates here.
        """
        if not articles:
            return []
        if not self._bands:
            lsh = _datasketch().MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
            self._params = (lsh.b, lsh.r)
            self._bands = [{} for _ in range(lsh.b)]
        bands, rows = self._params
        prints: list[tuple[np.ndarray | None, str | None]] = []
        for a in articles:
            values = None if a["duplicate_of"] else _values(a["body"], self.num_perm)
            prints.append((values, _hex(values) if values is not None else None))
        stored = self._stored_matches([h for _, h in prints if h is not None], bands, rows)
        root: dict[str, str] = {}  # article_id -> the first copy it stands for
        linked = []
        for a, (values, hexed) in zip(articles, prints):
            a["minhash"] = hexed
            a["minhash_bands"] = [band_hash(b, key) for b, key in band_keys(hexed, bands, rows)] if hexed else []
            a["minhash_band_rows"] = rows if hexed else None
            if a["duplicate_of"]:
                a["duplicate_of"] = root.get(a["duplicate_of"], a["duplicate_of"])
                continue
            if values is None:
                continue
            best: tuple[float, str] | None = None
            for cand in stored.get(hexed, ()):
                if cand["article_id"] != a["article_id"]:
                    best = _better(best, _similarity(values, cand["values"]), cand["duplicate_of"] or cand["article_id"])
            keys = a["minhash_bands"]
            for other in {k for band, key in zip(self._bands, keys) for k in band.get(key, ())}:
                other_id, first, other_values = self._seen[other]
                if other_id != a["article_id"]:
                    best = _better(best, _similarity(values, other_values), first)
            if best is not None and best[0] >= self.threshold and best[1] != a["article_id"]:
                a["duplicate_of"] = root[a["article_id"]] = best[1]
                linked.append(a)
            self._remember(a["article_id"], a["duplicate_of"] or a["article_id"], values, keys)
        return linked

    def _remember(self, article_id: str, first: str, values: np.ndarray, keys: list[int]) -> None:
        """Index an article for the shards that follow; without a lake, forget the oldest beyond MAX_RECENT."""
        key = self._count = self._count + 1
        self._seen[key] = (article_id, first, values)
        self._by_article.setdefault(article_id, []).append(key)
        for band, band_key in zip(self._bands, keys):
            band.setdefault(band_key, []).append(key)
        if self.lake is None and len(self._seen) > MAX_RECENT:
            self._forget(next(iter(self._seen)))

    def stored(self, articles: list[dict[str, Any]]) -> None:
        """These articles (a shard, as :meth:`link` saw it) are now in the lake, where later
        shards find them: the index forgets them. Until then it holds them, however many
        shards wait for extraction."""
        for a in articles:
            keys = self._by_article.get(a["article_id"])
            if keys:
                self._forget(keys[0])  # the oldest version indexed: the shards are stored in order

    def _forget(self, key: int) -> None:
        article_id, _, values = self._seen.pop(key)
        held = self._by_article[article_id]
        held.remove(key)
        if not held:
            del self._by_article[article_id]
        bands, rows = self._params
        for band, band_key in zip(self._bands, (band_hash(b, k) for b, k in band_keys(_hex(values), bands, rows))):
            holders = band[band_key]
            holders.remove(key)
            if not holders:
                del band[band_key]

    def _stored_matches(self, hexes: list[str], bands: int, rows: int) -> dict[str, list[dict[str, Any]]]:
        """For each encoded MinHash of the shard, the stored articles sharing one of its bands."""
        if self.lake is None or not hexes:
            return {}
        wanted: dict[tuple[int, str], list[str]] = {}
        for h in hexes:
            for key in band_keys(h, bands, rows):
                wanted.setdefault(key, []).append(h)
        found = lake_candidates(self.lake, list(wanted), bands, rows, self.num_perm)
        if found is None:
            return {}
        # each stored version's MinHash is decoded once, however many bands it matches in
        prints = {
            (filename, article_id): {"article_id": article_id, "duplicate_of": duplicate_of,
                                     "values": np.frombuffer(bytes.fromhex(hexed), dtype=">u4").astype(np.uint32)}
            for filename, article_id, duplicate_of, hexed in zip(*(found.prints[c].to_pylist() for c in ("filename", "article_id", "duplicate_of", "minhash")))
        }
        keys = found.hits["key"].combine_chunks().dictionary_encode()
        key_texts = keys.dictionary.to_pylist()
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for filename, article_id, band, key in zip(*(found.hits[c].to_pylist() for c in ("filename", "article_id", "band")), keys.indices.to_pylist()):
            version = prints.get((filename, article_id))
            if version is not None:
                for h in wanted.get((band, key_texts[key]), ()):
                    out.setdefault(h, {})[article_id] = version
        return {h: list(found.values()) for h, found in out.items()}


def _better(best: tuple[float, str] | None, score: float, first: str) -> tuple[float, str]:
    """The higher similarity; on a tie, the smaller article id (a stable choice)."""
    if best is None or score > best[0] or (score == best[0] and first < best[1]):
        return score, first
    return best
