"""After the first pass: the people, the athlete, whether a second pass is needed, and what the
``Poses`` says about identity (``meta["identity"]``, flags).

The first pass's athlete poses are kept where the people tracker gave them to the chosen person.
Where the chosen person was in view but its pose was not taken (the athlete tracker was on a
bystander found first, refused a pose at a crossing, or followed another runner than the user
chose), the clip is read again and those frames alone are looked at (``gate.repair``: a crop
around the pose of the frame before, or where the person is expected, checked by
``gate.IdentityGate``). A whole second pass of the athlete tracker constrained to the person was
measured worse for 2-3x the cost (VIDEO mode loses it at crossings, and it searches the whole
frame wherever the person is absent): tests/test_multi_person.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stridecam.io.pose.choice import (
    AthleteChoice,
    Person,
    choose,
    doubt_positions,
    nearest_first,
    people_of,
    ranges,
)
from stridecam.io.pose.geometry import Candidate
from stridecam.io.pose.passes import PassResult
from stridecam.model.poses import Flag

VISIBLE_NEAR_S = 0.3
EDGE_S = 0.5
REPAIR_MARGIN = 2  # frames either side of a stretch to repair
MIN_REPAIR = 3  # fewer frames missed than this are left as gaps


@dataclass
class Decision:
    people: list[Person]
    athlete: Person | None
    how: str
    keep: dict[int, Candidate] = field(default_factory=dict)
    doubt_extra: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    repair: set[int] = field(default_factory=set)  # positions to look at again
    busy_elsewhere: int = 0
    doubt: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    margins: dict[int, float] = field(default_factory=dict)  # position -> identity margin

    def redo_doubt(self, taken: dict[int, float], n: int) -> None:
        """The doubtful frames again once poses of a second look are in (``taken``: their
        positions -> identity margins from ``gate.IdentityGate``)."""
        if self.athlete is None:
            return
        margins = {**self.margins, **taken}
        self.doubt = doubt_positions(self.athlete, n, margins) | self.doubt_extra

    @property
    def others(self) -> list[Person]:
        return [p for p in self.people if p is not self.athlete]


def decide(p1: PassResult, choice: AthleteChoice) -> Decision:
    """Choose the athlete among the first pass's people (``choice.choose``)."""
    assert p1.people is not None
    owner = p1.people.owner
    followed: dict[int, int] = {}
    for track_id in owner.values():
        followed[track_id] = followed.get(track_id, 0) + 1
    people = people_of(p1.people.tracks, p1.offset_at)
    athlete, how = choose(people, choice, np.asarray(p1.times), followed)
    n = len(p1.times)
    d = Decision(people, athlete, how, doubt=np.zeros(n, bool))
    if athlete is None or len(people) == 1:
        d.keep = dict(p1.results)  # one person in the clip: the athlete tracker's poses, all
        return d
    mine = {tr.id for tr in athlete.tracks}
    ambiguous = p1.people.ambiguous
    for pos, cand in p1.results.items():
        tid = owner.get(pos)
        if tid in mine or (tid is None and pos not in ambiguous
                           and _between_mine(pos, owner, mine)):
            d.keep[pos] = cand
    # frames where the chosen person was in view but its pose was not taken: the athlete
    # tracker was on someone else (or its pose was refused as no one's)
    looks = np.array(sorted(o.t for o in athlete.obs))
    times = np.asarray(p1.times)
    # its frames: from its first to its last look, and up to EDGE_S around them (it may have
    # been in view before anyone looked at it)
    a = int(np.searchsorted(times, looks[0] - EDGE_S))
    b = int(np.searchsorted(times, looks[-1] + EDGE_S, side="right")) - 1
    missing = []
    close = athlete.close
    for pos in range(a, b + 1):
        if pos in d.keep:
            continue
        k = np.searchsorted(looks, times[pos])
        near = min(abs(looks[min(k, len(looks) - 1)] - times[pos]),
                   abs(looks[max(k - 1, 0)] - times[pos]))
        if near > VISIBLE_NEAR_S and looks[0] <= times[pos] <= looks[-1]:
            continue
        elsewhere = owner.get(pos) is not None and owner[pos] not in mine
        # where the tracker simply lost the person, with nobody else about, it stays lost
        # (as before); where it was on someone else, or someone was close, look again
        if elsewhere or pos in ambiguous or pos in close:
            missing.append(pos)
        d.busy_elsewhere += elsewhere
    for pos in missing:
        d.repair.update(q for q in range(pos - REPAIR_MARGIN, pos + REPAIR_MARGIN + 1)
                        if a <= q <= b and q not in d.keep)
    if len(missing) < MIN_REPAIR:
        d.repair = set()  # a frame or two: not worth reading the clip again (gaps are bridged)
    d.margins = {o.pos: o.margin for o in athlete.obs if o.source == "athlete"}
    d.doubt = doubt_positions(athlete, n, d.margins)
    d.doubt_extra = np.zeros(n, bool)
    for pos in ambiguous:  # the first pass's poses that were no one's: a mix of people?
        d.doubt_extra[max(0, pos - 2):pos + 3] = True
    d.doubt |= d.doubt_extra
    return d


def _between_mine(pos: int, owner: dict[int, int], mine: set[int]) -> bool:
    before = [p for p in owner if p < pos]
    after = [p for p in owner if p > pos]
    return bool(before and after and owner[max(before)] in mine and owner[min(after)] in mine)


def people_max(p1: PassResult) -> int:
    """Most people in view at once (a person hidden for a moment still counts)."""
    assert p1.people is not None
    n = len(p1.times)
    count = np.zeros(n + 1, int)
    for tr in p1.people.tracks:
        if len(tr.obs) >= 2 and tr.confirmed:
            count[tr.obs[0].pos] += 1
            count[tr.obs[-1].pos + 1] -= 1
    return int(np.cumsum(count)[:n].max()) if n else 0


def identity_report(d: Decision, p1: PassResult, detected: np.ndarray, frame_index: np.ndarray,
                    people_calls: int) -> tuple[dict, list[Flag]]:
    """``meta["identity"]`` and the identity flags of the athlete's ``Poses``."""
    runners = nearest_first([p for p in d.people if p.runner])
    doubt = np.zeros_like(detected)
    if d.doubt.size == detected.size and detected.any():
        first, last = np.flatnonzero(detected)[[0, -1]]
        doubt[first:last + 1] = d.doubt[first:last + 1]
    spans = ranges(doubt)
    crowd = people_max(p1)
    meta = {
        "people_max": crowd,
        "people": [p.summary() for p in d.people],
        "runners_nearest_first": [p.id for p in runners],
        "athlete_person": d.athlete.id if d.athlete is not None else None,
        "chosen_by": d.how,
        "frames_looked_at_again": len(d.repair),
        "frames_followed_elsewhere": d.busy_elsewhere,
        "doubt_positions": [list(s) for s in spans],
        "doubt_frames": [[int(frame_index[a]), int(frame_index[b])] for a, b in spans],
        "people_calls": people_calls,
    }
    flags: list[Flag] = []
    if crowd >= 2 and d.athlete is not None and detected.any():
        first = int(frame_index[np.flatnonzero(detected)[0]])
        last = int(frame_index[np.flatnonzero(detected)[-1]])
        flags.append(Flag(
            "several_people", "warning",
            f"{crowd} people were in view at once ({len(runners)} running); the athlete "
            f"analysed is {d.how}, followed as one person from frame {first} to {last}."))
    if d.athlete is not None and d.how.endswith("(nobody ran)"):
        flags.append(Flag("no_runner", "warning",
                          "Nobody in view ran (travelled at running speed or took running "
                          "steps); the person analysed was followed longest but may not be the "
                          "athlete."))
    if spans:
        text = ", ".join(f"{frame_index[a]}-{frame_index[b]}" if b > a else f"{frame_index[a]}"
                         for a, b in spans[:8]) + (" ..." if len(spans) > 8 else "")
        flags.append(Flag(
            "identity_uncertain", "warning",
            f"The athlete crossed or was hidden by someone else in frames {text} "
            f"({int(doubt.sum())} frames): who is who there is uncertain, so no touchdown or "
            "toe-off is taken from those frames."))
    return meta, flags
