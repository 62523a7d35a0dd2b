"""The checking in a forked process of its own (import_events --processes 2): it checks
the next chunk while the import's process writes the last; on SQLite reading and
checking were a quarter of the import's time (docs/performance.md)."""

from __future__ import annotations

import multiprocessing
import pickle
import traceback
from collections.abc import Iterable, Iterator
from contextlib import suppress
from multiprocessing.connection import Connection

from timeline.bulk.importing.checking import Checker, Chunk, checked_chunks
from timeline.bulk.importing.readers import Record


class CheckingFailed(RuntimeError):
    """The process that read and checked the records ended without finishing."""


def checked_elsewhere(
    records: Iterable[tuple[int, Record]], checker: Checker, size: int, skip_invalid: bool
) -> Iterator[Chunk]:
    """checked_chunks, run in a forked process that sends each chunk through a pipe.

    The child uses none of the parent's connections and leaves with os._exit (as
    multiprocessing's fork does), so it closes none of them either. A full pipe makes
    it wait, so it runs at most a chunk ahead. A child that dies, however it dies,
    ends the import with CheckingFailed; one that fails (a file it cannot read) sends
    its exception, raised here. A parent that dies ends the child at its next send
    (it holds no reading end of the pipe), so it cannot keep the parent's connection,
    and with it the transaction and its locks, open."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_check_and_send,
        args=(records, checker, size, skip_invalid, receiver, sender),
        name="import-checker",
        daemon=True,
    )
    child.start()
    sender.close()  # so that recv() sees the end when the child's copy closes
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                child.join()
                raise CheckingFailed(
                    f"The process checking the rows ended (exit code {child.exitcode}) "
                    "before the end of the file."
                ) from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receiver.close()


def _check_and_send(
    records: Iterable[tuple[int, Record]],
    checker: Checker,
    size: int,
    skip_invalid: bool,
    receiver: Connection,
    sender: Connection,
) -> None:
    """The child's side of checked_elsewhere: chunks, then None or an exception."""
    receiver.close()  # the parent's end: once the parent is gone, send() fails
    try:
        for chunk in checked_chunks(records, checker, size, skip_invalid):
            sender.send(chunk)
        sender.send(None)
    except BrokenPipeError:  # the parent is gone: nothing to send to
        pass
    except Exception as error:  # the reader's: DocumentError, OSError, a bug...
        where = f"In the process checking the rows:\n{traceback.format_exc()}"
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:  # an exception that cannot cross the pipe: its text can
            error = CheckingFailed(f"{type(error).__name__}: {error}")
        error.add_note(where)  # the child's frames, for the parent's traceback
        with suppress(BrokenPipeError):
            sender.send(error)
    finally:
        sender.close()
