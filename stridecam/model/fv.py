"""``FVProfile``: the horizontal force-velocity profile of an acceleration, as typed data.

Made by ``stridecam.analysis.fv_profile`` from the run's fitted v(t) (Samozino et al. 2016's
macroscopic model), kept in ``RunResult.fv_profile`` and written to ``summary.json``.

Units are in the names: ``_n`` newtons, ``_n_kg`` newtons per kg of body mass, ``_w`` and
``_w_kg`` watts (per kg), ``_m_s`` m/s, ``_s`` seconds, ``_pct`` percent, ``sfv_n_s_m``
N s/m (``_kg``: per kg), ``drf_pct_s_m`` percent per m/s. Absolute values (N, W) need the body
mass (``stridecam analyse --mass-kg``); without it they are NaN and the relative ones stand.
"""

from __future__ import annotations

from dataclasses import dataclass

NAN = float("nan")

#: ``FVProfile.status`` values.
FV_STATUSES = ("ok", "not_acceleration", "no_scale", "too_little_of_the_run", "no_fit")


@dataclass(frozen=True)
class FVProfile:
    """Horizontal force-velocity profile (Samozino et al. 2016) from v(t) = v_max (1 - exp(-(t -
    t0) / tau)).

    ``status``: "ok" (the values below hold), or why not: "not_acceleration" (no v(t) fit: the
    clip is not an acceleration), "no_scale" (speeds are in leg lengths; forces need metres),
    "too_little_of_the_run" (the clip's speeds do not span enough of v_max: see
    ``analysis.fv_profile.COVERAGE``), "no_fit"; ``note``: one plain sentence saying so.
    ``v_first_frac`` / ``v_last_frac``: the fitted speed at the clip's first and last step as
    fractions of v_max (the part of the acceleration the clip shows).

    ``mass_kg``: the body mass given (None: profile per kg only); ``height_m``: the height used
    for the frontal area; ``drag_mass_kg``: the mass used for the frontal area (the given one,
    else a nominal one from the height: ``analysis.fv_profile.NOMINAL_BMI``).

    ``v_max_m_s``, ``tau_s``: the fitted curve. ``f0_n_kg`` / ``f0_n``: theoretical maximal
    horizontal force at zero speed; ``v0_m_s``: theoretical maximal speed at zero force;
    ``pmax_w_kg`` / ``pmax_w`` = F0 V0 / 4; ``sfv_n_s_m_kg`` / ``sfv_n_s_m`` = -F0 / V0 (the F-V
    slope); ``rf_max_pct``: highest ratio of horizontal to resultant ground force after 0.3 s
    (the model's value there: an extrapolation when the clip starts later, as F0 is);
    ``drf_pct_s_m``: slope of that ratio against speed (negative). ``*_unc``: 1-sigma
    uncertainties from the v(t) fit (same units).
    """

    status: str = "no_fit"
    note: str = ""
    v_first_frac: float = NAN
    v_last_frac: float = NAN
    mass_kg: float | None = None
    height_m: float = NAN
    drag_mass_kg: float = NAN
    v_max_m_s: float = NAN
    tau_s: float = NAN
    f0_n_kg: float = NAN
    f0_n: float = NAN
    v0_m_s: float = NAN
    pmax_w_kg: float = NAN
    pmax_w: float = NAN
    sfv_n_s_m_kg: float = NAN
    sfv_n_s_m: float = NAN
    rf_max_pct: float = NAN
    drf_pct_s_m: float = NAN
    f0_unc_n_kg: float = NAN
    v0_unc_m_s: float = NAN
    pmax_unc_w_kg: float = NAN

    @property
    def ok(self) -> bool:
        """True when the profile was computed (``status`` "ok")."""
        return self.status == "ok"
