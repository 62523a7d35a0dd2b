"""What the synthetic data is made of: word lists, name forms, and pronounceable
made-up words, with the weighted draws the generator makes from them."""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Any

from timeline.models import ActorKind


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ONSETS = _words("b d f g h k l m n p r s t v z br dr gr kh kr sh st tr zh al ar el")
VOWELS = _words("a e i o u a e i o ai ei ou ia")
CODAS = ("", "", "", *_words("n r s k l m sh t nd rk"))
# Accented spellings a transliteration might use, for aliases.
ACCENTED = {
    "a": "áâä",
    "e": "éèê",
    "i": "íî",
    "o": "óöô",
    "u": "úüû",
    "c": "ç",
    "n": "ñ",
    "s": "ş",
    "z": "ž",
}
FIRST_NAMES = _words(
    """Amina Omar Leila Hassan Elena Ivan Maria Jose Chen Wei Aiko Kenji Fatima Ali Sofia
    Mateo Nadia Yusuf Ana Pedro Irina Dmitri Zara Tariq Noor Samir Lina Karim Mariam Daniel
    Rosa Luis Hana Farid Olga Pavel Grace Kwame Ama Kofi Ngozi Tunde Priya Arjun Mei Jun
    Sara David Yasmin Reza Parisa Ahmad Dilnoza Timur Aruzhan Bolat Ines Tomas"""
)
ADMIN1_FORMS = ("{w}", "{w} Province", "{w} Region", "{w} District")
PLACE_FORMS = ("{w}", "{w}", "{w}", "{w}", "New {w}", "Port {w}", "{w} Springs", "{w}abad")
SITE_FORMS = (
    "{w} Air Base",
    "{w} Border Crossing",
    "{w} Dam",
    "{w} Airport",
    "{w} Bridge",
    "{w} Refugee Camp",
    "{w} Oil Field",
    "{w} Checkpoint",
    "Mount {w}",
    "Camp {w}",
)
# Names by kind of actor: {w} a made-up word, {c} the actor's country.
ACTOR_FORMS: dict[str, tuple[str, ...]] = {
    ActorKind.GOVERNMENT_BODY: (
        "Ministry of {w} Affairs",
        "{w} Agency",
        "{w} Commission",
        "{w} Directorate",
        "{w} Authority",
        "Office of the {w} Council",
    ),
    ActorKind.ARMED_FORCE: (
        "{c} Army",
        "{c} Navy",
        "{c} Air Force",
        "{c} National Guard",
        "{c} Border Guard",
        "{c} Police",
        "{w} Brigade",
        "{w} Regiment",
        "{w} Division",
        "{w} Battalion",
    ),
    ActorKind.ARMED_GROUP: (
        "{w} Liberation Front",
        "{w} Brigades",
        "{w} Resistance Movement",
        "Popular Army of {w}",
        "{w} Defence Forces",
        "{w} Militia",
    ),
    ActorKind.POLITICAL_GROUP: (
        "{w} Party",
        "{w} Alliance",
        "{w} Democratic Union",
        "{w} Popular Movement",
        "{w} Labour Party",
        "{w} National Congress",
    ),
    ActorKind.ORGANISATION: (
        "{w} Cooperation Council",
        "{w} Development Bank",
        "{w} Union",
        "{w} Organisation",
        "{w} Commission",
        "{w} Forum",
    ),
    ActorKind.MEDIA: (
        "The {w} Times",
        "{w} Herald",
        "{w} Post",
        "{w} Gazette",
        "{w} News",
        "{w} Radio",
        "{w} Television",
    ),
    ActorKind.OTHER: (
        "{w} Foundation",
        "{w} Trading Company",
        "{w} Clan",
        "{w} Cooperative",
        "{w} Association",
    ),
}
# Kinds of the actors made after the states (one per large country), with weights.
ACTOR_KIND_WEIGHTS = (
    (ActorKind.PERSON, 30),
    (ActorKind.ARMED_GROUP, 12),
    (ActorKind.POLITICAL_GROUP, 12),
    (ActorKind.GOVERNMENT_BODY, 12),
    (ActorKind.ARMED_FORCE, 10),
    (ActorKind.ORGANISATION, 6),
    (ActorKind.MEDIA, 8),
    (ActorKind.OTHER, 5),
)
PUBLISHER_FORMS = (
    "The {w} Times",
    "{w} Herald",
    "{w} Daily",
    "{w} News Agency",
    "{w} Observer",
    "{w} Tribune",
)
# What events of each PLOVER event type (the code before the dot) say, for titles.
TYPE_PHRASES = {
    "agree": "agree on",
    "consult": "hold talks on",
    "support": "back a plan on",
    "concede": "make concessions on",
    "cooperate": "cooperate on",
    "aid": "send aid over",
    "retreat": "pull back over",
    "investigate": "open an inquiry into",
    "demand": "demand action on",
    "disapprove": "condemn moves on",
    "reject": "reject proposals on",
    "threaten": "threaten measures over",
    "sanction": "impose sanctions over",
    "protest": "protest over",
    "crime": "accused of crimes linked to",
    "mobilize": "mobilize over",
    "coerce": "crack down over",
    "assault": "attack amid dispute over",
    "fight": "clash over",
}
TOPICS = (
    "water rights",
    "border security",
    "fuel prices",
    "election results",
    "grain exports",
    "fishing zones",
    "mining licences",
    "refugee returns",
    "a detained journalist",
    "the new constitution",
    "customs duties",
    "pipeline tariffs",
    "the peace plan",
    "land reform",
    "port access",
    "power cuts",
    "a disputed island",
    "prisoner exchanges",
    "the budget",
    "vaccine supplies",
)
VOCABULARY = _words(
    """officials witnesses residents delegation ministers spokesperson convoy talks agreement
    statement protesters police soldiers militants villagers farmers workers students
    journalists observers envoy negotiators border checkpoint highway market harbour province
    capital district village airport bridge camp crossing pipeline refinery election
    parliament ceasefire sanctions embargo treaty summit visit exercise drills shelling
    airstrike raid arrests detentions curfew strike boycott rally march petition inquiry
    tribunal verdict appeal amnesty release exchange aid shipment relief supplies drought
    flood harvest prices wages fuel water electricity hospital school mosque church temple
    monument embassy consulate council committee commission coalition opposition government
    army navy militia rebels coast mountains desert river valley morning evening overnight
    weekend reportedly confirmed denied announced demanded condemned welcomed urged warned
    pledged signed rejected postponed resumed"""
)


# -- drawing ----------------------------------------------------------------------------------


def cumulative(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


def pick(rng: random.Random, items: Sequence[Any], totals: list[float]) -> Any:
    """One of ``items``, drawn by the weights whose running ``totals`` are given."""
    return items[bisect.bisect(totals, rng.random() * totals[-1])]


def ascii_only(text: str) -> str:
    """``text`` without its accents. Names stay ASCII so that Python's lower() and the
    database's LOWER() (ASCII-only on SQLite) agree on the case-insensitive natural
    keys; the accented spellings go into the aliases."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii())


def slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


class Words:
    """Pronounceable made-up words: place names, surnames, group names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        rng = self.rng
        syllables = 2 if rng.random() < 0.7 else 3
        text = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
        return (text + rng.choice(CODAS)).capitalize()

    def accented(self, text: str) -> str:
        """``text`` with one letter accented (unchanged if none can be)."""
        positions = [n for n, ch in enumerate(text) if ch in ACCENTED]
        if not positions:
            return text
        n = self.rng.choice(positions)
        return text[:n] + self.rng.choice(ACCENTED[text[n]]) + text[n + 1 :]
