"""The pipeline funnel as server-side SVG: one bar per stage, text in the page's fonts, so
Chinese stage names render wherever the SVG is shown or printed."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, ROW, LABEL = 640, 34, 110
# on a phone: one stage in two lines (its name and figures, then its bar), so that at 320 px
# the text is still drawn at about its size (decision 0022)
COMPACT_WIDTH, COMPACT_ROW = 340, 44


def funnel_svg(rows: list[dict], *, title: str, unit: str, wan: str) -> SafeString:
    """rows: name, count, value, weighted; bars centred and sized by count, as a funnel.
    Two drawings: the wide one, and the compact one that narrow containers show instead
    (CSS container queries pick one; the other is display: none)."""
    return mark_safe(_wide(rows, title, unit, wan) + _compact(rows, title, unit, wan))


def _figures(r: dict, unit: str, wan: str) -> str:
    value, weighted = r["value"] / 10000, r["weighted"] / 10000
    return f"{escape(unit)}{value:,.0f}{escape(wan)} / {weighted:,.0f}{escape(wan)}"


def _wide(rows: list[dict], title: str, unit: str, wan: str) -> str:
    most = max([r["count"] for r in rows] + [1])
    height = ROW * len(rows) + 8
    plot = WIDTH - LABEL - 150
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart funnel funnel-wide">'
        f"<title>{escape(title)}</title>"
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
            f"{_figures(r, unit, wan)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)  # all text above went through escape()


def _compact(rows: list[dict], title: str, unit: str, wan: str) -> str:
    most = max([r["count"] for r in rows] + [1])
    height = COMPACT_ROW * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {COMPACT_WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart funnel funnel-compact">'
        f"<title>{escape(title)}</title>"
    ]
    for i, r in enumerate(rows):
        y = 2 + i * COMPACT_ROW
        width = max(COMPACT_WIDTH * r["count"] / most, 2 if r["count"] else 0)
        x = (COMPACT_WIDTH - width) / 2
        shade = 0.35 + 0.65 * (i + 1) / len(rows)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="14" fill="#111827">{escape(r["name"])} '
            f'<tspan font-weight="600">{r["count"]:,}</tspan></text>'
            f'<text x="{COMPACT_WIDTH}" y="{y + 14}" text-anchor="end" font-size="13" '
            f'fill="#374151">{_figures(r, unit, wan)}</text>'
            f'<rect x="{x:.1f}" y="{y + 20}" width="{width:.1f}" height="18" rx="4" '
            f'fill="#0b6e83" fill-opacity="{shade:.2f}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)  # all text above went through escape()


# Fonts with Chinese glyphs where the usual systems keep them (Debian's fonts-noto-cjk first).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def _font(size: int):
    """A Chinese-capable font, or None when the machine has none."""
    from PIL import ImageFont

    for path in CJK_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return None


def funnel_png(rows: list[dict], *, unit: str, wan: str) -> bytes:
    """The funnel of funnel_svg as a PNG, for the workbook. With no Chinese font on the
    machine the stages are numbered (1 = the first row of the table beside the picture)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    most = max([r["count"] for r in rows] + [1])
    height = ROW * len(rows) + 8
    plot = WIDTH - LABEL - 150
    image = Image.new("RGB", (WIDTH * scale, height * scale), "white")
    draw = ImageDraw.Draw(image, "RGBA")
    font = _font(13 * scale)
    small = _font(12 * scale)
    chinese = font is not None
    if not chinese:
        font = small = ImageFont.load_default(size=12 * scale)
        unit, wan = "", "w"  # Latin only: the default font has no ¥ or 万
    for i, r in enumerate(rows):
        y = (4 + i * ROW) * scale
        width = max(plot * r["count"] / most, 2 if r["count"] else 0)
        x = LABEL + (plot - width) / 2
        shade = int(255 * (0.35 + 0.65 * (i + 1) / len(rows)))
        label = r["name"] if chinese else str(i + 1)
        middle = y + (ROW // 2) * scale
        draw.text(((LABEL - 8) * scale, middle), label, fill="#111827", font=font, anchor="rm")
        if width:
            draw.rounded_rectangle(
                [x * scale, y + 4 * scale, (x + width) * scale, y + (ROW - 4) * scale],
                radius=4 * scale,
                fill=(11, 110, 131, shade),
            )
        draw.text(
            ((LABEL + plot / 2) * scale, middle),
            f"{r['count']:,}",
            fill="#ffffff" if r["count"] else "#374151",
            font=small,
            anchor="mm",
        )
        draw.text(
            ((LABEL + plot + 10) * scale, middle),
            f"{unit}{r['value'] / 10000:,.0f}{wan} / {r['weighted'] / 10000:,.0f}{wan}",
            fill="#374151",
            font=small,
            anchor="lm",
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
