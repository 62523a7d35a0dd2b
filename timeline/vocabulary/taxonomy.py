"""PLOVER event ontology as plain data (plover.toml), read into EVENT_TYPES.

Source: PLOVER, "Political Language Ontology for Verifiable Event Records", Open Event
Data Alliance (OEDA), https://github.com/openeventdata/PLOVER (codebook ``PLOVER_MANUAL.tex``
and ``README.md``). Licensed CC BY-SA 4.0 by the OEDA; the descriptions in plover.toml
are paraphrases, not quotations.

The taxonomy has three levels, each row pointing at its parent:

1. Quad categories (parent ``None``): the 2x2 of verbal/material x cooperation/conflict
   that PLOVER keeps from CAMEO (quad codes 1-4).
2. Event types (parent is a quad category): PLOVER's top-level categories, each the
   successor of a CAMEO two-digit "cue category". Codes are the lowercase PLOVER name.
3. Modes (parent is an event type, code ``<type>.<mode>``): the optional ``mode`` field,
   i.e. *how* the event happened (for THREATEN: what was threatened). Modes replace most of
   CAMEO's 3- and 4-digit sub-codes. PLOVER's third field, ``context`` (the *why*, e.g.
   military, economic, election), applies to any type and is not modelled here.

Versions read: manual DRAFT 2.0 (latest, the source of most modes), 0.8, 0.7b1 and
0.6b2, plus the README. The 19 event types and their quad assignment follow the README
(which matches the 0.6b2 manual plus FIGHT). Manual 2.0 consolidates these into 16 types:
DEMAND is renamed REQUEST, DISAPPROVE and INVESTIGATE merge into ACCUSE, CAMEO 19 FIGHT is
folded into ASSAULT, and CRIME is dropped in favour of crime contexts. Where a type was
renamed or merged, its modes are taken from its 2.0 successor (DISAPPROVE gets ACCUSE's
'disapprove' and 'allege'; ACCUSE 'investigate' is the INVESTIGATE type itself). CRIME modes
come from 0.6b2, AID modes from the draft table in 0.7b1, and FIGHT's only mode from 2.0's
CAMEO-to-PLOVER note. Types with no mode table in any version (AGREE, SUPPORT, CONCEDE,
COOPERATE, INVESTIGATE) have no modes. Manual 2.0's section text puts SANCTION in material
conflict, but its quad table and the README put it in verbal conflict, which is used here.

Databases get the vocabulary from a data migration that reads a frozen copy of it
(``as_document()`` written to a JSON file beside the migration), never this module: an
old migration keeps loading what it loaded when it was written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

PLOVER_VERSION = "2.0"  # manual DRAFT version read (openeventdata/PLOVER, PLOVER_MANUAL.tex)
PLOVER_SOURCE = "https://github.com/openeventdata/PLOVER"

# (code, label, parent_code or None, description), from plover.toml beside this module:
# the terms are data, kept as a table a curator can read and edit.
with (Path(__file__).resolve().parent / "plover.toml").open("rb") as _file:
    EVENT_TYPES: tuple[tuple[str, str, str | None, str], ...] = tuple(
        (term["code"], term["label"], term.get("parent"), term["description"])
        for term in tomllib.load(_file)["event_types"]
    )


def as_document() -> dict[str, Any]:
    """The vocabulary as a JSON-ready document, the form a data migration freezes: the
    PLOVER version it follows, and the terms in EVENT_TYPES order (every parent before
    its children, so a loader can resolve parents as it goes)."""
    return {
        "plover_version": PLOVER_VERSION,
        "source": PLOVER_SOURCE,
        "event_types": [
            {"code": code, "label": label, "parent": parent, "description": description}
            for code, label, parent, description in EVENT_TYPES
        ],
    }
