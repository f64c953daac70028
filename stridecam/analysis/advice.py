"""Training advice for each limiter verdict, in plain words for a coach (pure text).

``advice_for(verdict)`` returns an ``Advice``: a headline, why (with the run's own numbers when a
``Verdict`` is given), exercises with how-to and dose, the weekly plan, what to do next, and the
caveat. ``Advice.to_text()`` is what the PDF report prints. Sources: hip-flexor training improved
sprint times (Deane et al. 2005); hip flexors do the most work at sprint speeds (Dorn 2012;
Schache 2014); faster runners apply more force per body weight in shorter contacts (Weyand 2000;
Clark & Weyand 2014).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from stridecam.analysis.limiter.explain import describe
from stridecam.model.verdict import FORCE, LABELS, RECYCLING, SCREENING_NOTE, Verdict

SAFETY = ("Build up gradually, keep full-speed sprinting in the week, and stop an exercise that "
          "causes pain (hip flexor and hamstring strains are the usual risk).")
REFILM = ("Re-film in 6-8 weeks at the same place with the same settings (side view, 120+ fps, "
          "6+ full steps) and compare the same numbers.")
#: (gate code it covers, advice) for the next clip; a failed gate's own fix replaces its line.
CHECKLIST = (
    ("not_side_view", "Film from the side: camera square to the lane, at hip height, about 10 m "
                      "away."),
    ("low_frame_rate", "Use slow motion at 120 fps or more (240 is better); 30 fps cannot time "
                       "ground contacts."),
    ("few_steps", "Get at least 6 full steps at top speed in the frame (e.g. the 30-50 m section "
                  "of a 60 m run), every foot landing visible."),
    ("several_people", "Keep one athlete in the frame."),
    ("calibration", "Enter the athlete's height or mark two cones a known distance apart, so "
                    "speed and step length are in metres."),
)


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``how`` in one sentence, ``dose`` as sets x reps (or distance)."""

    name: str
    how: str
    dose: str


@dataclass(frozen=True)
class Advice:
    label: str
    headline: str
    why: str
    exercises: tuple[Exercise, ...]
    plan: str
    next_steps: tuple[str, ...]
    caveat: str

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        """Plain text, one item per line."""
        lines = [self.headline, "", self.why]
        if self.exercises:
            lines += ["", "Exercises:"]
            lines += [f"- {e.name}: {e.how} ({e.dose})" for e in self.exercises]
        if self.plan:
            lines += ["", self.plan]
        if self.next_steps:
            lines += ["", "Next:"] + [f"- {s}" for s in self.next_steps]
        lines += ["", self.caveat]
        return "\n".join(lines)


HIP_FLEXOR_BLOCK = (
    Exercise("High-knee march with a resistance band",
             "band round both feet, stand tall, drive one knee to hip height, hold one second, "
             "lower under control", "3 x 8 each leg"),
    Exercise("Straight-leg raise", "lying on your back or standing, knee locked, lift the leg "
             "from the hip; add an ankle weight when it gets easy", "3 x 10 each leg"),
    Exercise("Cable or banded hip flexion", "ankle strap on a low cable (or a band behind you), "
             "drive the knee up fast from behind the hip to hip height, return slowly",
             "3 x 6-8 each leg, fast up"),
    Exercise("Hanging leg raise", "hang from a bar and raise the knees (later straight legs) to "
             "hip height without swinging", "3 x 8"),
    Exercise("Sprint drills with high-knee emphasis", "A-march, A-skip and high-knee runs over "
             "mini-hurdles, then 20-30 m runs keeping the same knee drive", "3-4 x 20 m"),
)
HIP_FLEXOR_PLAN = ("Pick 2-3 of these, twice a week (after the sprint session or on a gym day), "
                   "for 6-8 weeks. Use progressive resistance: add band tension, cable weight or "
                   "an ankle weight once every rep is easy (Deane et al. 2005 found that "
                   "progressive hip-flexor training improved sprint times).")

FORCE_BLOCK = (
    Exercise("Heavy squat or trap-bar deadlift", "heavy load, full rest between sets, move the "
             "bar fast", "3-4 x 3-5"),
    Exercise("Hip thrust or Romanian deadlift", "strong hip extension, the action that pushes "
             "the ground away at top speed", "3 x 5-6"),
    Exercise("Pogo jumps", "quick, stiff-ankled jumps in place, as little ground time as "
             "possible", "3 x 15-20 contacts"),
    Exercise("Bounds and hurdle hops", "alternate-leg bounds or hops over low hurdles with short, "
             "stiff contacts", "3-4 x 20-30 m or 5-6 hurdles"),
    Exercise("Drop jumps from a low box (30-40 cm)", "step off and rebound as fast as possible; "
             "stop the set when contacts get long", "3 x 5"),
    Exercise("Resisted sprints (light sled or short hill)", "10-20 m, upright sprint posture, "
             "light enough that the stride stays fast", "4-6 reps"),
)
FORCE_PLAN = ("Pick 2-3 of these - one heavy lift plus one or two jump exercises - twice a week "
              "for 6-8 weeks. Raise the load on the lifts and the height or distance of the "
              "jumps gradually; do jumps fresh and never to fatigue.")

BALANCED_PAIR = (HIP_FLEXOR_BLOCK[2], FORCE_BLOCK[2])


def _numbers(verdict: Verdict | None, side: str) -> str:
    if verdict is None:
        return ""
    hits = sorted((i for i in verdict.evidence if i.direction == side and i.score > 0),
                  key=lambda i: -i.weight * i.score)[:3]
    if not hits:
        return ""
    return " In this run: " + "; ".join(describe(i) for i in hits) + "."


def advice_for(verdict: Verdict | str) -> Advice:
    """Advice for a ``Verdict`` (uses its numbers and reasons) or for a bare label."""
    v = verdict if isinstance(verdict, Verdict) else None
    label = v.label if v is not None else verdict
    if label not in LABELS:
        raise ValueError(f"unknown verdict label {label!r}; use one of {LABELS}")
    caveat = f"{SCREENING_NOTE} {SAFETY}"
    if label == "recycling_limited":
        return Advice(
            label, "Hip-flexor block: bring the swing leg through faster",
            "The swing leg comes through slowly or not high enough, while the ground contact "
            "looks fine. The hip flexors do most of the work of pulling the thigh forward at "
            "sprint speed (Dorn 2012; Schache 2014)." + _numbers(v, RECYCLING),
            HIP_FLEXOR_BLOCK, HIP_FLEXOR_PLAN, (REFILM,), caveat)
    if label == "force_limited":
        return Advice(
            label, "Force block: more force into the ground in less time",
            "The foot stays on the ground long or pushes too little for the speed, while the leg "
            "re-cycles well. Faster sprinters apply more force per body weight in shorter "
            "contacts (Weyand 2000; Clark & Weyand 2014)." + _numbers(v, FORCE),
            FORCE_BLOCK, FORCE_PLAN, (REFILM,), caveat)
    if label == "balanced":
        return Advice(
            label, "No single limiter: keep developing both sides",
            "Neither the swing leg nor the ground contact stands out in this run, so keep a mix "
            "of hip-flexor and force work rather than a block of one.",
            BALANCED_PAIR,
            "Keep one hip-flexor and one force exercise in the week (for example cable hip "
            "flexion and pogo jumps, twice a week).",
            (REFILM,) + (() if v is not None and v.basis != "reference ranges" else (
                "Give stridecam the athlete's earlier runs or the squad's runs: comparing "
                "against them (z-scores) shows a lagging side sooner than general ranges.",)),
            caveat)
    reasons = v.reasons if v is not None else ()
    fixes = tuple(dict.fromkeys(r.fix[0].upper() + r.fix[1:] + "." for r in reasons))
    failed = {r.code for r in reasons}
    rest = tuple(text for code, text in CHECKLIST if code not in failed)
    return Advice(
        label, "No verdict yet: film the run again",
        "This clip cannot tell re-cycling from force"
        + (": " + "; ".join(r.message for r in v.reasons) + "." if v is not None and v.reasons
           else "."),
        (), "", fixes + rest, caveat)
