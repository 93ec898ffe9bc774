"""Line charts drawn on the server: SVG for pages (text in the browser's fonts, so Chinese
labels render), PNG for the Word document (numbers only: the caption carries the words)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 260, 70, 16, 16, 34
# the legend above the plot, one line; on a phone the compact drawing (decision 0022)
LEGEND = 24
COMPACT_WIDTH, COMPACT_HEIGHT, COMPACT_PAD_L = 340, 250, 52


@dataclass
class Series:
    label: str
    values: list[float]  # one per year, t = 0..N
    colour: str


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round axis ticks (…, 1, 2 or 5 × a power of ten apart) from at or below `low` to at or
    above `high`, at most `most` + 1 of them: 0, 500, 1,000 rather than 0, 433, 866."""
    if high <= low:
        high = low + 1
    raw = (high - low) / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return ticks


def _bounds(series: list[Series]) -> list[float]:
    values = [v for s in series for v in s.values] + [0.0]
    return nice_ticks(min(values), max(values))


def _wan(value: float) -> str:
    """Axis labels in 万元 (10,000 CNY), the unit Chinese offices read money charts in."""
    return f"{value / 10000:,.0f}"


def svg(series: list[Series], *, title: str, unit: str) -> SafeString:
    """The wide drawing and the compact one a narrow container shows instead."""
    wide = _svg(series, title, unit, WIDTH, HEIGHT, PAD_L, font=11, kind="chart-wide")
    compact = _svg(
        series,
        title,
        unit,
        COMPACT_WIDTH,
        COMPACT_HEIGHT,
        COMPACT_PAD_L,
        font=12,
        kind="chart-compact",
    )
    return mark_safe(wide + compact)  # every text in them went through escape()


def _svg(
    series: list[Series],
    title: str,
    unit: str,
    width: int,
    height: int,
    pad_l: int,
    *,
    font: int,
    kind: str,
) -> str:
    ticks = _bounds(series)
    low, high = ticks[0], ticks[-1]
    n = max(len(s.values) for s in series) - 1 or 1
    top = PAD_T + LEGEND
    plot_w, plot_h = width - pad_l - PAD_R, height - top - PAD_B
    every = 1 if width >= WIDTH or n <= 10 else 2  # year labels that do not collide

    def x(t: int) -> float:
        return pad_l + plot_w * t / n

    def y(v: float) -> float:
        return top + plot_h * (high - v) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart {kind}">',
        f"<title>{escape(title)}</title>",
    ]
    legend_x = pad_l
    for s in series:
        parts.append(
            f'<rect x="{legend_x}" y="{PAD_T + 2}" width="12" height="4" fill="{s.colour}"/>'
            f'<text x="{legend_x + 16}" y="{PAD_T + 8}" font-size="{font + 1}" '
            f'fill="#111827">{escape(s.label)}</text>'
        )
        legend_x += 28 + (font + 1) * len(s.label)
    for v in ticks:
        parts.append(
            f'<line x1="{pad_l}" x2="{width - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#e5e7eb"/><text x="{pad_l - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'font-size="{font}" fill="#6b7280">{_wan(v)}</text>'
        )
    parts.append(
        f'<line x1="{pad_l}" x2="{width - PAD_R}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="#9ca3af"/>'
    )
    for t in range(0, n + 1, every):
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - 14}" text-anchor="middle" '
            f'font-size="{font}" fill="#6b7280">{t}</text>'
        )
    parts.append(
        f'<text x="{pad_l - 6}" y="{height - 2}" text-anchor="end" font-size="{font}" '
        f'fill="#6b7280">{escape(unit)}</text>'
    )
    for s in series:
        points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in enumerate(s.values))
        parts.append(
            f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" points="{points}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def png(series: list[Series]) -> bytes:
    """The same chart as a PNG (Pillow's built-in font; labels carry numbers only)."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11 * scale)
    ticks = _bounds(series)
    low, high = ticks[0], ticks[-1]
    n = max(len(s.values) for s in series) - 1 or 1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def xy(t: float, v: float) -> tuple[float, float]:
        return (
            (PAD_L + plot_w * t / n) * scale,
            (PAD_T + plot_h * (high - v) / (high - low)) * scale,
        )

    for v in ticks:
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
