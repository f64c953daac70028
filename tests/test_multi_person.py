"""Several people in a clip (issue 17): the simulator's group scenes with truth per person, the
pose stage's identity tracks and athlete choice, and ``--all-runners``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridecam.model.landmarks import IDX
from stridecam.simulate import AthleteParams, CameraParams, RenderParams, simulate
from stridecam.simulate.group import (
    GROUP_PRESETS,
    Member,
    in_view,
    member_poses,
    simulate_group,
    simulate_group_preset,
)
from stridecam.simulate.group_render import (
    GroupRenderer,
    load_group_truth,
    write_group_truth,
)
from stridecam.simulate.render import FrameRenderer

HIPS = [IDX["left_hip"], IDX["right_hip"]]


# ---------------------------------------------------------------------- (a) simulator
def test_group_truth_per_runner_is_that_runners_own_simulation():
    g = simulate_group_preset("trio_starter", duration_s=1.0)
    assert [m.role for m in g.members] == ["runner", "runner", "runner", "standing"]
    for m in g.runners:
        spec = GROUP_PRESETS["trio_starter"].members[m.index]
        alone = simulate(spec.athlete, g.camera, 1.0, g.seed + 1000 * m.index)
        pd.testing.assert_frame_equal(m.events, alone.events)
        pd.testing.assert_frame_equal(m.steps, alone.steps)
        # placed in its lane and ahead by its offset, same motion
        shift = np.array([spec.x_offset_m, 0.0, -spec.lane_m])  # left_to_right: camera at +z
        np.testing.assert_allclose(m.world_m, alone.world_m + shift, atol=1e-12)
    # the followed runner is the single-runner simulation itself, camera included
    lead = simulate(GROUP_PRESETS["trio_starter"].members[0].athlete, g.camera, 1.0, g.seed)
    np.testing.assert_array_equal(g.members[0].px, lead.px)


def test_standing_member_stays_put_and_has_no_events():
    g = simulate_group_preset("trio_starter", duration_s=1.5)
    s = g.members[3]
    hip_x = s.world_m[:, HIPS, 0].mean(axis=1)
    assert np.ptp(hip_x) < 0.04 and len(s.events) == 0 and len(s.steps) == 0
    feet_y = s.world_m[:, [IDX["left_heel"], IDX["right_heel"]], 1]
    assert feet_y.max() < 0.05  # both feet on the ground the whole time
    # a standing figure cannot be the member the camera follows
    with pytest.raises(Exception, match="follow"):
        simulate_group([Member(standing=True)], CameraParams(), 1.0)


def test_member_poses_are_the_projected_truth_and_nan_out_of_view():
    g = simulate_group([Member(), Member(AthleteParams(v_max_m_s=7.0), lane_m=1.22)],
                       CameraParams(distance_m=10.0, hfov_deg=40.0, fps=60), 2.0, seed=2)
    p = member_poses(g, 1)
    seen = np.isfinite(p.xy_px).all(axis=(1, 2))
    np.testing.assert_allclose(p.xy_px[seen], g.members[1].px[seen])
    assert seen.any() and not seen.all()  # the fixed camera sees it pass
    assert (in_view(g, 1) <= seen).all()


def test_group_truth_file_roundtrip(tmp_path):
    g = simulate_group_preset("pair_crossing", duration_s=1.0)
    path = write_group_truth(g, tmp_path / "pair.truth.json")
    truths = load_group_truth(path)
    assert [t.data["role"] for t in truths] == ["runner", "runner"]
    for t, m in zip(truths, g.members):
        pd.testing.assert_frame_equal(t.events, m.events, check_dtype=False)
        np.testing.assert_allclose(t.px, m.px, atol=0.006)
    from stridecam.simulate import load_truth

    top = load_truth(path)  # the followed runner, readable as a single-runner truth
    pd.testing.assert_frame_equal(top.events, g.members[0].events, check_dtype=False)


@pytest.mark.slow  # renders frames
def test_group_render_of_one_member_equals_the_single_runner_render():
    g = simulate_group([Member()], CameraParams(panning=True, hfov_deg=36.0), 0.1, seed=1)
    params = RenderParams(blur_samples=2)
    single = FrameRenderer(g.lead, params)
    group = GroupRenderer(g, params)
    for k in (0, 5):
        np.testing.assert_array_equal(group.frame(k), single.frame(k))


@pytest.mark.slow  # renders frames
def test_group_render_draws_every_member_in_depth_order():
    g = simulate_group_preset("pair_crossing", duration_s=2.0)
    r = GroupRenderer(g, RenderParams(blur_samples=1))
    k = 10
    img = r.frame(k).astype(int)
    bg = r.base.background(float(g.time_s[k])).astype(int)
    for m in g.members:
        u, v = m.px[k, IDX["right_hip"]].round().astype(int)  # the near hip (camera at +z)
        assert np.abs(img[v - 2:v + 3, u - 2:u + 3] - bg[v - 2:v + 3, u - 2:u + 3]).sum() > 60
    # when one runner passes in front of the other, the nearer one is on top
    hip_x = [m.px[:, HIPS, 0].mean(1) for m in g.members]
    k = int(np.argmin(np.abs(hip_x[0] - hip_x[1])))
    near = int(np.argmin([m.depth_m[k, HIPS].mean() for m in g.members]))
    near_only = GroupRenderer(g, RenderParams(blur_samples=1), only=(near,)).frame(k)
    both = r.frame(k)
    u, v = g.members[near].px[k, IDX["right_hip"]].round().astype(int)
    np.testing.assert_array_equal(both[v - 2:v + 3, u - 2:u + 3],
                                  near_only[v - 2:v + 3, u - 2:u + 3])


# ---------------------------------------------------------------------- (b) identity, fake world
class Body:
    """A person of the fake world: a box of one colour (``size`` px tall, 0.35 as wide),
    hip at (x0 + vx t, y); larger y = lower in the image = nearer the camera (drawn on top).
    A runner's ankles swing fore and aft (stride swing 0.3 extents at 2 Hz)."""

    def __init__(self, x0, y, size, vx=0.0, colour=(200, 40, 40), t0=-1e9, t1=1e9):
        self.x0, self.y, self.size, self.vx, self.colour = x0, y, size, vx, colour
        self.t0, self.t1 = t0, t1

    def hip(self, t):
        return np.array([self.x0 + self.vx * t, self.y])

    def box(self, t):
        x, y = self.hip(t)
        s = self.size
        return x - 0.175 * s, y - 0.53 * s, x + 0.175 * s, y + 0.47 * s

    def visible(self, t):
        return self.t0 <= t <= self.t1


def _landmarks(box, swing: float) -> np.ndarray:
    """33 landmarks inside ``box`` (x0, y0, x1, y1): head on top, hips at 53 %, ankles at
    the bottom, swinging fore and aft by ``swing`` of the width."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    xy = np.empty((33, 2))
    xy[:, 0] = x0 + 0.5 * w
    xy[:11, 1] = y0 + 0.06 * h  # face
    xy[11:23, 1] = y0 + 0.2 * h  # shoulders, arms
    xy[[23, 24], 1] = y0 + 0.53 * h
    xy[[25, 26], 1] = y0 + 0.75 * h
    xy[27:33, 1] = y0 + 0.97 * h
    xy[:, 0] += np.where(np.arange(33) % 2 == 1, -0.1, 0.1) * w  # left / right sides
    for i, sign in ((27, 1), (28, -1), (29, 1), (30, -1), (31, 1), (32, -1)):
        xy[i, 0] = x0 + w * (0.5 + 0.4 * sign * swing)
    xy[:, 0] = np.clip(xy[:, 0], x0, x1)
    return xy


class ColourDetector:
    """Stands in for MediaPipe's IMAGE-mode landmarker: finds each known colour in the image
    it is shown (what is visible of that person) when it fills at least ``min_fill`` of the
    region's height; the pose is laid out in the visible box."""

    def __init__(self, people, min_fill=0.12):
        self.people, self.min_fill = people, min_fill
        self.calls, self.busy_s = 0, 0.0
        self.t = 0.0

    def __call__(self, image, crop):
        from stridecam.io.pose.geometry import Candidate

        self.calls += 1
        h, w = image.shape[:2]
        out = []
        for p in self.people:
            mask = (np.abs(image.astype(int) - p.colour).max(axis=2) <= 3)
            ys, xs = np.nonzero(mask)
            if len(ys) < 30 or np.ptp(ys) + 1 < self.min_fill * h:
                continue
            sx, sy = crop.width_px / w, crop.height_px / h
            box = (crop.x0_px + xs.min() * sx, crop.y0_px + ys.min() * sy,
                   crop.x0_px + (xs.max() + 1) * sx, crop.y0_px + (ys.max() + 1) * sy)
            swing = np.sin(2 * np.pi * 2.0 * self.t) if p.vx else 0.0
            xy = _landmarks(box, swing)
            out.append(Candidate(xy, np.zeros(33), np.full(33, 0.9), np.ones(33),
                                 np.zeros((33, 3))))
        return out


def _world_frames(people, n, fps=30.0, wh=(640, 360)):
    from stridecam.model.frames import Frame

    frames = []
    rng = np.random.default_rng(0)  # a textured, still background (the camera does not move)
    ground = rng.integers(70, 110, (wh[1] // 8, wh[0] // 8, 1), dtype=np.uint8)
    ground = np.repeat(np.repeat(np.repeat(ground, 8, 0), 8, 1), 3, 2)
    for i in range(n):
        t = i / fps
        img = ground.copy()
        for p in sorted(people, key=lambda p: p.y):  # far first
            if p.visible(t):
                x0, y0, x1, y1 = (int(round(v)) for v in p.box(t))
                img[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = p.colour
        frames.append(Frame(i, t, img))
    return frames


def _estimator(people, n, fps=30.0):
    """(estimator with the colour detector, the frames (telling it their time), VideoInfo)."""
    from stridecam.io.pose import PoseEstimator, TrackSettings
    from stridecam.model.frames import VideoInfo

    det = ColourDetector(people)

    class Timed(list):  # tells the detector the time of the frame being handed out
        def __iter__(self):
            for f in list.__iter__(self):
                det.t = f.time_s
                yield f

    info = VideoInfo("fake.mp4", 640, 360, 0, fps, fps, "container", n, n / fps, "h264")
    est = PoseEstimator("fake.task", settings=TrackSettings(min_crop_px=48),
                        image_landmarker=det)
    return est, Timed(_world_frames(people, n, fps)), info


def _extract(people, n=60, fps=30.0, **choice):
    """Fake-world pose stage: (poses, estimator)."""
    from stridecam.io.pose import AthleteChoice

    est, frames, info = _estimator(people, n, fps)
    return est.run(frames, info, mode="image", choice=AthleteChoice(**choice)), est


def _whose(poses, people):
    """Per detected frame, the index of the person whose hip the pose's hip is nearest."""
    hips = poses.xy_px[:, HIPS].mean(axis=1)
    out = []
    for k in np.flatnonzero(poses.detected):
        t = poses.time_s[k]
        d = [np.hypot(*(p.hip(t) - hips[k])) if p.visible(t) else np.inf for p in people]
        out.append(int(np.argmin(d)))
    return np.array(out)


def test_single_person_gives_the_athlete_trackers_poses():
    from stridecam.io.pose.tracker import AthleteTracker, TrackSettings

    runner = Body(60, 250, 120, vx=180)
    poses, _ = _extract([runner])
    frames = _world_frames([runner], 60)
    det = ColourDetector([runner])
    tracker = AthleteTracker(det, TrackSettings(min_crop_px=48))
    alone = np.full((60, 33, 2), np.nan)
    for f in frames:
        det.t = f.time_s
        for pos, cand in tracker.step(f.index, f):
            alone[pos] = cand.xy_px
    np.testing.assert_array_equal(poses.xy_px, alone)
    assert poses.meta["identity"]["people_max"] == 1
    assert not {f.code for f in poses.flags} & {"several_people", "identity_uncertain"}


def _crossing():
    near = Body(80, 270, 130, vx=200, colour=(210, 50, 50))  # nearer, slower
    far = Body(-40, 230, 110, vx=330, colour=(40, 60, 200))  # farther, passes behind
    return [near, far]


def test_crossing_runners_keep_their_identity():
    people = _crossing()
    poses, _ = _extract(people, n=75)
    whose = _whose(poses, people)
    assert len(whose) > 60 and (whose == 0).all()  # the nearer runner, never the other
    assert "several_people" in {f.code for f in poses.flags}
    assert len(poses.meta["identity"]["runners_nearest_first"]) == 2


def test_the_far_runner_by_rank_no_switch_and_doubt_where_hidden():
    people = _crossing()
    poses, _ = _extract(people, n=75, rank=2)
    whose = _whose(poses, people)
    assert len(whose) > 30 and (whose == 1).all()
    # where the far runner is behind the near one its identity is in doubt, and flagged
    ident = poses.meta["identity"]
    doubt = np.zeros(poses.n_frames, bool)
    for a, b in ident["doubt_positions"]:
        doubt[a:b + 1] = True
    hidden = [k for k in range(poses.n_frames)
              if abs(people[0].hip(k / 30)[0] - people[1].hip(k / 30)[0]) < 20]
    assert hidden and doubt[hidden].mean() > 0.8
    assert "identity_uncertain" in {f.code for f in poses.flags}


def test_standing_bystander_is_never_the_athlete():
    bystander = Body(420, 280, 170, colour=(60, 170, 60))  # bigger, nearer, there from the start
    runner = Body(-60, 240, 110, vx=260, colour=(210, 50, 50), t0=0.5)
    poses, _ = _extract([bystander, runner], n=75)
    whose = _whose(poses, [bystander, runner])
    assert len(whose) > 40 and (whose == 1).all()
    ident = poses.meta["identity"]
    assert ident["chosen_by"] == "the one runner in view"
    assert {f.code for f in poses.flags} >= {"several_people"}


def test_athlete_at_a_point_and_a_point_with_nobody():
    from stridecam.model.errors import InputError

    bystander = Body(420, 280, 170, colour=(60, 170, 60))
    runner = Body(-60, 240, 110, vx=260, colour=(210, 50, 50), t0=0.5)
    poses, _ = _extract([bystander, runner], n=60, at=(420.0, 250.0, 1.0))
    assert (_whose(poses, [bystander, runner]) == 0).all()
    assert "no_runner" not in {f.code for f in poses.flags}
    with pytest.raises(InputError, match="no person at that point"):
        _extract([bystander, runner], n=40, at=(40.0, 40.0))
    with pytest.raises(InputError, match="only 1 runner"):
        _extract([bystander, runner], n=40, rank=2)


def test_choice_settings_are_checked_and_parsed():
    import argparse

    from stridecam.model.errors import ConfigError
    from stridecam.model.settings import PoseSettings, settings_from_dict
    from stridecam.options import add_pose_options, pose_from_args

    parser = argparse.ArgumentParser()
    add_pose_options(parser)
    args = parser.parse_args(["--athlete-at", "320,200,1.5"])
    assert pose_from_args(args).athlete_at == (320.0, 200.0, 1.5)
    assert pose_from_args(parser.parse_args(["--athlete-rank", "2"])).athlete_rank == 2
    with pytest.raises(ConfigError, match="X,Y"):
        pose_from_args(parser.parse_args(["--athlete-at", "320"]))
    with pytest.raises(ConfigError, match="one of them"):
        PoseSettings(athlete_at=(1.0, 2.0), athlete_rank=1)
    with pytest.raises(ConfigError, match="nearest"):
        PoseSettings(athlete_rank=0)
    s = settings_from_dict({"pose": {"athlete_at": [10, 20]}})
    assert s.pose.athlete_at == (10, 20)


def test_pose_cache_key_changes_with_the_choice(tmp_path, monkeypatch):
    from stridecam.model.settings import PoseSettings
    from stridecam.pipeline import pose_cache_key

    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"not really a clip")
    keys = {pose_cache_key(clip, PoseSettings(**kw))
            for kw in ({}, {"athlete_rank": 2}, {"athlete_at": (1.0, 2.0)})}
    assert len(keys) == 3


def test_no_event_from_frames_of_doubtful_identity():
    from stridecam.analysis.identity import drop_doubtful
    from stridecam.simulate import simulate_preset, to_poses

    poses = to_poses(simulate_preset("balanced", duration_s=0.6))
    contacts = pd.DataFrame({"touchdown_time_s": [0.1, 0.3, 0.5],
                             "toe_off_time_s": [0.2, 0.4, np.nan]})
    assert len(drop_doubtful(contacts, poses)) == 3
    k = int(np.searchsorted(poses.time_s, 0.35))
    spans = [[int(poses.frame_index[k]), int(poses.frame_index[k + 2])]]
    doubtful = poses.replace(meta={**poses.meta, "identity": {"doubt_frames": spans}})
    kept = drop_doubtful(contacts, doubtful)
    assert kept["touchdown_time_s"].tolist() == [0.1, 0.5]


def test_runner_standing_and_in_place_runner_told_apart():
    from stridecam.io.pose.choice import Person, measure
    from stridecam.io.pose.identity import Obs, PersonTrack

    def person(hip_x, ankles_dx, lift):
        tr = PersonTrack(0)
        for k in range(60):
            t = k / 30
            d = ankles_dx * np.sin(2 * np.pi * 1.5 * t)
            box = (hip_x(t) - 20, 100, hip_x(t) + 20, 200)
            xy = _landmarks(box, 0.0)
            xy[27] = (hip_x(t) + 50 * d, 200 - 100 * lift * max(np.sin(2 * np.pi * 3 * t), 0))
            xy[28] = (hip_x(t) - 50 * d, 200)
            from stridecam.io.pose.geometry import Candidate

            c = Candidate(xy, np.zeros(33), np.ones(33), np.ones(33), np.zeros((33, 3)))
            tr.obs.append(Obs(k, t, c, "athlete", None, c.hip_px.copy()))
        p = Person(0, [tr])
        measure(p)
        return p

    assert person(lambda t: 100 + 250 * t, 0.3, 0.3).runner  # travels 2.5 extents/s
    assert not person(lambda t: 100 + 0 * t, 0.02, 0.05).runner  # standing
    assert not person(lambda t: 100 + 80 * t, 0.2, 0.05).runner  # walking
    assert person(lambda t: 100 + 0 * t, 0.35, 0.3).runner  # running on a treadmill


# ---------------------------------------------------------------------- (c) --all-runners
def test_run_all_gives_each_runner_once_nearest_first():
    people = _crossing() + [Body(560, 290, 180, colour=(60, 170, 60))]  # and a bystander
    est, frames, info = _estimator(people, 75)
    runs = est.run_all(frames, info, mode="image")
    assert len(runs) == 2
    for poses, member in zip(runs, (0, 1)):  # the nearer runner first; never the bystander
        whose = _whose(poses, people)
        assert len(whose) > 30 and (whose == member).all()
