"""The limiter verdict: does slow leg re-cycling, rather than force, hold the sprinter back?

``assess(run, reference)`` takes a ``RunResult`` (``stridecam.analysis.run.analyse_poses``) and the
reference ranges (``stridecam.io.config.load_reference``) and returns a ``Verdict``: a label
("recycling_limited", "force_limited", "balanced", "inconclusive"), a confidence (0-1 and
low/moderate/high), the evidence (every indicator with its value, reference range, source and the
way it pointed), the basis (reference ranges, athlete history or squad z-scores), the reasons when
inconclusive, and a two-sentence explanation.

Background (sources in ``stridecam/data/limiter_reference.toml``): hip flexors do the most work
at sprint speeds and above ~7 m/s extra speed comes mainly from step frequency (Dorn 2012;
Schache 2014); swing thigh angle and angular velocity relate to step frequency and speed (Clark
2020; Miyashiro 2019); faster runners apply more force per body weight in shorter contacts, and
the average vertical force per body weight ~ step time / contact time (Weyand 2000; Clark &
Weyand 2014); hip-flexor training improved sprint times (Deane 2005). There are no agreed
cut-offs: this is a screening indicator, and every verdict says so.

Pure: the reference TOML is read at the edge and handed in as a ``Reference``.
"""

from stridecam.analysis.limiter.indicators import SPECS
from stridecam.analysis.limiter.reference import Reference
from stridecam.analysis.limiter.verdict import BASES, assess
from stridecam.model.verdict import (
                                     DIRECTIONS,
                                     FORCE,
                                     LABELS,
                                     RECYCLING,
                                     SCREENING_NOTE,
                                     Indicator,
                                     Reason,
                                     Verdict,
)

__all__ = ["assess", "Reference", "Verdict", "Indicator", "Reason", "LABELS", "DIRECTIONS",
           "BASES", "SCREENING_NOTE", "SPECS", "FORCE", "RECYCLING"]
