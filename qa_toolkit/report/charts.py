"""Small hand-written inline SVG charts (≈2–3 KiB each): no JavaScript, no network, prints
crisply. Every label goes through ``html.escape``; numbers are formatted here only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

AGENT_COLOUR = "#2f6db5"
TEAM_COLOUR = "#b8c4d6"
FONT = "font-family='Noto Sans CJK SC,Microsoft YaHei,sans-serif'"


def _num(v: float | None) -> bool:
    """A plottable number: not None, NaN or pandas' NA (which refuses ``float()``)."""
    try:
        return v is not None and not math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(title, quote=True)}' {FONT} font-size='11'>"
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _legend(x: int, y: int, names: Sequence[str], colours: Sequence[str]) -> list[str]:
    out = []
    for i, (name, colour) in enumerate(zip(names, colours)):
        dx = x + i * 110
        out.append(
            f"<rect x='{dx}' y='{y - 9}' width='10' height='10' fill='{colour}'/>"
            f"<text x='{dx + 14}' y='{y}'>{escape(name)}</text>"
        )
    return out


def bar_chart(
    categories: Sequence[str],
    agent: Sequence[float | None],
    team: Sequence[float | None],
    *,
    names: tuple[str, str],
    title: str,
    vmax: float = 100.0,
) -> str:
    """Horizontal grouped bars, agent against team, one row per category (0..vmax)."""
    row_h, left, width = 30, 150, 560
    plot_w = width - left - 50
    height = 34 + row_h * len(categories)
    body = _legend(left, 14, names, (AGENT_COLOUR, TEAM_COLOUR))
    for i, cat in enumerate(categories):
        y = 26 + i * row_h
        body.append(f"<text x='{left - 6}' y='{y + 14}' text-anchor='end'>{escape(str(cat)[:14])}</text>")
        for j, (vals, colour) in enumerate(((agent, AGENT_COLOUR), (team, TEAM_COLOUR))):
            v = vals[i]
            if not _num(v):
                continue
            w = max(0.0, min(v, vmax)) / vmax * plot_w
            body.append(
                f"<rect x='{left}' y='{y + j * 11}' width='{w:.1f}' height='10' fill='{colour}'/>"
                f"<text x='{left + w + 4:.1f}' y='{y + j * 11 + 9}' font-size='9'>{v:.1f}</text>"
            )
    body.append(f"<line x1='{left}' y1='22' x2='{left}' y2='{height - 6}' stroke='#888'/>")
    return _svg(width, height, body, title)


def line_chart(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    vmin: float | None = None,
    vmax: float = 100.0,
) -> str:
    """A line per series over the periods (agent first, then team); gaps where a value is missing.
    The axis starts at ``vmin`` (default: the lowest value rounded down to ten, so a trend shows)."""
    if vmin is None:
        lows = [v for _, values in series for v in values if _num(v)]
        vmin = max(0.0, math.floor((min(lows, default=0.0) - 5) / 10) * 10)
        vmin = min(vmin, vmax - 10)
    width, height, left, top, bottom = 560, 200, 40, 24, 30
    plot_w, plot_h = width - left - 16, height - top - bottom
    n = max(len(periods), 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * (i + 0.5) / n)
        y = top + plot_h * (1 - (min(max(v, vmin), vmax) - vmin) / (vmax - vmin))
        return x, y

    colours = (AGENT_COLOUR, "#8a97ab", "#c0504d")
    body = _legend(left, 14, [name for name, _ in series], colours)
    for tick in (vmin, (vmin + vmax) / 2, vmax):
        _, y = xy(0, tick)
        body.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{width - 16}' y2='{y:.1f}' stroke='#e3e3e3'/>"
            f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end' font-size='9'>{tick:g}</text>"
        )
    step = max(1, math.ceil(n / 8))
    for i, p in enumerate(periods):
        if i % step == 0:
            x, _ = xy(i, vmin)
            body.append(f"<text x='{x:.1f}' y='{height - 12}' text-anchor='middle' font-size='9'>{escape(p)}</text>")
    for (_name, values), colour in zip(series, colours):
        points = [xy(i, v) for i, v in enumerate(values) if _num(v)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        body.extend(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='{colour}'/>" for x, y in points)
    return _svg(width, height, body, title)


def sparkline(values: Sequence[float | None], *, title: str, vmin: float = 0.0, vmax: float = 100.0) -> str:
    """A tiny trend line for a table cell (80 × 20)."""
    width, height = 80, 20
    pts = [(i, v) for i, v in enumerate(values) if _num(v)]
    n = max(len(values) - 1, 1)
    coords = " ".join(
        f"{2 + 76 * i / n:.1f},{18 - 16 * (min(max(v, vmin), vmax) - vmin) / (vmax - vmin):.1f}" for i, v in pts
    )
    body = [f"<polyline points='{coords}' fill='none' stroke='{AGENT_COLOUR}' stroke-width='1.5'/>"] if pts else []
    return _svg(width, height, body, title)


def histogram(labels: Sequence[str], counts: Sequence[int], *, title: str) -> str:
    """Vertical bars of counts (score or CSAT distribution)."""
    width, height, bottom = 280, 140, 22
    top = 14
    peak = max(max(counts, default=0), 1)
    bar_w = (width - 20) / max(len(labels), 1)
    body = []
    for i, (label, c) in enumerate(zip(labels, counts)):
        h = (height - bottom - top) * c / peak
        x = 10 + i * bar_w
        y = height - bottom - h
        body.append(
            f"<rect x='{x + 4:.1f}' y='{y:.1f}' width='{bar_w - 8:.1f}' height='{h:.1f}' fill='{AGENT_COLOUR}'/>"
            f"<text x='{x + bar_w / 2:.1f}' y='{y - 3:.1f}' text-anchor='middle' font-size='9'>{c}</text>"
            f"<text x='{x + bar_w / 2:.1f}' y='{height - 8}' text-anchor='middle' font-size='9'>"
            f"{escape(str(label))}</text>"
        )
    return _svg(width, height, body, title)
