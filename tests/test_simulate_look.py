"""The rendered look: rubber grain on the ground plane, motion blur, shadows, kits and skins.

Oracles: the camera model (where a ground point must appear in each frame), image statistics
(texture along the running direction, sharpness), and the ground truth of stance phases
(a planted foot must not move against the ground beside it in the image).
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from stridecam.model.errors import ConfigError
from stridecam.model.landmarks import IDX
from stridecam.simulate.looks import KITS, SKIN_TONES, TRACK_SURFACES, choose_look
from stridecam.simulate.params import RenderParams
from stridecam.simulate.presets import simulate_preset
from stridecam.simulate.render import RENDER_VERSION, FrameRenderer, render_clip, truth_path_for

SMALL = {"width_px": 640, "height_px": 360}


def luminance(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-12))


def patch(gray: np.ndarray, centre, size=(31, 9)) -> np.ndarray:
    return cv2.getRectSubPix(gray.astype(np.float32), size, tuple(float(c) for c in centre))


def mid_stance(run, foot: str | None = None) -> tuple[int, str]:
    ev = run.events if foot is None else run.events[run.events.foot == foot]
    e = ev.iloc[1] if len(ev) > 1 else ev.iloc[0]
    return (int(e.touchdown_frame) + int(e.toe_off_frame)) // 2, str(e.foot)


@pytest.fixture(scope="module")
def pan():
    return simulate_preset("balanced_pan", duration_s=0.6, **SMALL)


def test_grain_varies_along_the_lane_at_the_foot_row(pan):
    k, foot = mid_stance(pan)
    v = pan.px[k, IDX[f"{foot}_foot_index"], 1]
    rows = slice(int(round(v)) - 1, int(round(v)) + 2)
    highpass = {}
    for contrast in (1.0, 0.0):
        r = FrameRenderer(pan, RenderParams(shutter_s=0.0, track_surface="red",
                                            track_grain_contrast=contrast))
        band = luminance(r.background(float(pan.time_s[k])))[rows]
        smooth = cv2.blur(band, (15, 1))
        highpass[contrast] = float((band - smooth)[:, 20:-20].std())
    assert highpass[1.0] > 2.5, highpass
    assert highpass[0.0] < 0.6 * highpass[1.0] and highpass[0.0] < 1.0, highpass


def test_ground_texture_moves_with_the_panning_camera(pan):
    """A ground point's patch is found where the camera projects it in the next frame."""
    r = FrameRenderer(pan, RenderParams(shutter_s=0.0))
    k, foot = mid_stance(pan)
    toe = pan.world_m[k, IDX[f"{foot}_foot_index"]]
    a = luminance(r.background(float(pan.time_s[k])))
    b = luminance(r.background(float(pan.time_s[k + 1])))
    moved, fixed = [], []
    for dx in (-1.5, -0.8, 0.8, 1.5):
        p = np.array([[[toe[0] + dx, 0.0, toe[2]]]])
        px, _ = pan.track.project(np.repeat(p, pan.n_frames, 0))
        uv0, uv1 = px[k, 0], px[k + 1, 0]
        assert abs(uv1[0] - uv0[0]) > 4  # the camera pans by several pixels a frame
        moved.append(ncc(patch(a, uv0), patch(b, uv1)))
        fixed.append(ncc(patch(a, uv0), patch(b, uv0)))
    assert min(moved) > 0.9, moved
    assert np.mean(fixed) < 0.5 and min(np.subtract(moved, fixed)) > 0.25, (moved, fixed)


def test_planted_foot_stands_still_on_the_ground_in_the_image(pan):
    """With motion blur on, the toe of a planted foot and the rubber around it keep their
    appearance from frame to frame when followed along the true toe position (while the
    camera pans, so the planted foot moves in the image), and not when held in place."""
    r = FrameRenderer(pan)
    e = pan.events[pan.events.foot == r.near].iloc[0]
    name = IDX[f"{e.foot}_foot_index"]
    follow, held = [], []
    for k in range(int(e.touchdown_frame) + 1, int(e.toe_off_frame) - 1):
        a, b = luminance(r.frame(k)), luminance(r.frame(k + 1))
        uv0, uv1 = pan.px[k, name], pan.px[k + 1, name]
        assert np.hypot(*(uv1 - uv0)) > 4
        follow.append(ncc(patch(a, uv0, (21, 9)), patch(b, uv1, (21, 9))))
        held.append(ncc(patch(a, uv0, (21, 9)), patch(b, uv0, (21, 9))))
    assert np.median(follow) > 0.9 and min(follow) > 0.75, follow
    assert np.median(held) < 0.7, held


def _sharpness(gray: np.ndarray) -> float:
    return float(np.abs(np.diff(gray, axis=1)).mean())


def test_background_blur_grows_with_exposure_and_pan_speed(pan):
    k, _ = mid_stance(pan)
    t = float(pan.time_s[k])
    sharp = []
    for shutter in (0.0, 1 / 1000, 1 / 240, 1 / 120):
        bg = FrameRenderer(pan, RenderParams(shutter_s=shutter)).background(t)
        sharp.append(_sharpness(luminance(bg)[int(pan.camera.height_px * 0.65):]))
    assert all(s1 > s2 for s1, s2 in zip(sharp, sharp[1:])), sharp
    # the blur length is the image motion over the exposure: twice the speed, twice the blur
    import dataclasses

    from stridecam.simulate import simulate
    from stridecam.simulate.camera import camera_track

    flows = []
    for v in (5.0, 10.0):
        athlete = dataclasses.replace(pan.athlete, v_max_m_s=v)
        run = simulate(athlete, pan.camera, 0.6, seed=1)
        rr = FrameRenderer(run, RenderParams(shutter_s=1 / 240))
        tt = np.array([0.3, 0.3 - 1 / 480, 0.3 + 1 / 480])
        track = camera_track(run.camera, tt, run.model.pelvis(tt)[0], run.x_center_m)
        flows.append(np.hypot(*rr.pan_flow_px(track)))
    assert flows[1] == pytest.approx(2 * flows[0], rel=0.1)
    assert flows[1] > 2.0


def test_fixed_camera_blurs_the_swinging_foot_not_the_planted_one():
    run = simulate_preset("balanced", duration_s=0.6, **SMALL)
    sharp_r = FrameRenderer(run, RenderParams(shutter_s=0.0))
    blur_r = FrameRenderer(run, RenderParams(shutter_s=1 / 240))
    k, foot = mid_stance(run)
    other = "left" if foot == "right" else "right"
    a, b = luminance(sharp_r.frame(k)), luminance(blur_r.frame(k))

    def change(name):
        u, v = run.px[k, IDX[f"{name}_foot_index"]]
        box = (slice(int(v) - 8, int(v) + 9), slice(int(u) - 12, int(u) + 13))
        return float(np.abs(a[box] - b[box]).mean())

    assert change(foot) < 2.0
    assert change(other) > 3 * change(foot) and change(other) > 4.0
    assert blur_r.n_sub[k] > 1 and sharp_r.n_sub[k] == 1
    # a static camera's background has no blur at any exposure
    np.testing.assert_array_equal(sharp_r.background(0.1), blur_r.background(0.1))


def test_shadow_darkens_the_ground_under_the_feet(pan):
    k, foot = mid_stance(pan)
    with_shadow = FrameRenderer(pan, RenderParams(shutter_s=0.0, sun_azimuth_deg=0.0,
                                                  sun_elevation_deg=45.0))
    no_shadow = FrameRenderer(pan, RenderParams(shutter_s=0.0, shadow_opacity=0.0,
                                                contact_shadow_opacity=0.0, sun_azimuth_deg=0.0,
                                                sun_elevation_deg=45.0))
    a, b = luminance(with_shadow.frame(k)), luminance(no_shadow.frame(k))
    # just below the planted foot's sole (the sun shadow falls towards the camera = down)
    heel, toe = (pan.px[k, IDX[f"{foot}_{n}"]] for n in ("heel", "foot_index"))
    u0, u1 = int(min(heel[0], toe[0])), int(max(heel[0], toe[0]))
    v = int(round(max(heel[1], toe[1]))) + 3
    assert (a[v:v + 3, u0:u1] < b[v:v + 3, u0:u1] - 3).mean() > 0.5
    # far from the athlete nothing changes
    np.testing.assert_array_equal(a[:, :20], b[:, :20])


def test_looks_are_drawn_from_the_seed_and_cover_every_name():
    seen = {"kit": set(), "skin_tone": set(), "track_surface": set()}
    for seed in range(300):
        c = choose_look(RenderParams(), seed, "balanced_pan")
        assert c == choose_look(RenderParams(), seed, "balanced_pan")
        for key in seen:
            seen[key].add(getattr(c, key))
        assert 35 <= c.sun_elevation_deg <= 70 and -60 <= c.sun_azimuth_deg <= 60
    assert seen == {"kit": set(KITS), "skin_tone": set(SKIN_TONES),
                    "track_surface": set(TRACK_SURFACES)}
    named = choose_look(RenderParams(kit="black", skin_tone="very_dark",
                                     track_surface="charcoal"), 3)
    assert (named.kit, named.skin_tone, named.track_surface) == ("black", "very_dark", "charcoal")
    # dark shoes on a dark track is one of the looks
    lum = lambda c: 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]  # noqa: E731
    assert lum(KITS["black"].shoe) < 40 and lum(KITS["black"].sole) < 60
    assert min(lum(c) for c in TRACK_SURFACES.values()) < 70
    with pytest.raises(ConfigError, match="kit='purple'"):
        RenderParams(kit="purple").validate()
    with pytest.raises(ConfigError, match="shutter_s"):
        RenderParams(shutter_s=0.02).validate(fps=120)


def test_dark_shoes_are_drawn_dark_on_a_dark_track(pan):
    r = FrameRenderer(pan, RenderParams(kit="black", track_surface="charcoal", shutter_s=0.0))
    k, foot = mid_stance(pan, r.near)
    img = luminance(r.frame(k))
    heel, toe = (pan.px[k, IDX[f"{foot}_{n}"]] for n in ("heel", "foot_index"))
    mid = 0.5 * (heel + toe) + np.array([0.0, -2.0])  # on the shoe's upper
    u, v = mid.round().astype(int)
    assert img[v - 1:v + 2, u - 2:u + 3].mean() < 45


def test_clip_records_its_look_and_is_byte_identical(tmp_path):
    run = simulate_preset("balanced_pan", duration_s=0.1, width_px=320, height_px=180)
    a = render_clip(run, tmp_path / "a.mp4", include_landmarks=False)
    run2 = simulate_preset("balanced_pan", duration_s=0.1, width_px=320, height_px=180)
    b = render_clip(run2, tmp_path / "b.mp4", include_landmarks=False)
    assert a.read_bytes() == b.read_bytes()
    truth = json.loads(truth_path_for(a).read_text())
    look = choose_look(RenderParams(), run.seed, run.preset)
    assert truth["render"]["version"] == RENDER_VERSION
    assert truth["render"]["kit"] == look.kit
    assert truth["render"]["shutter_s"] == pytest.approx(1 / 240)
    assert "seconds" not in truth["render"]
    # rendering changes only pixels: the truth is that of the unrendered run
    from stridecam.simulate.truth import truth_dict

    plain = truth_dict(simulate_preset("balanced_pan", duration_s=0.1, width_px=320,
                                       height_px=180))
    assert {k: v for k, v in truth.items() if k != "render"} == json.loads(json.dumps(plain))
