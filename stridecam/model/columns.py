"""Column names of stridecam's tables, declared once, with their definitions and units.

Definitions (used everywhere: simulator ground truth, metrics, reports)
-----------------------------------------------------------------------
- **contact** of a foot: from its touchdown (first ground contact) to its toe-off (last contact).
- **step** ``i``: from the touchdown of one foot (``foot``) to the touchdown of the other foot.
  It holds the contact of ``foot`` and the flight after it.
- **stride**: two steps, from a touchdown of one foot to the next touchdown of the same foot.
- ``step_time_s`` = TD(i+1) - TD(i); ``contact_time_s`` = TO(i) - TD(i);
  ``flight_time_s`` = TD(i+1) - TO(i) (negative would mean double support: not sprinting).
- ``cadence_spm`` = 60 / ``step_time_s`` (steps per minute); ``step_frequency_hz`` =
  1 / step_time_s.
- ``step_length_m``: forward distance the body (hip mid-point) travels from touchdown i to
  touchdown i+1. At steady speed this equals the distance between the two stance-foot positions
  (the classic definition); it is used because in a 2-D view the near and far foot stand at
  different depths, which shifts their image positions apart (parallax: +/-6% per step measured
  on the simulator) while the hip mid-point is free of it. Under strong acceleration it differs
  from foot-to-foot distance by the change in touchdown distance (~2% on the simulator).
- ``stride_length_m``: ``step_length_m`` of steps i and i+1 added (same foot to same foot).
- ``speed_m_s`` = step_length_m / step_time_s (mean horizontal speed over the step).
- ``_m`` columns hold metres, or nothing (NaN) when the run has no scale calibration; the same
  lengths in leg lengths (hip to ankle, standing = 1) are always in ``step_length_leg``,
  ``stride_length_leg`` and ``speed_leg_s``.
- ``swing_time_s``: of ``foot``, from its toe-off TO(i) to its next touchdown TD(i+2).
- ``recovery_time_s``: of ``foot``, from its toe-off TO(i) to the moment of its peak thigh flexion
  in the following swing (peak knee drive). This is the "re-cycling" time.
- ``peak_thigh_flexion_deg``: peak angle of ``foot``'s thigh (hip to knee) from vertical during
  that swing, forward positive (knee drive).
- ``peak_knee_height_leg``: peak of (knee height - hip height) of ``foot``'s leg during that swing,
  divided by leg length (hip to ankle, standing). 0 = knee level with the hip, -1 = knee at ankle.
- ``thigh_separation_td_deg``: angle between the two thighs at touchdown TD(i) (front thigh
  minus back thigh: never negative, as the tracker's left/right labels are not trusted).
- ``trunk_lean_deg``: mean angle of the trunk (hip mid-point to shoulder mid-point) from vertical
  over the step, forward positive.
- ``max_thigh_angular_velocity_deg_s``: peak forward angular velocity of ``foot``'s thigh in swing.
- Coaching kinematics at touchdown TD(i), of the landing leg (``foot``; the foot further
  forward at that instant): ``touchdown_distance_m`` / ``_leg``: horizontal distance from the
  hip mid-point to the landing foot's lowest point (heel or toe), positive when the foot lands
  ahead of the hips; ``shin_angle_td_deg``: the shank (knee to ankle) from vertical, positive
  when the ankle is ahead of the knee; ``knee_angle_td_deg``: knee flexion (0 = straight).
- At toe-off TO(i): ``thigh_front_to_deg`` and ``thigh_back_to_deg``: the swing leg's and the
  push-off leg's thigh from vertical (forward positive; the back one is negative when the thigh
  is behind vertical).
- ``heel_recovery_leg``: peak height of the recovering (``foot``'s) heel above the ground
  between TO(i) and TO(i+1), in leg lengths: how tightly the heel is folded under the hips.
Times are seconds of capture time; frames are indices into the ``Poses`` of the run.
"""

FOOT_VALUES = ("left", "right")

#: One row per foot contact (the simulator's truth has these).
EVENT_COLUMNS = (
    "foot",
    "touchdown_time_s",
    "toe_off_time_s",
    "touchdown_frame",
    "toe_off_frame",
    "contact_time_s",
)
#: What each detected event rests on: ``*_source`` is "image" (the foot seen to stop / leave
#: the ground in the frames) or "landmarks" (the pose tracker's foot points); ``*_unc_s`` its
#: 1-sigma uncertainty in seconds; ``contact_time_unc_s`` that of the contact time;
#: ``evidence_note``: the ground motion the image stage followed, or why it could not decide.
EVENT_EVIDENCE_COLUMNS = (
    "touchdown_source",
    "toe_off_source",
    "touchdown_unc_s",
    "toe_off_unc_s",
    "contact_time_unc_s",
    "evidence_note",
)
#: The contacts table stridecam writes (contacts.csv).
CONTACT_COLUMNS = EVENT_COLUMNS + EVENT_EVIDENCE_COLUMNS
#: Event sources.
SOURCES = ("image", "landmarks")

#: One row per step (see module docstring for every definition).
STEP_COLUMNS = (
    "step_index",
    "foot",
    "touchdown_time_s",
    "toe_off_time_s",
    "next_touchdown_time_s",
    "touchdown_frame",
    "toe_off_frame",
    "contact_time_s",
    "flight_time_s",
    "step_time_s",
    "cadence_spm",
    "step_frequency_hz",
    "step_length_m",
    "step_length_leg",
    "stride_length_m",
    "stride_length_leg",
    "speed_m_s",
    "speed_leg_s",
    "swing_time_s",
    "recovery_time_s",
    "peak_thigh_flexion_deg",
    "peak_knee_height_leg",
    "thigh_separation_td_deg",
    "trunk_lean_deg",
    "max_thigh_angular_velocity_deg_s",
    "touchdown_distance_m",
    "touchdown_distance_leg",
    "shin_angle_td_deg",
    "knee_angle_td_deg",
    "thigh_front_to_deg",
    "thigh_back_to_deg",
    "heel_recovery_leg",
)
#: 1-sigma measurement uncertainty of the per-step values (same units as the value), from the
#: uncertainty of the events they are measured between and of the hip position and scale.
STEP_UNCERTAINTY_COLUMNS = (
    "contact_time_unc_s",
    "flight_time_unc_s",
    "step_time_unc_s",
    "cadence_unc_spm",
    "step_length_unc_m",
    "step_length_unc_leg",
    "speed_unc_m_s",
    "speed_unc_leg_s",
)
#: Length-bearing columns: (in metres, in leg lengths).
LENGTH_PAIRS = {
    "step_length": ("step_length_m", "step_length_leg"),
    "stride_length": ("stride_length_m", "stride_length_leg"),
    "speed": ("speed_m_s", "speed_leg_s"),
    "touchdown_distance": ("touchdown_distance_m", "touchdown_distance_leg"),
    "step_length_unc": ("step_length_unc_m", "step_length_unc_leg"),
    "speed_unc": ("speed_unc_m_s", "speed_unc_leg_s"),
}
#: The steps table stridecam writes (steps.csv).
STEP_TABLE_COLUMNS = STEP_COLUMNS + STEP_UNCERTAINTY_COLUMNS

#: Step columns summarised over a run (median, IQR, run value): ``result.Metrics``.
SUMMARISED = ("contact_time_s", "flight_time_s", "step_time_s", "cadence_spm",
              "step_frequency_hz", "step_length_m", "step_length_leg", "stride_length_m",
              "stride_length_leg", "speed_m_s", "speed_leg_s",
              "swing_time_s", "recovery_time_s", "peak_thigh_flexion_deg", "peak_knee_height_leg",
              "thigh_separation_td_deg", "trunk_lean_deg", "max_thigh_angular_velocity_deg_s",
              "touchdown_distance_m", "touchdown_distance_leg", "shin_angle_td_deg",
              "knee_angle_td_deg", "thigh_front_to_deg", "thigh_back_to_deg",
              "heel_recovery_leg")
#: Step columns compared between the left and right foot: ``result.Asymmetry``.
ASYMMETRY = ("contact_time_s", "flight_time_s", "step_length_leg", "swing_time_s",
             "recovery_time_s", "peak_thigh_flexion_deg", "peak_knee_height_leg")
