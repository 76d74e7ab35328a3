"""The composition root: which stages exist, how records flow between them, and their state.

``Detector`` is the whole core in one process (used by ``replay``, tests and benchmarks).  The worker builds
the same stages through :func:`build_stages` and runs them behind faust agents with repartitioned topics;
the flow is the same: caller stage -> (callback flag) -> callee stage; handset stage -> (SIM count, keyed
by number) -> caller stage; caller stage -> (cold call) -> site stage -> (the cell's cold callers, keyed by
number) -> caller stage; the policy for every candidate.  Everything here is pure: no clock, no I/O except the explicit ``save``/``load``.
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from .allowlist import Allowlist
from .features import HandsetState, NumberState, SiteState, state_fields
from .model import AnomalyModel, ModelConfig
from .numbering import DestinationRarity, OwnRanges, RadioConvention, RingConvention
from .policy import AlertPolicy, Episode, PolicyConfig
from .records import Alert, Candidate, Cdr, by_constructor
from .stages import CalleeStage, CallerStage, HandsetStage, SiteStage
from .typologies import NumberRules, RuleConfig

STATE_FORMAT = 17  # bump whenever a state class gains or loses a slot: old files are then refused
#: Cyclic-GC thresholds for a process that holds the detector's state (replay CLI, worker).  The state is
#: millions of long-lived objects and each record allocates a few short-lived ones; with CPython's defaults
#: (700, 10, 10) the collector runs every few records and walks the old generation every ~70k allocations.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc_for_long_lived_state() -> None:
    """Set :data:`GC_THRESHOLDS` (process-wide: call it from a command's entry point, not from a library)."""
    import gc

    gc.set_threshold(*GC_THRESHOLDS)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Everything that shapes decisions.  Saved with the state, so a resumed replay decides the same way."""

    rules: RuleConfig = field(default_factory=RuleConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    idle_ttl_s: float = 2 * 86_400.0  # forget a number or handset idle this long (event time)
    # How often (event time) to sweep for idle state: a sweep walks every tracked number, so it runs an eighth
    # of the TTL apart (state lives at most 12.5% past its TTL) rather than hourly (10% of replay time).
    expire_every_s: float = 6 * 3_600.0
    # Hour-of-day features (off-hours, night habit) read a record's local time from its own UTC offset.  A
    # switch that logs every record in UTC ("Z" or +00:00) for a network elsewhere would make its office hours
    # look like night: this offset (minutes east of UTC) is then used for records written at offset 0.
    # 0: every record as written.
    home_utc_offset_min: int = 0

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return by_constructor(self)


@dataclass(slots=True)
class Stages:
    """The stage objects, built once from a config and shared by replay and worker."""

    caller: CallerStage
    callee: CalleeStage
    handset: HandsetStage
    site: SiteStage
    policy: AlertPolicy


def build_stages(cfg: DetectorConfig, allowlist: Allowlist | None = None) -> Stages:
    """The stages of ``cfg``; the policy withholds the alerts of the numbers on ``allowlist``."""
    rules = NumberRules(cfg.rules)
    model = AnomalyModel(cfg.model)
    return Stages(
        caller=CallerStage(rules, model, DestinationRarity(), cfg.home_utc_offset_min),
        callee=CalleeStage(rules),
        handset=HandsetStage(),
        site=SiteStage(),
        policy=AlertPolicy(model.version, cfg.policy, allowlist),
    )


class Detector:
    """All stages and all state in one process: feed CDRs in event-time order, get alerts."""

    def __init__(self, cfg: DetectorConfig | None = None) -> None:
        self.cfg = cfg or DetectorConfig()
        self.stages = build_stages(self.cfg)
        self.numbers: dict[str, NumberState] = {}
        self.handsets: dict[str, HandsetState] = {}
        self.sites: dict[str, SiteState] = {}
        self.episodes: dict[str, Episode] = {}
        self.next_expiry = -1.0
        self.candidates = 0
        self.expired = 0
        #: Called with every record and the caller stage's candidate (or None) right after that stage, while
        #: the caller's state is as the candidate was made from it: ``explain`` reads it there.  Not saved.
        self.after_caller: Callable[[Cdr, Candidate | None], None] | None = None

    @property
    def model_version(self) -> str:
        return self.stages.policy.model_version

    def use_allowlist(self, allowlist: Allowlist | None) -> None:
        """Withhold the alerts of the numbers on ``allowlist`` from now on (None: withhold none).  Not saved with
        the state: the operator's list of the day applies to a resumed replay."""
        self.stages.policy.allowlist = allowlist

    def process(self, cdr: Cdr) -> list[Alert]:
        """One CDR through every stage; the alerts it caused (usually none), ``withheld`` ones included."""
        st = self.stages
        numbers = self.numbers
        policy = st.policy
        alerts: list[Alert] = []
        cand, callback = st.caller.process(numbers, cdr)
        if self.after_caller is not None:
            self.after_caller(cdr, cand)
        cold = st.caller.is_cold(numbers, cdr)
        sweep = cdr.start >= self.next_expiry
        if cand is not None:
            self.candidates += 1
            if not sweep:
                # Decided now, before the callee and handset stages change state, so the policy can have the
                # candidate completed (reasons, model evidence) from the state it was made from, and only when
                # it matters.  The order of decisions is the same as below.
                alert = policy.decide(self.episodes, cand, self._complete)
                if alert is not None:
                    alerts.append(alert)
                cand = None
            else:
                st.caller.complete(numbers, cand)  # decided after the sweep below (which may end its episode)
        cand_in = st.callee.process(numbers, cdr, callback)
        sims, rate = st.handset.process(self.handsets, cdr)
        if sims:
            st.caller.on_handset(numbers, cdr.caller, cdr.start, sims, rate)
        if cold:
            site = st.site.process(self.sites, cdr)
            if site is not None:
                st.caller.on_site(numbers, cdr.caller, cdr.start, site)
        if sweep:
            self.expire(cdr.start)
        if cand is not None:
            alert = policy.decide(self.episodes, cand)
            if alert is not None:
                alerts.append(alert)
        if cand_in is not None:
            self.candidates += 1
            alert = policy.decide(self.episodes, cand_in)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _complete(self, cand: Candidate) -> None:
        self.stages.caller.complete(self.numbers, cand)

    def process_batch(self, cdrs: Iterable[Cdr]) -> list[Alert]:
        alerts: list[Alert] = []
        process = self.process
        for cdr in cdrs:
            found = process(cdr)
            if found:
                alerts.extend(found)
        return alerts

    # -- state ----------------------------------------------------------------------------------------
    def expire(self, now: float) -> int:
        """Forget numbers and handsets idle for ``idle_ttl_s`` of event time; return how many."""
        if self.next_expiry < 0.0:
            self.next_expiry = now + self.cfg.expire_every_s
            return 0
        self.next_expiry = now + self.cfg.expire_every_s
        horizon = now - self.cfg.idle_ttl_s
        dead = [k for k, s in self.numbers.items() if s.last_activity() < horizon]
        for k in dead:
            del self.numbers[k]
        dead_h = [k for k, h in self.handsets.items() if h.last_activity() < horizon]
        for k in dead_h:
            del self.handsets[k]
        dead_s = [k for k, c in self.sites.items() if c.last_activity() < horizon]
        for k in dead_s:
            del self.sites[k]
        dead_e = [k for k, e in self.episodes.items() if e.last_activity() < horizon]
        for k in dead_e:
            del self.episodes[k]
        n = len(dead) + len(dead_h) + len(dead_s) + len(dead_e)
        self.expired += n
        return n

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle the state, not the stages: they are rebuilt from the config, and only what they learned (the
        online model, destination rarity, the ring and radio conventions, the own mobile ranges) is carried over.
        A mypyc-compiled stage cannot be unpickled by itself (its constructor needs arguments)."""
        caller = self.stages.caller
        return _restore_detector, (self.cfg, self.numbers, self.handsets, self.sites, self.episodes,
                                   self.next_expiry, self.candidates, self.expired, caller.model, caller.rarity,
                                   caller.rings, caller.radio, caller.ranges)

    def tracked(self) -> int:
        return len(self.numbers)

    def state_bytes(self, sample: int = 2_000) -> tuple[float, float]:
        """(in-memory bytes, serialized bytes) per tracked number, estimated on a sample."""
        items = list(self.numbers.values())[:sample]
        if not items:
            return 0.0, 0.0
        # Pure Python keeps each float in its own object; a mypyc-compiled NumberState stores floats and
        # small ints unboxed in the object itself, so only the boxed attributes are added there.
        compiled = hasattr(NumberState, "__mypyc_attrs__")
        names = state_fields(NumberState)
        mem = 0
        for s in items:
            mem += sys.getsizeof(s)
            for name in names:
                v = getattr(s, name)
                if v is None or isinstance(v, bool) or (isinstance(v, int) and -5 <= v <= 256):
                    continue
                if compiled and isinstance(v, (float, int)) and not (isinstance(v, int) and v.bit_length() > 62):
                    continue
                mem += sys.getsizeof(v)
        ser = len(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
        return mem / len(items), ser / len(items)


def _restore_detector(cfg: DetectorConfig, numbers: dict[str, NumberState], handsets: dict[str, HandsetState],
                      sites: dict[str, SiteState], episodes: dict[str, Episode], next_expiry: float,
                      candidates: int, expired: int, model: Any, rarity: DestinationRarity,
                      rings: RingConvention, radio: RadioConvention, ranges: OwnRanges) -> Detector:
    """The inverse of :meth:`Detector.__reduce__`."""
    d = Detector(cfg)
    d.numbers, d.handsets, d.sites, d.episodes = numbers, handsets, sites, episodes
    d.next_expiry, d.candidates, d.expired = next_expiry, candidates, expired
    caller = d.stages.caller
    caller.model, caller.rarity, caller.rings, caller.radio, caller.ranges = model, rarity, rings, radio, ranges
    return d


def save_state(obj: object, path: Path) -> None:
    """Write ``obj`` (an Engine or Detector, with every store and the model) atomically, for a resume."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"format": STATE_FORMAT, "kind": type(obj).__name__, "state": obj}, fh,
                    protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def load_state(path: Path, kind: type[T]) -> T:
    """Read what :func:`save_state` wrote; ValueError if the file is not a state of ``kind``.

    Only load state files you wrote: they are pickles, and unpickling runs code.
    """
    try:
        with open(path, "rb") as fh:
            blob = pickle.load(fh)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise ValueError(f"{path}: not a detector state file ({exc})") from None
    if not isinstance(blob, dict) or blob.get("format") != STATE_FORMAT:
        raise ValueError(f"{path}: not a detector state file of format {STATE_FORMAT}")
    obj = blob.get("state")
    if not isinstance(obj, kind):
        raise ValueError(f"{path}: state file holds {type(obj).__name__}, not {kind.__name__}")
    return obj
