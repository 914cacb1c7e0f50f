"""Partners by year: a table derived from the fact tables by ``nzdefence build``, never edited.

For each partner country and year it counts the records of each counted table that involve
New Zealand and that partner, with the ids of the records counted, so that every figure can be
traced back to its rows (and through ``evidence`` to the words behind them).

What "involving New Zealand and the partner" means. Each record involves a set of countries,
read only from columns that hold, or exactly name, a country:

- agreements: the ``parties``;
- exercises: the ``participants``, the ``lead``, and the country of the ``location`` when the
  location exactly names one (see below): a Japanese port visit to Wellington involves Japan and
  New Zealand;
- deployments: the ``sending_country`` and the country of the ``destination`` when it exactly
  names one;
- capabilities: the ``buyer`` and the ``suppliers``;
- engagements: the ``sending_countries`` and the ``host_countries``;
- statements: the country of the speaker (``actors.country``) and the countries its ``topics``
  name (``united_states``, ``china``, ``japan``, ``united_kingdom``). A New Zealand minister on
  Japan counts for Japan; a Japanese minister on Japan, or on China, does not, because the data
  does not record whether it was about New Zealand. Topics that name no partner
  (``pacific_islands``, ``taiwan``: the Strait, not relations with Taiwan) count for none.

A record counts for partner P when its countries include New Zealand (NZL) and P. A record
with several partners counts once for each (Five Eyes counts for Australia, Canada, the UK and
the US). "Partner" is any other country: no alignment is implied, and China is counted like
any other. Status is not filtered: a proposed agreement counts as one; the ids let a reader
drop what they do not want.

A place "exactly names" a country when pycountry finds it by name, official or common name or
code, or it is one of the few names in ``PLACES`` (a capital, a short name the sources use).
Anything else (a sea, a region, "Korean Demilitarised Zone") names no country: nothing is
guessed.

Which year. A record counts in every calendar year its period, ``date_start`` to ``date_end``,
touches. ``date_precision`` says how exactly the text fixes the ends of that period, not how
long it is; a period of more than one calendar year is one the text gives as lasting (Ardern's
and Peters's positions "from 2017 to 2020"), and the record counts in each year it lasted. So
the same id can appear in several rows (several years, several partners): sum the ids, not
the counts, to count records. An undated record is counted in the partner's undated row
(``year`` empty), never guessed into a year.

A table joins the count by one entry in ``COUNTED``: its name, the column of ids, and the
function giving a record's countries. Milestones are not counted (each is a step of an
agreement that is), nor offices or documents (an office or a text is not a tie between two
countries).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from .dtypes import arrow_type

NZ = "NZL"

# Statement topics that name one country; every other topic names none. Each value of the
# schema's topic enum is in exactly one of the two (a test checks), so a new topic is decided.
TOPIC_COUNTRY = {
    "united_states": "USA",
    "china": "CHN",
    "japan": "JPN",
    "united_kingdom": "GBR",
}
TOPICS_WITHOUT_COUNTRY = (
    "alignment",
    "independent_foreign_policy",
    "us_elections",
    "nato",
    "ukraine",
    "pacific_islands",
    "indo_pacific",
    "taiwan",
    "south_china_sea",
    "aukus",
    "intelligence",
    "military_cooperation",
    "defence_spending",
    "security_outlook",
    "trade",
    "rules_based_order",
    "human_rights",
    "middle_east",
    "cyber",
)
# Places in the sources that name a country but that pycountry does not know by that name.
PLACES = {"Britain": "GBR", "Wellington": NZ}


def place_country(place: str | None) -> str | None:
    """The ISO alpha-3 code of the country a place's text exactly names, else None."""
    if not place:
        return None
    if place in PLACES:
        return PLACES[place]
    import pycountry

    try:
        return pycountry.countries.lookup(place).alpha_3
    except LookupError:
        return None


@dataclass(frozen=True)
class Known:
    """What a record's countries are looked up in: each actor's country, and the country each
    place named in the tables exactly names (resolved once per distinct place)."""

    actors: dict[str, str | None]
    places: dict[str, str | None]


@dataclass(frozen=True)
class Counted:
    """How the records of one fact table are counted."""

    table: str  # the fact table, and the name of its count column
    ids_column: str
    countries: Callable[
        [dict, Known], set[str | None]
    ]  # the countries a record involves
    rule: (
        str  # which records count, in words: completes "Number of records of <table> …"
    )
    columns: tuple[str, ...]  # every column ``countries`` reads
    place_columns: tuple[
        str, ...
    ] = ()  # columns of place names that ``countries`` reads


COUNTED = (
    Counted(
        "agreements",
        "agreement_ids",
        lambda row, _: {*(row["parties"] or [])},
        "whose parties include New Zealand and the partner (any status)",
        ("parties",),
    ),
    Counted(
        "exercises",
        "exercise_ids",
        lambda row, known: {
            *(row["participants"] or []),
            row["lead"],
            known.places.get(row["location"]),
        },
        "whose participants, lead or location (when it exactly names a country) include "
        "New Zealand and the partner",
        ("participants", "lead", "location"),
        place_columns=("location",),
    ),
    Counted(
        "deployments",
        "deployment_ids",
        lambda row, known: {
            row["sending_country"],
            known.places.get(row["destination"]),
        },
        "sent by New Zealand to the partner (the destination exactly names it), or by the "
        "partner to New Zealand",
        ("sending_country", "destination"),
        place_columns=("destination",),
    ),
    Counted(
        "capabilities",
        "capability_ids",
        lambda row, _: {row["buyer"], *(row["suppliers"] or [])},
        "bought by New Zealand from the partner, or by the partner from New Zealand",
        ("buyer", "suppliers"),
    ),
    Counted(
        "engagements",
        "engagement_ids",
        lambda row, _: {
            *(row["sending_countries"] or []),
            *(row["host_countries"] or []),
        },
        "whose sending or host countries include New Zealand and the partner",
        ("sending_countries", "host_countries"),
    ),
    Counted(
        "statements",
        "statement_ids",
        lambda row, known: {
            known.actors.get(row["speaker"]),
            *(TOPIC_COUNTRY.get(topic) for topic in row["topics"] or []),
        },
        "by a New Zealand speaker (actors.country) with a topic naming the partner "
        "(united_states, china, japan, united_kingdom)",
        ("speaker", "topics"),
    ),
)
COUNTED_BY_TABLE = {counted.table: counted for counted in COUNTED}


def known(tables: dict[str, pa.Table]) -> Known:
    """The actors' countries, and the country of every distinct place the counted tables name."""
    import pyarrow.compute as pc

    actors = tables["actors"]
    places: set[str] = set()
    for counted in COUNTED:
        for column in counted.place_columns:
            places.update(pc.unique(tables[counted.table][column]).to_pylist())
    return Known(
        dict(zip(actors["id"].to_pylist(), actors["country"].to_pylist())),
        {place: place_country(place) for place in places if place},
    )


def involved(table: str, row: dict, known: Known) -> set[str]:
    """The countries a record of a counted table involves (New Zealand among them or not)."""
    return {code for code in COUNTED_BY_TABLE[table].countries(row, known) if code}


def years(row: dict) -> list[int | None]:
    """Every calendar year a record's period touches, ``first_year`` to ``last_year`` (the
    years of date_start and of date_end, or date_start if it has no end); [None] if it is
    undated."""
    if row["first_year"] is None:
        return [None]
    return list(range(row["first_year"], row["last_year"] + 1))


def _field(name: str, type_: str, description: str, **extra) -> dict:
    return {"name": name, "type": type_, "description": description, **extra}


def descriptor() -> dict:
    """The derived table's Frictionless Table Schema (inline in datapackage.json)."""
    fields = [
        _field(
            "partner",
            "string",
            "ISO 3166-1 alpha-3 code of the partner country: any country other than New "
            "Zealand that a record involves together with New Zealand.",
            codelist="ISO 3166-1 alpha-3",
            constraints={"required": True, "pattern": "[A-Z]{3}"},
        ),
        _field(
            "year",
            "integer",
            "Calendar year the counted records fall in (a record lasting several years counts "
            "in each); empty for the records with no date.",
        ),
        _field(
            "records",
            "integer",
            "Sum of the counts in this row.",
            constraints={"required": True, "minimum": 1},
        ),
    ]
    for counted in COUNTED:
        fields += [
            _field(
                counted.table,
                "integer",
                f"Number of records of {counted.table} {counted.rule}, in this year.",
                constraints={"required": True, "minimum": 0},
            ),
            _field(
                counted.ids_column,
                "list",
                f"The ids of those records of {counted.table}, sorted.",
                delimiter=";",
                itemType="string",
            ),
        ]
    return {
        "name": "partners_by_year",
        "title": "Partners by year",
        "description": "Derived by nzdefence build from the fact tables, never edited: for each "
        "partner country and year, how many records of each fact table involve New Zealand "
        "and that partner, with their ids. One row per partner and year with at least one "
        "record; a missing row is a count of zero.",
        # No primaryKey: (partner, year) is unique, but year is empty in the undated rows, and
        # a key with an empty part is refused by SQL databases that import the package.
        "missingValues": [""],
        "fields": fields,
    }


def table_schema():
    """The derived table's schema as the package models one (for the CSV writer and the data
    dictionary)."""
    from .schemas import parse_descriptor

    return parse_descriptor({"primaryKey": [], **descriptor()})


def partners_by_year(tables: dict[str, pa.Table]) -> pa.Table:
    """The derived table: one row per partner and year (undated last) with counts and ids."""
    import pyarrow.compute as pc

    lookups = known(tables)
    counted_ids: dict[tuple[str, int | None], dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for counted in COUNTED:
        # Only the columns read become Python objects, and the dates only their years:
        # converting whole rows and dates was most of the time.
        rows = tables[counted.table]
        read = pa.table(
            {
                "id": rows["id"],
                "first_year": pc.year(rows["date_start"]),
                "last_year": pc.year(pc.coalesce(rows["date_end"], rows["date_start"])),
                **{column: rows[column] for column in counted.columns},
            }
        )
        for row in read.to_pylist():
            countries = involved(counted.table, row, lookups)
            if NZ not in countries:
                continue
            for partner in countries - {NZ}:
                for year in years(row):
                    counted_ids[partner, year][counted.table].add(row["id"])
    keys = sorted(counted_ids, key=lambda key: (key[0], key[1] is None, key[1] or 0))
    columns: dict[str, list] = {
        "partner": [k[0] for k in keys],
        "year": [k[1] for k in keys],
    }
    columns["records"] = [
        sum(len(ids) for ids in counted_ids[key].values()) for key in keys
    ]
    for counted in COUNTED:
        ids = [sorted(counted_ids[key].get(counted.table, ())) for key in keys]
        columns[counted.table] = [len(each) for each in ids]
        columns[counted.ids_column] = ids
    fields = table_schema().fields
    schema = pa.schema([(field.name, arrow_type(field.type)) for field in fields])
    return pa.table(columns, schema=schema)


def csv_bytes(table: pa.Table) -> bytes:
    """The derived table as the build writes it, in the dataset's CSV dialect."""
    from .csvio import to_csv

    return to_csv(table, table_schema()).encode("utf-8")
