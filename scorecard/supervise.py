"""`scorecard worker`'s supervision: the Celery worker runs in a child process, started again when it stops
on an error. Celery's worker can stop for good on a broker that comes back (Redis restarted while a job ran:
kombu's restore of the unacknowledged tasks raised "Unrecoverable error"), and with it every job queued after
waited unrun, /healthz saying "ok". A stop asked for (SIGTERM, SIGINT, SIGQUIT) is passed to the worker,
which finishes its jobs and exits; the worker dies with this process (Linux's parent-death signal), so a
killed supervisor leaves no worker running on."""
import contextlib
import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable

RESTART_DELAYS = (1, 2, 5, 10, 30, 60)  # seconds before each restart in a row; the last repeats
STEADY_SECONDS = 60  # a worker that ran this long before stopping starts again after the first delay
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before it runs the worker: be sent SIGKILL when the supervisor dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: it outlives a supervisor killed outright
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _why(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def supervise(command: list[str], say: Callable[[str], None] = lambda line: print(line, file=sys.stderr,
                                                                                    flush=True)) -> int:
    """Run `command` until it ends as asked (a stop signal, or exit code 0), starting it again after each other
    end; the exit code of its last run (0 after a stop asked for)."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)  # once: the worker is in a session of its own, out of the terminal's reach

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    in_a_row = 0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command, preexec_fn=_die_with_parent, start_new_session=True)
        code = child.wait()
        if stopping or code == 0:
            return max(code, 0)
        in_a_row = 1 if time.monotonic() - started >= STEADY_SECONDS else in_a_row + 1
        delay = RESTART_DELAYS[min(in_a_row, len(RESTART_DELAYS)) - 1]
        say(f"scorecard worker: the worker stopped ({_why(code)}); starting it again in {delay} s.")
        waited = 0.0
        while waited < delay and not stopping:
            time.sleep(0.2)
            waited += 0.2
        if stopping:
            return 0
