"""A phone's photo of a receipt on a desk, for tests/suite/browser.rs: the page
(a PNG render) in perspective and turned, on a desk, in uneven light, soft and noisy,
a 12-megapixel JPEG stored sideways with EXIF orientation 6, as phones store them.

Usage: python3 phone-photo.py PAGE.png OUT.jpg (needs Pillow)
"""
import random, sys
from PIL import Image, ImageFilter

def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]

def perspective(src, dst):
    # coefficients mapping dst (output) points to src (input) points
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    return solve(a, b)

src_png, out = sys.argv[1], sys.argv[2]
random.seed(7)
page = Image.open(src_png).convert("RGB")
W, H = 3024, 4032  # portrait as shown
bg = Image.new("RGB", (W, H), (118, 108, 92))
pw, ph = page.size
s = 0.8 * min(W / pw, H / ph)
cx, cy = W / 2, H / 2
hw, hh = pw * s / 2, ph * s / 2
# the page's corners on the photo: the top farther away (narrower), a slight turn
dst = [(cx - hw * 0.86 + 40, cy - hh + 60), (cx + hw * 0.86 + 90, cy - hh + 10),
       (cx + hw + 30, cy + hh - 20), (cx - hw - 20, cy + hh + 30)]
src = [(0, 0), (pw, 0), (pw, ph), (0, ph)]
coeffs = perspective(src, dst)
warped = page.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=None)
mask = Image.new("L", page.size, 255).transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
bg.paste(warped, (0, 0), mask)
# uneven light, softness, sensor noise
shade = Image.linear_gradient("L").resize((W, H)).point(lambda v: 200 + v // 5)
bg = Image.composite(bg, Image.new("RGB", (W, H), (60, 55, 50)), shade)
bg = bg.filter(ImageFilter.GaussianBlur(2.2))
noise = Image.effect_noise((W, H), 18).convert("RGB")
bg = Image.blend(bg, noise, 0.06)
# stored sideways, as the sensor saw it; EXIF says to turn it upright
stored = bg.transpose(Image.ROTATE_90)
exif = Image.Exif(); exif[0x0112] = 6
stored.save(out, "JPEG", quality=82, exif=exif.tobytes())
