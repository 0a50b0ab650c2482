"""The visual timeline of one page of events, as an SVG the server writes (no script needed).

Encoding (the legend under the chart repeats it; the same as `kpolicy plot`):
- one lane per actor (each event in the lane of each of its actors) or per event type;
- an event known to the day is a diamond; anything fuzzier is a bar over its bounds,
  solid when both ends are exact days, pale when the text licenses only a month,
  season, year or a vaguer interval -- the bar's length is the uncertainty;
- an open end fades out toward the edge it has no bound on;
- occurred is filled; expected is hollow with a dashed outline; forecast hollow, dotted;
- an unreviewed (extracted) event carries an orange dot; a rejected one is grey.

Fitting the data and the box (issue 24, item 1):
- the time axis is cut where the dates leave a long empty stretch (an axis break, drawn as a
  gap with a zigzag): one 2006 event next to 2019-2024 gets a slot of its own at the left
  instead of squeezing the dense years into a corner; a bar that spans a break is drawn across it;
- each lane's name is written above its lane from the left edge, never right-aligned into a
  margin where a long name would be cut (a name longer than the chart is shortened with "…"
  and given whole in its <title>);
- the SVG has a viewBox and no fixed size, so the page's CSS scales it to its box; under
  about 640 px the box scrolls sideways rather than shrinking the text to nothing;
- every mark is a link with a <title> (the hover tooltip), an aria-label (what a screen
  reader or the keyboard's focus announces) and a label shown on hover and on focus.
Everything is written through an escaping helper: titles come from articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939")
WIDTH, LEFT, RIGHT, TOP = 1100, 12, 16, 30
TRACK, LANE_GAP, LABEL_H = 13, 6, 15
MAX_LANES = 14
BREAK_W = 22  # pixels an axis break takes
MIN_SEGMENT_W = 50  # the narrowest a stretch of time between breaks is drawn
MAX_BREAKS = 4
LABEL_EM = 0.66  # a generous average width of a bold sans-serif character, in ems: a lane name longer than the chart allows is shortened
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


@dataclass(frozen=True)
class Segment:
    """A stretch of days [lo, hi] (ordinals) drawn over pixels [x0, x1]."""

    lo: int
    hi: int
    x0: float
    x1: float

    def x(self, day: int) -> float:
        return self.x0 + (day - self.lo) / max(self.hi - self.lo, 1) * (self.x1 - self.x0)


class Axis:
    """A piecewise-linear time scale: the stretches with events, and breaks over the long empty
    stretches between them (a gap of at least a year and a fifth of the whole span)."""

    def __init__(self, points: list[int], x0: float, x1: float, min_segment: float = MIN_SEGMENT_W):
        points = sorted(set(points))
        lo, hi = points[0], points[-1]
        total = max(hi - lo, 30)
        gaps = sorted(((b - a, a, b) for a, b in zip(points, points[1:])), reverse=True)
        cut = sorted((a, b) for length, a, b in gaps[:MAX_BREAKS] if length >= max(365, total / 5))
        stretches, start = [], lo
        for a, b in cut:
            stretches.append((start, a))
            start = b
        stretches.append((start, hi))
        padded = []
        for a, b in stretches:
            pad = max((b - a) // 25, 10)
            padded.append((max(a - pad, 1), min(b + pad, date.max.toordinal())))  # year 1 and 9999 stay drawable
        room = (x1 - x0) - BREAK_W * (len(padded) - 1)
        lengths = [b - a for a, b in padded]
        widths = [room * n / sum(lengths) for n in lengths]
        short = [i for i, w in enumerate(widths) if w < min_segment]
        if short and len(short) < len(widths):  # a lone outlier still gets a readable slot
            rest = room - min_segment * len(short)
            others = sum(lengths[i] for i in range(len(widths)) if i not in short)
            widths = [min_segment if i in short else rest * lengths[i] / others for i in range(len(widths))]
        self.segments: list[Segment] = []
        x = x0
        for (a, b), w in zip(padded, widths):
            self.segments.append(Segment(a, b, x, x + w))
            x += w + BREAK_W
        self.breaks = [(s.x1, t.x0) for s, t in zip(self.segments, self.segments[1:])]

    @property
    def first_day(self) -> int:
        return self.segments[0].lo

    @property
    def last_day(self) -> int:
        return self.segments[-1].hi

    def x(self, day: date) -> float:
        n = day.toordinal()
        for i, s in enumerate(self.segments):
            if n <= s.hi:
                if n >= s.lo or i == 0:
                    return max(s.x(n), s.x0) if i == 0 else s.x(n)
                gap_lo, gap_hi = self.segments[i - 1].hi, s.lo  # inside a break: across it, in proportion
                a, b = self.breaks[i - 1]
                return a + (n - gap_lo) / max(gap_hi - gap_lo, 1) * (b - a)
        return self.segments[-1].x1


def _ticks(segment: Segment) -> tuple[list[tuple[float, str]], list[float]]:
    """Year ticks (labelled, at most one per 48 px) and, for a short stretch, month ticks."""
    first, last = date.fromordinal(segment.lo), date.fromordinal(segment.hi)
    years = list(range(first.year + (0 if (first.month, first.day) == (1, 1) else 1), last.year + 1))
    per_year = (segment.x1 - segment.x0) / max((segment.hi - segment.lo) / 365.25, 1e-9)
    step = next((n for n in (1, 2, 5, 10, 20, 50, 100) if n * per_year >= 48), 100)
    labelled = [(segment.x(date(y, 1, 1).toordinal()), str(y)) for y in years if y % step == 0]
    if not labelled:  # a stretch inside one year: its year at its left edge
        labelled = [(segment.x0 + 2, str(first.year))]
    months = []
    if per_year >= 200:
        for y in range(first.year, last.year + 1):
            for m in range(2, 13):
                n = date(y, m, 1).toordinal()
                if segment.lo <= n <= segment.hi:
                    months.append(segment.x(n))
    return labelled, months


NARROW = 420  # the phone version's width (units): its text stays readable on a 360-400 px screen


def draw_both(rows: list[dict], lanes: str = "actor") -> str:
    """The chart twice: for a wide box and, shown instead under 640 px (desk.css), for a phone."""
    wide = draw(rows, lanes)
    return wide and wide + draw(rows, lanes, width=NARROW, variant="narrow")


def draw(rows: list[dict], lanes: str = "actor", width: int = WIDTH, variant: str = "wide") -> str:
    """The SVG markup for these rows ('' when none is dated), `width` units wide (a viewBox: the
    page's CSS gives it its size). `variant` names it in its class and its element ids."""
    ids = "" if variant == "wide" else variant[0]
    dated = [r for r in rows if _d(r.get("start")) or _d(r.get("end"))]
    if not dated:
        return ""
    points = [d.toordinal() for r in dated for d in (_d(r.get("start")), _d(r.get("end"))) if d]
    axis = Axis(points, LEFT, width - RIGHT, min_segment=MIN_SEGMENT_W * width / WIDTH + 20)

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
            x0 = axis.x(start) if start else LEFT
            x1 = axis.x(end) if end else width - RIGHT
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
        height = LABEL_H + max(len(tracks), 1) * TRACK + 4
        lane_boxes.append((name, y, height, color, li, len(items)))
        parts.append(f'<g class="lane" aria-label="{escape(name, quote=True)}: {len(items)} event{"s" if len(items) != 1 else ""}">')
        for ti, x0, x1, r in marks:
            parts.append(_mark(r, x0, x1, y + LABEL_H + ti * TRACK, color, f"{ids}{li % len(PALETTE)}", width))
        parts.append("</g>")
        y += height + LANE_GAP
    total_h = y + 22

    first, last = date.fromordinal(axis.first_day), date.fromordinal(axis.last_day)
    label = f"Visual timeline of the {len(dated)} dated events on this page, {first.year}–{last.year}"
    if axis.breaks:
        label += f", with {len(axis.breaks)} axis break{'s' if len(axis.breaks) > 1 else ''} over years without events"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg {variant}" viewBox="0 0 {width} {total_h}" '
           f'preserveAspectRatio="xMinYMin meet" role="group" aria-label="{escape(label, quote=True)}">']
    out.append(f"<title>{escape(label)}</title>")
    out.append("<defs>")
    for i, color in enumerate(PALETTE):
        out.append(f'<linearGradient id="fade-r-{ids}{i}" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="{color}" stop-opacity="0.85"/><stop offset="1" stop-color="{color}" stop-opacity="0"/></linearGradient>')
        out.append(f'<linearGradient id="fade-l-{ids}{i}" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="{color}" stop-opacity="0"/><stop offset="1" stop-color="{color}" stop-opacity="0.85"/></linearGradient>')
    out.append("</defs>")
    for name, ly, height, color, li, _n in lane_boxes:
        out.append(f'<rect x="0" y="{ly - 2}" width="{width}" height="{height + 4}" fill="{"#fafafa" if li % 2 else "#ffffff"}"/>')
    for segment in axis.segments:
        labelled, months = _ticks(segment)
        for tx in months:
            out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 3}" y2="{total_h - 20}" stroke="#f0f0f0" stroke-width="1"/>')
        for tx, text in labelled:
            out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 6}" y2="{total_h - 20}" stroke="#ddd" stroke-width="1"/>')
            out.append(f'<text class="tick" x="{tx:.1f}" y="{TOP - 10}" font-size="12" fill="#555" text-anchor="middle">{text}</text>')
    for (a, b), before, after in zip(axis.breaks, axis.segments, axis.segments[1:]):
        skipped = f"{date.fromordinal(before.hi).isoformat()} to {date.fromordinal(after.lo).isoformat()}: no events (axis break)"
        mid = (a + b) / 2
        zig = " ".join(f"L{mid + (3 if i % 2 else -3):.1f} {TOP - 4 + i * 6}" for i in range(1, int((total_h - 20 - TOP) / 6)))
        out.append(f'<g class="axis-break"><title>{escape(skipped)}</title>'
                   f'<rect x="{a:.1f}" y="{TOP - 18}" width="{b - a:.1f}" height="{total_h - TOP - 2}" fill="#ffffff" fill-opacity="0.8"/>'
                   f'<path d="M{mid:.1f} {TOP - 4} {zig}" fill="none" stroke="#999" stroke-width="1"/>'
                   f'<text x="{mid:.1f}" y="{TOP - 10}" font-size="11" fill="#999" text-anchor="middle">≈</text></g>')
    for name, ly, height, color, li, n in lane_boxes:
        shown = _short(name, int((width - LEFT - 4) / (13 * LABEL_EM)))
        out.append(f'<text class="lane-label" x="{LEFT}" y="{ly + 10}" font-size="13" font-weight="600" fill="{color}" '
                   f'stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                   f'<title>{escape(name)} ({n} event{"s" if n != 1 else ""})</title>{escape(shown)}</text>')
    out.extend(parts)
    out.append(f'<text x="{LEFT}" y="{total_h - 6}" font-size="10" fill="#777">{escape(first.isoformat())} … {escape(last.isoformat())}'
               + (" · ≈ marks an axis break over a stretch without events" if axis.breaks else "") + "</text>")
    out.append("</svg>")
    return "".join(out)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _mark(r: dict, x0: float, x1: float, top: float, color: str, ci: str, width: int = WIDTH) -> str:
    status, review = r.get("status"), r.get("review")
    start, end = r.get("start"), r.get("end")
    tip = f"#{r['id']} {r.get('date') or 'undated'} · {r.get('type')} · {status} · {review}\n{r.get('title') or ''}"
    aria = f"#{r['id']} {r.get('title') or ''}, {r.get('date') or 'undated'}, {r.get('type')}, {status}, {review}"
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
        right = cx + s
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
        right = x0 + w
    if review == "extracted":
        body.append(f'<circle cx="{dot_x:.1f}" cy="{top + 1:.1f}" r="2.6" fill="#e67e22" stroke="#ffffff" stroke-width="0.8"/>')
    if status == "forecast":
        body.append(f'<text x="{min(x1, width - RIGHT) + 2:.1f}" y="{top + h:.1f}" font-size="10" fill="{color}">?</text>')
    # the label shown on hover and on keyboard focus (CSS: .timeline-svg .mark-label), kept inside the chart
    text = _short(f"#{r['id']} {r.get('title') or ''}", 70)
    if right + 6 + len(text) * 6.2 <= width - 4:
        lx, anchor = right + 6, "start"
    else:
        lx, anchor = max(x0 - 6, len(text) * 6.2 + 4), "end"
    body.append(f'<text class="mark-label" x="{lx:.1f}" y="{top + h - 1:.1f}" font-size="11" text-anchor="{anchor}" fill="#111" '
                f'stroke="#ffffff" stroke-width="3" paint-order="stroke" visibility="hidden">{escape(text)}</text>')
    return (f'<a href="/events/{int(r["id"])}" class="mark" tabindex="0" aria-label="{escape(aria, quote=True)}">'
            f'<title>{escape(tip)}</title>{"".join(body)}</a>')
