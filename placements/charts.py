"""The placement's month-by-month chart: actual volume as bars, the proposal's as a line (SVG,
drawn on the server like every chart)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from proposals.charts import nice_ticks

from .domain import MonthRow

WIDTH, COMPACT_WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 720, 360, 220, 56, 12, 28, 26
ACTUAL, PLANNED, SHORT = "#0e7490", "#f59e0b", "#dc2626"


def volumes(months: list[MonthRow], *, title: str, actual: str, planned: str) -> SafeString:
    """The last 36 months wide, the last 12 on a phone (the statements hold every month)."""
    if not months:
        return mark_safe("")
    wide = _draw(months[-36:], title, actual, planned, WIDTH, "chart-wide")
    compact = _draw(months[-12:], title, actual, planned, COMPACT_WIDTH, "chart-compact")
    return mark_safe(wide + compact)  # every text in them went through escape() or is a number


def _draw(
    rows: list[MonthRow], title: str, actual: str, planned: str, width: int, kind: str
) -> str:
    top_value = max([r.planned_volume_nm3 for r in rows] + [r.volume_nm3 or 0 for r in rows])
    ticks = nice_ticks(0, top_value or 1)
    high = ticks[-1] or 1
    plot_w, plot_h = width - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    step = plot_w / len(rows)

    def y(v: float) -> float:
        return PAD_T + plot_h * (high - v) / high

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart chart-volumes {kind}">'
        f"<title>{escape(title)}</title>",
        f'<rect x="{PAD_L}" y="6" width="12" height="8" fill="{ACTUAL}"/>'
        f'<text x="{PAD_L + 16}" y="14" font-size="12" fill="#111827">{escape(actual)}</text>'
        f'<rect x="{PAD_L + 130}" y="9" width="14" height="3" fill="{PLANNED}"/>'
        f'<text x="{PAD_L + 148}" y="14" font-size="12" fill="#111827">{escape(planned)}</text>',
    ]
    for v in ticks:
        parts.append(
            f'<line x1="{PAD_L}" x2="{width - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#e5e7eb"/><text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#6b7280">{v:,.0f}</text>'
        )
    for i, r in enumerate(rows):
        x = PAD_L + i * step
        if r.volume_nm3 is not None:
            colour = SHORT if r.volume_nm3 < 0.9 * r.planned_volume_nm3 else ACTUAL
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{y(r.volume_nm3):.1f}" '
                f'width="{step * 0.7:.1f}" height="{y(0) - y(r.volume_nm3):.1f}" fill="{colour}">'
                f"<title>{r.month:%Y-%m} {r.volume_nm3:,.0f} / {r.planned_volume_nm3:,.0f} m³"
                "</title></rect>"
            )
        if r.month.month in ((1,) if len(rows) > 12 else (1, 4, 7, 10)) or i == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                f'font-size="11" fill="#6b7280">{r.month:%Y-%m}</text>'
            )
    points = " ".join(
        f"{PAD_L + (i + 0.5) * step:.1f},{y(r.planned_volume_nm3):.1f}" for i, r in enumerate(rows)
    )
    parts.append(f'<polyline fill="none" stroke="{PLANNED}" stroke-width="2.5" points="{points}"/>')
    parts.append("</svg>")
    return "".join(parts)
