"""ACLED's CSV export mapped onto our model (timeline/bulk/importing/acled.py).

tests/data/acled_sample.csv is NOT ACLED data: its 15 rows are invented, in the
columns and style of ACLED's CSV export. They cover every ACLED event type family
(battles, explosions/remote violence, violence against civilians, protests, riots,
strategic developments); the three time precisions (1; 2 in SDN90002 and BFA90013;
3 in MMR90004, which also has geo_precision 3); both event_date styles (SDN90002
reads "15 March 2024"); ';'-separated associated actors (NGA90003, MEX90005,
MLI90012, BFA90013); state forces (SDN90001, KEN90006, PAK90007's target...),
external forces (UKR90009); and two rows with the same place, actors and a shared
source (SDN90001, SDN90015), which must not create anything twice.
"""

from __future__ import annotations

import io

import pytest

from tests.bulk.test_importing import (
    acled_rows,
    acled_text,
    by_external_id,
    counts,
    import_acled,
    without_ids,
)
from timeline.bulk.importing import RowError, acled_records, events_import
from timeline.bulk.importing.acled import ACLED_EVENT_TYPES
from timeline.models import Actor, Event, EventActor
from timeline.vocabulary.taxonomy import EVENT_TYPES

pytestmark = pytest.mark.django_db


def test_every_acled_pair_maps_to_a_code_of_the_vocabulary():
    codes = {code for code, *_ in EVENT_TYPES}
    assert {code for _, _, code in ACLED_EVENT_TYPES} <= codes
    assert len({(kind, sub) for kind, sub, _ in ACLED_EVENT_TYPES}) == len(ACLED_EVENT_TYPES)


def test_the_acled_sample_imports_with_the_documented_mapping(api):
    summary = import_acled()

    assert summary.rows == 15
    assert summary.created["events"] == 15
    assert summary.rejected == []
    events = by_external_id(api)
    clash = events["SDN90001"]
    notes = (
        "On 12 March 2024, the Sudanese Armed Forces and the Rapid Support Forces clashed "
        "near the central market in Khartoum."
    )
    assert without_ids(clash) == {
        "dataset": "acled",
        "external_id": "SDN90001",
        "title": "Armed clash in Khartoum",
        "summary": notes + " Fatalities: 7.",
        "event_type": {"code": "fight", "label": "Fight"},
        "start_date": "2024-03-12",
        "end_date": "2024-03-12",
        "date_precision": "day",
        "ongoing": False,
        "certainty": "reported",
        "location": {
            "name": "Khartoum",
            "kind": "city",
            "country_code": "SD",
            "admin1": "Khartoum",
            "latitude": 15.5881,
            "longitude": 32.5342,
            "coordinate_precision": "exact",
        },
        "actors": [
            {
                "name": "Military Forces of Sudan (2019-)",
                "kind": "armed_force",
                "country_code": "SD",  # state forces: the event's country
                "role": "initiator",
            },
            {
                "name": "Rapid Support Forces",
                "kind": "armed_group",
                "country_code": "",
                "role": "target",
            },
        ],
        "sources": [
            {
                "url": "",
                "publisher": publisher,
                "title": "ACLED source",
                "published_on": None,
                "quote": notes,
            }
            for publisher in ("Sudan Tribune", "Radio Dabanga")
        ],
    }

    # time_precision 2 and a "DD Month YYYY" date: a week around the day.
    strike = events["SDN90002"]
    assert (strike["start_date"], strike["end_date"], strike["date_precision"]) == (
        "2024-03-12",
        "2024-03-18",
        "day",
    )
    assert strike["event_type"]["code"] == "assault.aerial"
    assert strike["location"]["coordinate_precision"] == "near"

    # time_precision 3: the month; geo_precision 3: a region.
    shelling = events["MMR90004"]
    assert (shelling["start_date"], shelling["end_date"], shelling["date_precision"]) == (
        "2024-01-01",
        "2024-01-31",
        "month",
    )
    assert shelling["location"]["kind"] == "region"
    assert shelling["location"]["coordinate_precision"] == "region"
    assert shelling["event_type"]["code"] == "assault.heavy-weapons"

    # Associated actors, ';'-separated: supporters of actor1; no actor2, no target.
    demo = events["MEX90005"]
    assert demo["event_type"]["code"] == "protest.demo"
    assert demo["summary"].endswith("International Women's Day. Fatalities: 0.")
    assert [(a["name"], a["kind"], a["country_code"], a["role"]) for a in demo["actors"]] == [
        ("Protesters (Mexico)", "other", "", "initiator"),
        ("Women (Mexico)", "other", "", "supporter"),
        ("Students (Mexico)", "other", "", "supporter"),
    ]
    abduction = events["NGA90003"]
    assert [(a["name"], a["role"]) for a in abduction["actors"]] == [
        ("Unidentified Armed Group (Nigeria)", "initiator"),
        ("Civilians (Nigeria)", "target"),
        ("Students (Nigeria)", "target"),
        ("Teachers (Nigeria)", "target"),
    ]
    # External forces are an armed force of no country of the event.
    landmine = events["UKR90009"]["actors"][0]
    assert (landmine["kind"], landmine["country_code"]) == ("armed_force", "")

    assert {external_id: event["event_type"]["code"] for external_id, event in events.items()} == {
        "SDN90001": "fight",
        "SDN90002": "assault.aerial",
        "NGA90003": "assault.abduct",
        "MMR90004": "assault.heavy-weapons",
        "MEX90005": "protest.demo",
        "KEN90006": "assault.crowd-control",
        "PAK90007": "protest.riot",
        "COL90008": "protest.riot",
        "UKR90009": "assault.explosives",
        "SOM90010": "assault.suicide-attack",
        "SYR90011": "agree",
        "MLI90012": "coerce.arrest",
        "BFA90013": "assault.sexual",
        "COD90014": "assault.destroy",
        "SDN90015": "fight",
    }


BAD_CELLS = [
    ({"event_date": "31 February 2024"}, "event_date: '31 February 2024' is not a date"),
    ({"event_date": "2024/03/20"}, "event_date"),
    ({"iso": "999", "country": "Atlantis"}, "iso/country"),
    ({"sub_event_type": "Picnic"}, "no mapping for 'Battles' / 'Picnic'"),
    ({"time_precision": "4"}, "time_precision"),
    ({"inter2": "9"}, "inter2"),
    ({"latitude": "123.4"}, "location.latitude: 123.4 is out of range"),
    ({"fatalities": "many"}, "fatalities"),
    ({"notes": "Nul\x00byte"}, "NUL bytes"),
]


@pytest.mark.parametrize(("cells", "reason"), BAD_CELLS)
def test_a_bad_row_aborts_the_whole_import_naming_the_row(cells, reason):
    rows = acled_rows()
    rows[-1].update(cells)  # row 16: the header is row 1

    with pytest.raises(RowError) as raised:
        import_acled(rows, batch_size=4)  # three batches were written before it

    assert raised.value.row == 16
    assert reason in raised.value.reason
    assert str(raised.value).startswith("row 16: ")
    assert all(count == 0 for count in counts().values())


@pytest.mark.parametrize(("cells", "reason"), BAD_CELLS[:3])
def test_skipping_invalid_rows_imports_the_rest_and_lists_the_bad_ones(cells, reason):
    rows = acled_rows()
    rows[4].update(cells)  # MEX90005, row 6

    summary = import_acled(rows, skip_invalid=True)

    assert [row for row, _ in summary.rejected] == [6]
    assert reason in summary.rejected[0][1]
    assert summary.created["events"] == 14
    assert not Event.objects.filter(external_id="MEX90005").exists()
    assert not Actor.objects.filter(name="Protesters (Mexico)").exists()  # nothing half-made


def test_an_actor_on_both_sides_is_one_participant():
    rows = acled_rows()[:1]
    rows[0].update(actor2="Military Forces of Sudan (2019-)", inter2="1")

    import_acled(rows)

    links = EventActor.objects.filter(event__external_id="SDN90001")
    assert [(link.actor.name, link.role) for link in links] == [
        ("Military Forces of Sudan (2019-)", "participant")
    ]


def test_a_dataset_option_renames_the_acled_dataset():
    text = acled_text(acled_rows()[:2])

    events_import(records=acled_records(io.StringIO(text), dataset="acled-2024"))

    assert set(Event.objects.values_list("dataset", flat=True)) == {"acled-2024"}
