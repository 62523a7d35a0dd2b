"""Checking in a second process (timeline/bulk/importing/parallel.py,
import_events --processes 2)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import ANY

import pytest
from django.core.management import CommandError, call_command

from tests.bulk.test_importing import (
    ACLED_SAMPLE,
    ROOT,
    acled_rows,
    acled_text,
    api_events,
    counts,
    deadline,
    import_acled,
    wipe,
    without_ids,
)
from tests.factories import ActorFactory
from timeline.bulk.importing import CheckingFailed, RowError, acled_records, events_import
from timeline.bulk.importing.checking import Checker
from timeline.models import Actor, Change
from timeline.services.documents import DocumentError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hang_fails() -> Iterator[None]:
    """Each test forks a checking process: a hang fails it."""
    with deadline():
        yield


def import_outcome(api, rows, processes, **options):
    """What an import leaves: its summary (or the error it raised), the events as the
    API shows them (ids aside), and the change log's entries by kind."""
    try:
        outcome: object = import_acled(rows, processes=processes, batch_size=4, **options)
    except RowError as error:
        outcome = str(error)
    events = sorted((without_ids(event) for event in api_events(api)), key=str)
    logged = Counter(Change.objects.values_list("entity", "action"))
    return outcome, events, logged


@pytest.fixture
def checking_pids(monkeypatch, tmp_path):
    """The ids of the processes that checked rows since the last call."""
    path = tmp_path / "pids"
    path.touch()
    check = Checker.check

    def checking(self, number, record):
        with open(path, "a") as out:  # a forked child's writes land here too
            out.write(f"{os.getpid()}\n")
        return check(self, number, record)

    def pids() -> set[int]:
        found = {int(pid) for pid in path.read_text().split()}
        path.write_text("")
        return found

    monkeypatch.setattr(Checker, "check", checking)
    return pids


@pytest.mark.parametrize("skip_invalid", [True, False])
def test_a_second_process_checks_the_rows_as_this_one_does(api, checking_pids, skip_invalid):
    """The same summary, rows rejected, events, places, actors, sources and change log.
    Batches of 4 over 15 rows: places, actors and a source new in one chunk are named
    again in later ones (SDN90001 and SDN90015)."""
    rows = acled_rows()
    rows[6]["event_date"] = "someday"
    rows[9]["sub_event_type"] = "Picnic"
    existing = ActorFactory(name="RAPID SUPPORT FORCES", kind="armed_group", country_code="")

    one = import_outcome(api, rows, 1, skip_invalid=skip_invalid)
    assert checking_pids() == {os.getpid()}
    wipe()
    existing = ActorFactory(name=existing.name, kind=existing.kind, country_code="")
    two = import_outcome(api, rows, 2, skip_invalid=skip_invalid)

    assert two == one
    (checker,) = checking_pids()
    assert checker != os.getpid()  # checked in another process
    if skip_invalid:
        assert one[0].rejected == [(8, ANY), (11, ANY)] and len(one[1]) == 13
        assert Actor.objects.filter(name__iexact=existing.name).count() == 1
    else:
        assert one[0].startswith("row 8: event_date:") and one[1] == []


def test_a_checking_process_that_dies_fails_the_import_and_writes_nothing(monkeypatch):
    check = Checker.check

    def dying(self, number, record):
        if number == 9:  # in the second chunk (rows 6-9; the header is row 1)
            os._exit(7)
        return check(self, number, record)

    monkeypatch.setattr(Checker, "check", dying)  # the fork inherits it

    with pytest.raises(CheckingFailed, match=r"exit code 7\) before the end of the file"):
        import_acled(processes=2, batch_size=4)

    assert all(count == 0 for count in counts().values())


class Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")  # args cannot rebuild it


@pytest.mark.parametrize(
    ("error", "raised", "message"),
    [
        (DocumentError("Not an ACLED export."), DocumentError, "Not an ACLED export."),
        (Unpicklable("a", "b"), CheckingFailed, "Unpicklable: a b"),
    ],
)
def test_an_error_reading_in_the_second_process_is_raised_here(error, raised, message):
    def records():
        yield from acled_records(io.StringIO(acled_text(acled_rows()), newline=""))
        raise error

    with pytest.raises(raised) as caught:
        events_import(records=records(), processes=2, batch_size=4)

    assert str(caught.value) == message
    # The child's traceback, for whoever reads the parent's.
    (note,) = caught.value.__notes__
    assert note.startswith("In the process checking the rows:\nTraceback")
    assert "in records\n    raise error" in note
    assert all(count == 0 for count in counts().values())


def test_processes_other_than_one_or_two_are_refused():
    with pytest.raises(ValueError, match="processes: 1 or 2, not 3"):
        events_import(records=[], processes=3)
    with pytest.raises(CommandError, match="invalid choice: 3"):
        call_command("import_events", str(ACLED_SAMPLE), "--processes", "3")


ORPHAN_SCRIPT = """
import itertools, multiprocessing, time
from timeline.bulk import importing
from timeline.bulk.importing.writing import Writer

def stuck(self, rows):  # the parent writes nothing and waits to be killed
    print("checker", *[child.pid for child in multiprocessing.active_children()], flush=True)
    time.sleep(600)

Writer.write = stuck
records = (
    (n, {"external_id": str(n), "title": "t", "event_type": "cooperate",
         "start_date": "2024-01-01"})
    for n in itertools.count(1)  # never ends: the child fills the pipe and waits
)
importing.events_import(records=records, processes=2, batch_size=100)
"""


def gone(pid: int) -> bool:
    """The process has ended (a zombie, waiting for whoever adopted it, has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_checking_process_ends_when_the_import_is_killed(tmp_path):
    """Killed (SIGKILL: no clean-up), the import leaves no checking process behind
    holding its connection, and with it the transaction and its locks."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    parent = subprocess.Popen(
        [*manage, "shell", "-c", ORPHAN_SCRIPT],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = next(line for line in parent.stdout if line.startswith("checker"))
        (child,) = map(int, line.split()[1:])
        assert not gone(child)
    finally:
        parent.kill()
        parent.wait()

    deadline = time.monotonic() + 30
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = gone(child)
    if not ended:
        os.kill(child, signal.SIGKILL)  # not left behind by a failing test
    assert ended
