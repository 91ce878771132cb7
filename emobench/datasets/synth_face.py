"""The generated corpus's faces: a shaded frontal face whose expression follows the emotion.

The face is drawn so that OpenCV's Haar cascade finds it: a skin gradient darker towards the
edges, darker eye sockets, dark brows above light cheeks, a lit nose bridge and a dark mouth.
A clip is rendered as one static head (skin, shading, hair, nose) per clip plus the parts that
move (eyes, brows, mouth) per frame, composited onto a static background with small head motion.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Expression of each emotion at its strong (intensity 02) apex. curve: mouth corners up (+) or
#: down; open: mouth opening; width: mouth width; brow: brow height; tilt: inner brow corners up
#: (+, sad/fear) or down (-, frown); eye: eye opening; sneer: upper-lip raise and nose wrinkle;
#: nod: head lowered, in face widths. Neutral and calm differ only slightly, as in reality.
_KEYS = ("curve", "open", "width", "brow", "tilt", "eye", "sneer", "nod")
EXPRESSIONS: dict[str, dict[str, float]] = {name: dict(zip(_KEYS, row)) for name, row in {
    #           curve  open  width brow  tilt  eye   sneer nod
    "neutral": (0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    "calm": (0.15, 0.0, 1.0, -0.05, 0.0, 0.88, 0.0, 0.005),
    "happy": (1.0, 0.35, 1.18, 0.1, 0.0, 0.75, 0.0, -0.005),
    "sad": (-0.8, 0.0, 0.95, 0.05, 0.9, 0.7, 0.0, 0.04),
    "angry": (-0.35, 0.25, 0.92, -0.6, -1.0, 0.95, 0.2, 0.015),
    "fear": (-0.3, 0.45, 1.12, 0.6, 0.7, 1.25, 0.0, -0.01),
    "disgust": (-0.55, 0.15, 0.95, -0.35, -0.3, 0.72, 1.0, 0.01),
    "surprise": (0.0, 0.8, 0.85, 0.75, 0.1, 1.3, 0.0, -0.02),
}.items()}


@dataclass(frozen=True)
class FaceLook:
    """What makes one actor's face theirs (drawn the same in every clip of that actor)."""

    skin: tuple[float, float, float]  # BGR, 0..255
    hair: tuple[float, float, float]
    iris: tuple[float, float, float]
    background: tuple[float, float, float]
    aspect: float  # face height / width
    jaw: float  # 0 = oval, 1 = square jaw
    size: float  # face height as a fraction of the frame height
    center: tuple[float, float]  # face centre as fractions of width, height
    eye_gap: float  # eye centre offset from the midline, fraction of face width
    long_hair: bool


def actor_look(actor: int, rng: np.random.Generator) -> FaceLook:
    """Draw an actor's face look; odd actors (male in RAVDESS) get squarer, wider faces."""
    male = actor % 2 == 1
    tone = rng.uniform(0.0, 1.0)  # light to dark skin
    skin = np.array([150, 180, 225]) * (1 - tone) + np.array([60, 95, 140]) * tone
    hair_light = rng.uniform(0.1, 0.5) * tone  # dark skin never pairs with hair lighter than it
    hair = np.array([25, 35, 50]) + rng.uniform(0, 60) * (1 - hair_light) * np.array([0.6, 0.9, 1])
    bg_grey = rng.uniform(110, 200)
    return FaceLook(
        skin=tuple(float(v) for v in skin * rng.uniform(0.95, 1.05, 3)),
        hair=tuple(float(v) for v in hair),
        iris=tuple(float(v) for v in rng.choice([(40, 60, 90), (90, 80, 50), (30, 40, 45)])),
        background=tuple(float(bg_grey * c) for c in rng.uniform(0.85, 1.1, 3)),
        aspect=rng.uniform(1.22, 1.32) if male else rng.uniform(1.3, 1.42),
        jaw=rng.uniform(0.45, 0.8) if male else rng.uniform(0.0, 0.3),
        size=rng.uniform(0.38, 0.46),
        center=(rng.uniform(0.42, 0.58), rng.uniform(0.47, 0.53)),
        eye_gap=rng.uniform(0.2, 0.23),
        long_hair=not male and rng.random() < 0.7,
    )


def face_outline(cx: float, cy: float, w: float, h: float, jaw: float, n: int = 64) -> np.ndarray:
    """Points of a face outline: an ellipse whose lower half tapers to a rounder or squarer jaw."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = np.sin(t), -np.cos(t)
    lower = np.clip(y, 0, None)
    # squarer jaw: push the lower sides outwards, keep the chin narrow
    x = x * (1 + jaw * 0.25 * lower * (1 - lower)) * (1 - 0.12 * lower**2)
    return np.stack([cx + x * w / 2, cy + y * h / 2], axis=1)


def _poly(img: np.ndarray, pts: np.ndarray, color, shift: int = 4) -> None:
    cv2.fillPoly(img, [np.round(pts * (1 << shift)).astype(np.int32)], color, cv2.LINE_AA, shift)


def _line(img: np.ndarray, pts: np.ndarray, color, thick: int, shift: int = 4) -> None:
    cv2.polylines(img, [np.round(pts * (1 << shift)).astype(np.int32)], False, color,
                  max(1, thick), cv2.LINE_AA, shift)


def _shade(h: int, w: int, cx: float, cy: float, fw: float, fh: float) -> np.ndarray:
    """Multiplicative shading of a face lit from the front-top-left: darker towards the edges."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - cx) / (fw / 2)) ** 2 + ((yy - cy) / (fh / 2)) ** 2)
    shade = 1.05 - 0.35 * np.clip(r, 0, 1.0) ** 3 - 0.06 * (xx - cx) / fw - 0.05 * (yy - cy) / fh
    return shade.astype(np.float32)


def _blob(img: np.ndarray, center, axes, factor: float, sigma: float) -> None:
    """Multiply a soft elliptical region of a float image by ``factor`` (shadows, highlights)."""
    mask = np.zeros(img.shape[:2], np.float32)
    cv2.ellipse(mask, (int(center[0]), int(center[1])), (max(1, int(axes[0])), max(1, int(axes[1]))),
                0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    img *= (1 + (factor - 1) * mask)[..., None]


class Head:
    """One actor's head in one clip: a static shaded patch plus per-frame eyes, brows and mouth."""

    def __init__(self, look: FaceLook, face_px: float, rng: np.random.Generator):
        self.look = look
        self.fh = fh = face_px
        self.fw = fw = fh / look.aspect
        m = int(0.06 * fw) + 2
        pw, ph = int(1.5 * fw) + 2 * m, int(1.15 * fh) + 2 * m
        self.cx, self.cy = pw / 2, m + 0.58 * fh  # face centre inside the patch
        self.eye_y = self.cy - 0.06 * fh
        self.eye_dx = look.eye_gap * fw
        self.mouth_y = self.cy + 0.27 * fh
        self.patch, self.alpha = self._static(ph, pw, rng)

    def _static(self, ph: int, pw: int, rng: np.random.Generator):
        look, fw, fh, cx, cy = self.look, self.fw, self.fh, self.cx, self.cy
        img = np.zeros((ph, pw, 3), np.float32)
        alpha = np.zeros((ph, pw), np.float32)
        skin, hair = look.skin, look.hair
        outline = face_outline(cx, cy, fw, fh, look.jaw)
        if look.long_hair:  # hair falling behind the face down to the jaw
            back = face_outline(cx, cy + 0.05 * fh, fw * 1.28, fh * 1.12, 0.6)
            back = back[back[:, 1] < cy + 0.3 * fh]  # a bob ending at the jaw, not a beard
            _poly(img, back, hair)
            _poly(alpha, back, 1.0)
        for side in (-1, 1):  # ears
            ear = (int(cx + side * 0.5 * fw), int(self.eye_y + 0.08 * fh))
            cv2.ellipse(img, ear, (int(0.07 * fw), int(0.13 * fh)), 0, 0, 360,
                        tuple(0.85 * c for c in skin), -1, cv2.LINE_AA)
            cv2.ellipse(alpha, ear, (int(0.07 * fw), int(0.13 * fh)), 0, 0, 360, 1.0, -1,
                        cv2.LINE_AA)
        face = np.zeros((ph, pw), np.float32)
        _poly(face, outline, 1.0)
        img = img * (1 - face[..., None]) + face[..., None] * np.array(skin, np.float32)
        alpha = np.maximum(alpha, face)
        img *= _shade(ph, pw, cx, cy, fw, fh)[..., None]
        # hair cap over the top of the head, with a hairline across the forehead
        line = cy - rng.uniform(0.38, 0.43) * fh
        t = np.linspace(-np.pi / 2, np.pi / 2, 33)
        cap = np.stack([cx + 0.52 * fw * np.sin(t), cy - 0.53 * fh * np.cos(t)], 1)
        cap[:, 1] = np.minimum(cap[:, 1], line + 0.03 * fh * np.cos(t))  # hairline dips in the middle
        cap_mask = np.zeros((ph, pw), np.float32)
        _poly(cap_mask, cap, 1.0)
        cap_mask = cv2.GaussianBlur(cap_mask, (0, 0), 0.01 * fw + 0.5)[..., None]
        img = img * (1 - cap_mask) + cap_mask * np.array(hair, np.float32)
        alpha = np.maximum(alpha, cap_mask[..., 0])
        s = 0.04 * fw + 0.5
        for side in (-1, 1):  # eye sockets, cheekbone highlights, sides of the nose
            ex = cx + side * self.eye_dx
            _blob(img, (ex, self.eye_y - 0.01 * fh), (0.17 * fw, 0.09 * fh), 0.5, s)
            _blob(img, (ex, self.eye_y + 0.14 * fh), (0.14 * fw, 0.05 * fh), 1.08, 2 * s)
            _blob(img, (cx + side * 0.075 * fw, cy + 0.06 * fh), (0.03 * fw, 0.12 * fh),
                  0.7 if side < 0 else 0.55, s)  # the side away from the light is darker
        _blob(img, (cx, cy + 0.03 * fh), (0.04 * fw, 0.16 * fh), 1.12, s)  # lit nose bridge
        for side in (-1, 1):  # nostrils
            cv2.ellipse(img, (int(cx + side * 0.05 * fw), int(cy + 0.15 * fh)),
                        (max(1, int(0.03 * fw)), max(1, int(0.015 * fh))), 0, 0, 360,
                        tuple(0.35 * c for c in skin), -1, cv2.LINE_AA)
        _blob(img, (cx, cy + 0.42 * fh), (0.12 * fw, 0.04 * fh), 0.88, s)  # under the lower lip
        _blob(img, (cx, cy + 0.185 * fh), (0.08 * fw, 0.02 * fh), 0.75, s)  # under the nose
        return np.clip(img, 0, 255).astype(np.uint8), alpha

    def draw(self, e: dict[str, float], blink: float = 0.0) -> np.ndarray:
        """The head patch with eyes, brows and mouth drawn for expression parameters ``e``."""
        img = self.patch.copy()
        fw, fh, cx = self.fw, self.fh, self.cx
        skin = self.look.skin
        dark = tuple(0.25 * c for c in self.look.hair)
        for side in (-1, 1):
            ex = cx + side * self.eye_dx
            # brow: inner end lifted by tilt > 0, the whole brow lifted by brow > 0
            by = self.eye_y - 0.1 * fh - e["brow"] * 0.035 * fh
            bt = np.linspace(0, 1, 7)  # 0 = inner end, 1 = outer end
            brow = np.stack([cx + side * (0.07 * fw + bt * 0.22 * fw),
                             by - e["tilt"] * 0.035 * fh * (1 - bt)
                             - 0.025 * fh * np.sin(np.pi * bt) + 0.01 * fh * bt], 1)
            half_w = 0.1 * fw
            half_h = max(0.004 * fh, 0.04 * fh * e["eye"] * (1 - blink))
            t = np.linspace(-1, 1, 15)
            upper = np.stack([ex + t * half_w, self.eye_y - half_h * (1 - t**2)], 1)
            lower = np.stack([ex - t * half_w, self.eye_y + 0.8 * half_h * (1 - t**2)], 1)
            _poly(img, np.vstack([upper, lower]), tuple(0.5 * c + 75 for c in skin))
            r = 0.045 * fw
            cv2.ellipse(img, (int(ex), int(self.eye_y)), (int(r), max(1, int(min(r, half_h)))),
                        0, 0, 360, self.look.iris, -1, cv2.LINE_AA)
            cv2.circle(img, (int(ex), int(self.eye_y)), max(1, int(0.4 * r * min(1, half_h / r))),
                       (15, 15, 15), -1, cv2.LINE_AA)
            _line(img, upper, (20, 20, 25), int(0.018 * fw))
            _line(img, brow, dark, int(0.04 * fw))
        self._mouth(img, e)
        return img

    def _mouth(self, img: np.ndarray, e: dict[str, float]) -> None:
        fw, fh, cx, my = self.fw, self.fh, self.cx, self.mouth_y
        skin = self.look.skin
        half = 0.19 * fw * e["width"]
        t = np.linspace(-1, 1, 17)
        corner = -e["curve"] * 0.045 * fh  # corners up for a smile, down for a frown
        gap = e["open"] * 0.085 * fh
        sneer = e["sneer"] * 0.02 * fh * np.clip(1 - (t - 0.3) ** 2 * 2, 0, 1)  # one-sided lift
        bend = corner * t**2
        upper_out = np.stack([cx + t * half, my + bend - 0.022 * fh * (1 - t**2) - sneer - 0.3 * gap * (1 - t**2)], 1)
        lower_out = np.stack([cx - t * half, my + bend + (0.028 * fh + 0.7 * gap) * (1 - t**2)], 1)
        lips = tuple(c * f for c, f in zip(skin, (0.55, 0.55, 0.8)))
        _poly(img, np.vstack([upper_out, lower_out]), lips)
        upper_in = np.stack([cx + t * half * 0.9, my + bend - sneer - 0.3 * gap * (1 - t**2)], 1)
        lower_in = np.stack([cx - t * half * 0.9, my + bend + 0.7 * gap * (1 - t**2)], 1)
        if gap > 0.004 * fh:
            _poly(img, np.vstack([upper_in, lower_in]), (30, 25, 45))
            if e["curve"] > 0.3 or e["tilt"] < -0.5:  # teeth show in a smile or a snarl
                teeth = np.vstack([upper_in, upper_in[::-1] + [0, min(gap * 0.35, 0.02 * fh)]])
                _poly(img, teeth, (215, 225, 230))
        else:
            _line(img, upper_in, (35, 30, 50), int(0.012 * fw))
        if e["sneer"] > 0.1:  # wrinkles across the nose
            for k in range(2):
                y = self.eye_y + (0.08 + 0.03 * k) * fh
                _line(img, np.array([[cx - 0.05 * fw, y], [cx, y - 0.006 * fh], [cx + 0.05 * fw, y]]),
                      tuple(0.6 * c for c in skin), int(0.01 * fw * e["sneer"]))


class Scene:
    """A clip's picture: static background and torso, the actor's head composited per frame.

    The head is drawn at most ``RENDER_FACE_PX`` tall over the background seen at that scale,
    then scaled up by the same warp that moves it, and only the head's region of the frame is
    redone per frame, straight into the encoder's I420 layout.
    """

    RENDER_FACE_PX = 200

    def __init__(self, look: FaceLook, width: int, height: int, rng: np.random.Generator):
        face_px = look.size * height
        self.head = head = Head(look, min(face_px, self.RENDER_FACE_PX), rng)
        self.scale = face_px / head.fh
        self.width, self.height = width, height
        self.center = (look.center[0] * width, look.center[1] * height)
        self.blur = (5, 5) if head.fh >= 150 else (3, 3)
        self.alpha = cv2.GaussianBlur(head.alpha, self.blur, 0)
        ph, pw = head.alpha.shape
        pad = 0.06 * face_px  # room for the head's motion
        x0 = int(self.center[0] - self.scale * head.cx - pad) // 2 * 2
        y0 = int(self.center[1] - self.scale * head.cy - pad) // 2 * 2
        x1 = int(self.center[0] + self.scale * (pw - head.cx) + pad + 2) // 2 * 2
        y1 = int(self.center[1] + self.scale * (ph - head.cy) + pad + 2) // 2 * 2
        self.roi = (max(0, x0), max(0, y0), min(width, x1), min(height, y1))
        self.background = self._background(rng)
        self.small = cv2.resize(self.background, None, fx=1 / self.scale, fy=1 / self.scale,
                                interpolation=cv2.INTER_AREA)
        self.buffer = cv2.cvtColor(self.background, cv2.COLOR_BGR2YUV_I420)

    def _background(self, rng: np.random.Generator) -> np.ndarray:
        w, h, look = self.width, self.height, self.head.look
        fw, fh = self.head.fw * self.scale, self.head.fh * self.scale
        ramp = np.linspace(1.08, 0.9, h, dtype=np.float32)[:, None, None]
        bg = np.broadcast_to(np.array(look.background, np.float32) * ramp, (h, w, 3)).copy()
        grain = rng.normal(0, 4, (max(2, h // 8), max(2, w // 8))).astype(np.float32)
        bg += cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
        shirt = tuple(float(c) for c in rng.uniform(30, 200, 3))
        cx, top = self.center[0], self.center[1] + 0.72 * fh
        body = np.array([[cx - 0.9 * fw, top], [cx + 0.9 * fw, top],
                         [cx + 1.3 * fw, h + 1], [cx - 1.3 * fw, h + 1]])
        _poly(bg, body, shirt)
        neck = np.array([[cx - 0.3 * fw, top - 0.4 * fh], [cx + 0.3 * fw, top - 0.4 * fh],
                         [cx + 0.36 * fw, top + 0.05 * fh], [cx - 0.36 * fw, top + 0.05 * fh]])
        _poly(bg, neck, tuple(0.75 * c for c in look.skin))
        return np.clip(bg * rng.uniform(0.92, 1.08), 0, 255).astype(np.uint8)

    def render(self, e: dict[str, float], blink: float, motion: tuple[float, float, float]) -> np.ndarray:
        """One frame as an I420 array (height * 3/2, width): expression ``e``, eyelids closed by
        ``blink``, head moved by ``motion`` = (dx, dy) in face widths and a roll in degrees.

        The returned array is reused by the next call: encode or copy it first.
        """
        head, k = self.head, self.scale
        x0, y0, x1, y1 = self.roi
        m = cv2.getRotationMatrix2D((head.cx, head.cy), motion[2], k)
        shift = (self.center[0] - x0 + motion[0] * head.fw * k,
                 self.center[1] - y0 + motion[1] * head.fw * k)
        m[:, 2] += np.array(shift) - (head.cx, head.cy)
        # the background that lands under the patch, fetched at the patch's scale
        to_small = (m + [[0, 0, x0], [0, 0, y0]]) / k
        under = cv2.warpAffine(self.small, to_small, head.alpha.shape[::-1],
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)
        patch = cv2.GaussianBlur(head.draw(e, blink), self.blur, 0)
        patch = cv2.blendLinear(patch, under, self.alpha, 1 - self.alpha)
        roi = self.background[y0:y1, x0:x1].copy()
        cv2.warpAffine(patch, m, (x1 - x0, y1 - y0), dst=roi, flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_TRANSPARENT)
        yuv = cv2.cvtColor(roi, cv2.COLOR_BGR2YUV_I420).reshape(-1)
        rw, rh = x1 - x0, y1 - y0
        buf = self.buffer.reshape(-1)  # Y plane, then the quarter-size U and V planes
        planes = [(0, 0, self.width, self.height, x0, y0, rw, rh)]
        planes += [(i * rw * rh // 4 + rw * rh, i * self.width * self.height // 4
                    + self.width * self.height, self.width // 2, self.height // 2,
                    x0 // 2, y0 // 2, rw // 2, rh // 2) for i in range(2)]
        for src0, dst0, w, h, x, y, pw, ph in planes:
            dst = buf[dst0:dst0 + w * h].reshape(h, w)
            dst[y:y + ph, x:x + pw] = yuv[src0:src0 + pw * ph].reshape(ph, pw)
        return self.buffer
