"""The pipeline funnel as server-side SVG: one bar per stage, text in the page's fonts, so
Chinese stage names render wherever the SVG is shown or printed."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, ROW, LABEL = 640, 34, 110


def funnel_svg(rows: list[dict], *, title: str, unit: str, wan: str) -> SafeString:
    """rows: name, count, value, weighted; bars centred and sized by count, as a funnel."""
    most = max([r["count"] for r in rows] + [1])
    height = ROW * len(rows) + 8
    plot = WIDTH - LABEL - 150
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart funnel"><title>{escape(title)}</title>'
    ]
    for i, r in enumerate(rows):
        y = 4 + i * ROW
        width = max(plot * r["count"] / most, 2 if r["count"] else 0)
        x = LABEL + (plot - width) / 2
        shade = 0.35 + 0.65 * (i + 1) / len(rows)
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 21}" text-anchor="end" font-size="13" '
            f'fill="#111827">{escape(r["name"])}</text>'
            f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" rx="4" '
            f'fill="#0b6e83" fill-opacity="{shade:.2f}"/>'
            f'<text x="{LABEL + plot / 2:.1f}" y="{y + 21}" text-anchor="middle" font-size="12" '
            f'fill="#fff" font-weight="600">{r["count"]:,}</text>'
            f'<text x="{LABEL + plot + 10}" y="{y + 21}" font-size="12" fill="#374151">'
            f"{escape(unit)}{r['value'] / 10000:,.0f}{escape(wan)} / "
            f"{r['weighted'] / 10000:,.0f}{escape(wan)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # all text above went through escape()
