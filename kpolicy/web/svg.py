"""The visual timeline of one page of events, as an SVG the server writes (no script needed).

Encoding (the legend under the chart repeats it; the same as `kpolicy plot`):
- one lane per actor (each event in the lane of each of its actors) or per event type;
- an event known to the day is a diamond; anything fuzzier is a bar over its bounds,
  solid when both ends are exact days, pale when the text licenses only a month,
  season, year or a vaguer interval -- the bar's length is the uncertainty;
- an open end fades out toward the edge it has no bound on;
- occurred is filled; expected is hollow with a dashed outline; forecast hollow, dotted;
- an unreviewed (extracted) event carries an orange dot; a rejected one is grey.
Each mark links to the event's page and has a tooltip (SVG <title>). Everything is
written through an escaping helper: titles come from articles.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939")
WIDTH, LEFT, RIGHT, TOP = 1100, 170, 20, 26
TRACK, LANE_GAP = 13, 8
MAX_LANES = 14
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _d(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _lanes(row: dict, lanes: str) -> list[str]:
    if lanes == "type":
        return [row["type"]]
    names = [n for n in (row.get("actors") or "").split("; ") if n]
    return names or ["(no actor)"]


def _exact(edtf: str | None) -> bool:
    if not edtf:
        return False
    parts = edtf.split("/")
    return all(_DAY.match(p) for p in parts)


def draw(rows: list[dict], lanes: str = "actor") -> str:
    """The SVG markup for these rows ('' when none is dated)."""
    dated = [r for r in rows if _d(r.get("start")) or _d(r.get("end"))]
    if not dated:
        return ""
    lows = [_d(r["start"]) for r in dated if r.get("start")]
    highs = [_d(r["end"]) for r in dated if r.get("end")]
    lo = min(lows + highs)
    hi = max(lows + highs)
    span = max((hi - lo).days, 30)
    pad = max(span // 25, 7)
    left_day, right_day = lo.toordinal() - pad, hi.toordinal() + pad
    plot_w = WIDTH - LEFT - RIGHT

    def x(day: date) -> float:
        return LEFT + (day.toordinal() - left_day) / (right_day - left_day) * plot_w

    # lanes: the most used first, the rest folded into one
    counts: dict[str, int] = {}
    for r in dated:
        for name in _lanes(r, lanes):
            counts[name] = counts.get(name, 0) + 1
    order = sorted(counts, key=lambda n: (-counts[n], n))
    keep = order[: MAX_LANES - 1] if len(order) > MAX_LANES else order
    other = "(other actors)" if lanes == "actor" else "(other types)"
    placed: dict[str, list[tuple[float, float, dict]]] = {}
    for r in dated:
        names = _lanes(r, lanes)
        targets = [n for n in names if n in keep] or [other]
        for name in dict.fromkeys(targets):
            start, end = _d(r.get("start")), _d(r.get("end"))
            x0 = x(start) if start else LEFT
            x1 = x(end) if end else WIDTH - RIGHT
            placed.setdefault(name, []).append((x0, max(x1, x0 + 7), r))
    lane_names = [n for n in keep if n in placed] + ([other] if other in placed else [])

    parts: list[str] = []
    y = TOP
    lane_boxes = []
    for li, name in enumerate(lane_names):
        color = PALETTE[li % len(PALETTE)]
        items = sorted(placed[name], key=lambda t: (t[0], t[1]))
        tracks: list[float] = []
        marks = []
        for x0, x1, r in items:
            for ti, end in enumerate(tracks):
                if x0 > end + 2:
                    tracks[ti] = x1
                    break
            else:
                ti = len(tracks)
                tracks.append(x1)
            marks.append((ti, x0, x1, r))
        height = max(len(tracks), 1) * TRACK + 6
        lane_boxes.append((name, y, height, color, li))
        for ti, x0, x1, r in marks:
            parts.append(_mark(r, x0, x1, y + 3 + ti * TRACK, color, li))
        y += height + LANE_GAP
    total_h = y + 22

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg" viewBox="0 0 {WIDTH} {total_h}" width="{WIDTH}" height="{total_h}" role="img" aria-label="Visual timeline of the events on this page">']
    out.append("<defs>")
    for i, color in enumerate(PALETTE):
        out.append(f'<linearGradient id="fade-r-{i}" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="{color}" stop-opacity="0.85"/><stop offset="1" stop-color="{color}" stop-opacity="0"/></linearGradient>')
        out.append(f'<linearGradient id="fade-l-{i}" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="{color}" stop-opacity="0"/><stop offset="1" stop-color="{color}" stop-opacity="0.85"/></linearGradient>')
    out.append("</defs>")
    for name, ly, height, color, li in lane_boxes:
        out.append(f'<rect x="0" y="{ly - 2}" width="{WIDTH}" height="{height + 4}" fill="{"#fafafa" if li % 2 else "#ffffff"}"/>')
    # axis: year (or month) ticks
    years = range(date.fromordinal(left_day).year, date.fromordinal(right_day).year + 2)
    step = max(1, len(years) // 12)
    for year in years[::step]:
        tick = date(year, 1, 1)
        if left_day <= tick.toordinal() <= right_day:
            tx = x(tick)
            out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 6}" y2="{total_h - 20}" stroke="#ddd" stroke-width="1"/>')
            out.append(f'<text x="{tx:.1f}" y="{TOP - 10}" font-size="11" fill="#555" text-anchor="middle">{year}</text>')
    if len(years) <= 3:  # a short span: month ticks too
        for year in years:
            for month in range(2, 13):
                tick = date(year, month, 1)
                if left_day <= tick.toordinal() <= right_day:
                    tx = x(tick)
                    out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 3}" y2="{total_h - 20}" stroke="#f0f0f0" stroke-width="1"/>')
    for name, ly, height, color, li in lane_boxes:
        out.append(f'<text x="{LEFT - 8}" y="{ly + 12}" font-size="12" fill="{color}" text-anchor="end">{escape(_short(name, 26))}</text>')
    out.extend(parts)
    out.append(f'<text x="{LEFT}" y="{total_h - 6}" font-size="10" fill="#777">{escape(date.fromordinal(left_day).isoformat())} … {escape(date.fromordinal(right_day).isoformat())}</text>')
    out.append("</svg>")
    return "".join(out)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _mark(r: dict, x0: float, x1: float, top: float, color: str, ci: int) -> str:
    status, review = r.get("status"), r.get("review")
    start, end = r.get("start"), r.get("end")
    tip = f"#{r['id']} {r.get('date') or 'undated'} · {r.get('type')} · {status} · {review}\n{r.get('title') or ''}"
    if review == "rejected":
        color = "#aaaaaa"
    hollow = status in ("expected", "forecast")
    dash = {"expected": ' stroke-dasharray="4 2"', "forecast": ' stroke-dasharray="1.5 2"'}.get(status, "")
    h = TRACK - 4
    body: list[str] = []
    if _exact(r.get("date")) and "/" not in (r.get("date") or ""):
        cx, cy, s = x0, top + h / 2, h / 2 + 1
        fill = "#ffffff" if hollow else color
        body.append(f'<path d="M{cx:.1f} {cy - s:.1f} L{cx + s:.1f} {cy:.1f} L{cx:.1f} {cy + s:.1f} L{cx - s:.1f} {cy:.1f} Z" fill="{fill}" stroke="{color}" stroke-width="1.4"{dash}/>')
        dot_x = cx + s + 2
    else:
        w = max(x1 - x0, 3)
        if start is None and end is not None:
            fill = f"url(#fade-l-{ci})"
        elif end is None:
            fill = f"url(#fade-r-{ci})"
        else:
            fill = color
        opacity = "1" if _exact(r.get("date")) else "0.45"
        if hollow:
            body.append(f'<rect x="{x0:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h}" rx="2" fill="{fill}" fill-opacity="0.12" stroke="{color}" stroke-width="1.4"{dash}/>')
        else:
            body.append(f'<rect x="{x0:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h}" rx="2" fill="{fill}" fill-opacity="{opacity}" stroke="{color}" stroke-width="0.6"/>')
        dot_x = x0 + 3
    if review == "extracted":
        body.append(f'<circle cx="{dot_x:.1f}" cy="{top + 1:.1f}" r="2.6" fill="#e67e22" stroke="#ffffff" stroke-width="0.8"/>')
    if status == "forecast":
        body.append(f'<text x="{min(x1, WIDTH - RIGHT) + 2:.1f}" y="{top + h:.1f}" font-size="10" fill="{color}">?</text>')
    return f'<a href="/events/{int(r["id"])}" class="mark"><title>{escape(tip)}</title>{"".join(body)}</a>'
