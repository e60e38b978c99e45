"""The evaluations asked for and not yet started, gathered into one (`rules.tasks.reevaluate`): a burst of
commitment updates (an officer's API script, an afternoon of edits) queued one evaluation per update, each
holding a worker while the last waited for the database, and import previews waited behind them for tens
of seconds. Now each ask adds its subjects to the one evaluation waiting to start, and queues a job only
when none is waiting: at most one evaluation runs and one waits, whatever the number of asks.

Kept in the server's memory when jobs run in its own threads, and in Redis when Celery workers on other
hosts run them (the web process asks, a worker takes). A job whose turn never came (its worker lost it)
does not hold back the next ask for longer than STALE_SECONDS: after that the next ask queues another. What a
job takes waits again if its evaluation fails (`give_back`), and in Redis it is held under the job's token
until the evaluation is over (`done`): a task delivered again after its worker died takes it again."""
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

from scorecard.text import counted

STALE_SECONDS = 60  # a job queued this long ago and not started: the next ask queues one more


@dataclass
class Asked:
    """What the evaluations asked for since the waiting one was queued: their (subject key, period) pairs,
    or everything when any asked for everything; and why, for the log."""

    everything: bool = False
    pairs: set = field(default_factory=set)
    first_reason: str = "a request"
    asks: int = 0

    @classmethod
    def of(cls, touched: Optional[Iterable], reason: str) -> "Asked":
        """One ask: for the (subject key, period) pairs `touched`, or for everything when it is None."""
        return cls(touched is None, set() if touched is None else {tuple(pair) for pair in touched}, reason, 1)

    @property
    def touched(self) -> Optional[list]:
        return None if self.everything else sorted(self.pairs, key=repr)

    @property
    def reason(self) -> str:
        more = self.asks - 1
        return self.first_reason if more <= 0 else f"{self.first_reason} (and {counted(more, 'more change')})"


class InProcess:
    """The server's own threads: a lock and what is waiting."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: Optional[Asked] = None
        self._queued_at = 0.0

    def add(self, touched: Optional[Iterable], reason: str) -> bool:
        """Add an ask to the evaluation waiting to start; True when a job must be queued for it (none was
        waiting, or the one waiting was queued more than STALE_SECONDS ago)."""
        with self._lock:
            now = time.monotonic()
            queue = self._waiting is None or now - self._queued_at > STALE_SECONDS
            self._join(Asked.of(touched, reason))
            if queue:
                self._queued_at = now
            return queue

    def take(self, job: Optional[str] = None) -> Optional[Asked]:
        """What is waiting (None when nothing is), no longer waiting: the job that starts evaluates it (a job
        of the server's own threads is not delivered again: `job` is not needed)."""
        with self._lock:
            found, self._waiting = self._waiting, None
            return found

    def unqueue(self) -> None:
        """The job `add` asked for could not be queued: the next ask queues one (what waits stays)."""
        with self._lock:
            self._queued_at = float("-inf")

    def done(self, job: Optional[str]) -> None:
        """Nothing is held for a job of the server's own threads."""

    def give_back(self, asked: Asked) -> None:
        """What a job took and could not evaluate (it failed) waits again: the job waiting takes it, or,
        when none waits, the next ask queues one that does."""
        with self._lock:
            if self._waiting is None:
                self._queued_at = float("-inf")
            self._join(asked)

    def _join(self, asked: Asked) -> None:
        """Add `asked` to what waits (under the lock)."""
        if self._waiting is None:
            self._waiting = Asked(first_reason=asked.first_reason)
        self._waiting.everything |= asked.everything
        self._waiting.pairs |= asked.pairs
        self._waiting.asks += asked.asks


HELD_SECONDS = 24 * 3600  # what a job took is let go after this long, whatever became of the job

# Move what waits (KEYS 1-4; 5 is the queued mark) into what the job holds (KEYS 6-9), in one step, and
# answer what it holds: a task delivered again after its worker died takes what the first run held.
_HOLD = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[6], 1) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('SUNIONSTORE', KEYS[7], KEYS[7], KEYS[2]) end
local reason = redis.call('GET', KEYS[3])
if reason then redis.call('SETNX', KEYS[8], reason) end
local asks = redis.call('GET', KEYS[4])
if asks then redis.call('INCRBY', KEYS[9], asks) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
for i = 6, 9 do redis.call('EXPIRE', KEYS[i], ARGV[1]) end
return {redis.call('GET', KEYS[6]), redis.call('SMEMBERS', KEYS[7]), redis.call('GET', KEYS[8]),
        redis.call('GET', KEYS[9])}
"""


class InRedis:
    """Celery workers: the same in Redis, under keys of the app's prefix, changed in transactions."""

    def __init__(self, url: str, prefix: str, **options):
        import redis

        self._redis = redis.Redis.from_url(url, **options)
        self._prefix = f"{prefix}evaluation:"
        self._everything, self._pairs, self._reason, self._asks, self._queued = (
            f"{self._prefix}{part}" for part in ("everything", "pairs", "reason", "asks", "queued"))
        self._hold = self._redis.register_script(_HOLD)

    def add(self, touched: Optional[Iterable], reason: str) -> bool:
        with self._redis.pipeline(transaction=True) as pipe:
            self._join(pipe, Asked.of(touched, reason))
            pipe.set(self._queued, 1, nx=True, ex=STALE_SECONDS)
            return bool(pipe.execute()[-1])

    def unqueue(self) -> None:
        self._redis.delete(self._queued)

    def give_back(self, asked: Asked) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            self._join(pipe, asked)
            pipe.execute()

    def _join(self, pipe, asked: Asked) -> None:
        """Add `asked` to what waits, in the transaction `pipe`."""
        if asked.everything:
            pipe.set(self._everything, 1)
        if asked.pairs:
            pipe.sadd(self._pairs, *(json.dumps(list(pair)) for pair in asked.pairs))
        pipe.set(self._reason, asked.first_reason, nx=True)
        pipe.incrby(self._asks, asked.asks)

    def take(self, job: Optional[str] = None) -> Optional[Asked]:
        """What waits, no longer waiting; with the `job` token its task carries, held under that token until
        `done`: a worker killed mid-evaluation has its task delivered again (acks are late), and the task
        run again takes what the first run held, with what waits now."""
        if job is None:
            with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(self._everything)
                pipe.smembers(self._pairs)
                pipe.get(self._reason)
                pipe.get(self._asks)
                pipe.delete(self._everything, self._pairs, self._reason, self._asks, self._queued)
                everything, pairs, reason, asks, _ = pipe.execute()
        else:
            everything, pairs, reason, asks = self._hold(
                keys=[self._everything, self._pairs, self._reason, self._asks, self._queued, *self._held(job)],
                args=[HELD_SECONDS])
        if not asks:
            return None
        return Asked(bool(everything), {tuple(json.loads(p)) for p in pairs},
                     reason.decode() if isinstance(reason, bytes) else reason or "a request", int(asks))

    def done(self, job: Optional[str]) -> None:
        """The job's evaluation is over (evaluated, or given back): what it held is let go."""
        if job is not None:
            self._redis.delete(*self._held(job))

    def _held(self, job: str) -> list[str]:
        return [f"{self._prefix}held:{job}:{part}" for part in ("everything", "pairs", "reason", "asks")]
