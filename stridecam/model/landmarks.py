"""The 33 MediaPipe pose landmarks, declared once.

Index order is MediaPipe's (BlazePose topology). Everything else in stridecam refers to landmarks
by these names or the ``IDX`` mapping, never by bare numbers.
"""

NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(NAMES)
IDX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}

#: Pairs (left index, right index) of every bilateral landmark: a left/right swap exchanges them.
LR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (IDX[n], IDX["right_" + n[len("left_"):]]) for n in NAMES if n.startswith("left_")
)

#: Landmarks of one leg, by side, hip to toe.
LEG = {
    side: tuple(IDX[f"{side}_{part}"] for part in ("hip", "knee", "ankle", "heel", "foot_index"))
    for side in ("left", "right")
}

#: Bones drawn for a skeleton (overlay video, kinogram).
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("nose", "left_ear"), ("nose", "right_ear"),
)
