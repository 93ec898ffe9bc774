"""Line charts drawn on the server: SVG for pages (text in the browser's fonts, so Chinese
labels render), PNG for the Word document (numbers only: the caption carries the words)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 260, 70, 16, 16, 34


@dataclass
class Series:
    label: str
    values: list[float]  # one per year, t = 0..N
    colour: str


def _nice_bounds(series: list[Series]) -> tuple[float, float]:
    values = [v for s in series for v in s.values] + [0.0]
    low, high = min(values), max(values)
    if high == low:
        high = low + 1
    return low, high


def _wan(value: float) -> str:
    """Axis labels in 万元 (10,000 CNY), the unit Chinese offices read money charts in."""
    return f"{value / 10000:,.0f}"


def svg(series: list[Series], *, title: str, unit: str) -> SafeString:
    low, high = _nice_bounds(series)
    n = max(len(s.values) for s in series) - 1 or 1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(t: int) -> float:
        return PAD_L + plot_w * t / n

    def y(v: float) -> float:
        return PAD_T + plot_h * (high - v) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        v = low + (high - low) * i / 4
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#e5e7eb"/><text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#6b7280">{_wan(v)}</text>'
        )
    parts.append(
        f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="#9ca3af"/>'
    )
    for t in range(n + 1):
        parts.append(
            f'<text x="{x(t):.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="11" '
            f'fill="#6b7280">{t}</text>'
        )
    parts.append(
        f'<text x="{PAD_L - 6}" y="{HEIGHT - 2}" text-anchor="end" font-size="11" '
        f'fill="#6b7280">{escape(unit)}</text>'
    )
    for k, s in enumerate(series):
        points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in enumerate(s.values))
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" points="{points}"/>'
        )
        parts.append(
            f'<rect x="{PAD_L + 10}" y="{PAD_T + 6 + 18 * k}" width="12" height="4" '
            f'fill="{s.colour}"/><text x="{PAD_L + 28}" y="{PAD_T + 12 + 18 * k}" '
            f'font-size="12" fill="#111827">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def png(series: list[Series]) -> bytes:
    """The same chart as a PNG (Pillow's built-in font; labels carry numbers only)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)
    low, high = _nice_bounds(series)
    n = max(len(s.values) for s in series) - 1 or 1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def xy(t: float, v: float) -> tuple[float, float]:
        return (
            (PAD_L + plot_w * t / n) * scale,
            (PAD_T + plot_h * (high - v) / (high - low)) * scale,
        )

    for i in range(5):
        v = low + (high - low) * i / 4
        left, top = xy(0, v)
        draw.line([left, top, (WIDTH - PAD_R) * scale, top], fill="#e5e7eb", width=scale)
        draw.text((left - 6 * scale, top), _wan(v), fill="#6b7280", font=font, anchor="rm")
    draw.line([xy(0, 0), xy(n, 0)], fill="#9ca3af", width=scale)
    for t in range(n + 1):
        draw.text(
            (xy(t, low)[0], (HEIGHT - 14) * scale), str(t), fill="#6b7280", font=font, anchor="mm"
        )
    for s in series:
        draw.line([xy(t, v) for t, v in enumerate(s.values)], fill=s.colour, width=3 * scale)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
