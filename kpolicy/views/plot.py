"""Draw the timeline as a picture (PNG or SVG) with matplotlib: lanes, honest dates, status.

Encoding (the legend on every chart repeats it):
- one lane per actor (its top-level state by default) or per event type; an event with
  several actors appears in each of their lanes;
- an event known to the day is a marker (diamond); anything fuzzier is a bar spanning
  its bounds: solid when both ends are exact days, pale when the text licenses only a
  month, season, year or vaguer interval, hatched when the date is qualified (? ~);
- an open-ended event fades out toward the edge it has no bound on, ending in an arrow;
- what occurred is filled; expected events are hollow with a dashed outline; forecasts
  are hollow with a dotted outline and their label ends in "?" (both labels in italics).

Legibility: within a lane, events are stacked on tracks so that no two labels or bars
overlap. Up to DETAIL_LIMIT events everything is labelled. Beyond that each lane shows
the count of events per time bin as a shaded histogram, a tick for every event, and
labels only for its most important events (most mentions, most precise date, reviewed,
most confident) that fit on a few tracks, spread in time.

matplotlib runs headless (Agg), uses its bundled DejaVu fonts and never the network;
it is imported only when a chart is drawn.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kpolicy.views.exports import row_range
from kpolicy.errors import BadInput

SUFFIXES = (".png", ".svg")
LANES = ("actor", "type")
DETAIL_LIMIT = 120  # events; above it, lanes aggregate and labels are thinned
DEFAULT_DENSE_LABELS = 6  # labels per lane in the aggregated view
MAX_LANES = 12
LABEL_CHARS = 46
FONT_SIZE = 7.5
TRACK_IN = 0.2  # inches per track
FIG_WIDTH_IN = 15.0
LEFT_IN, RIGHT_IN = 1.9, 0.35
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939")
_EXACT_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = date(1970, 1, 1).toordinal()  # matplotlib's date numbers count days from 1970-01-01


def _x(day: date) -> float:
    return float(day.toordinal() - _EPOCH)


@dataclass
class Item:
    """One event as drawn in one lane."""

    id: int
    title: str
    start: date  # drawn span (open ends already replaced by the chart edge)
    end: date
    kind: str  # point, exact (day-precise interval), fuzzy, open_right, open_left
    status: str
    uncertain: bool  # EDTF ? ~ %
    importance: float
    track: int = -1
    labelled: bool = False
    label_left: bool = False  # the label sits left of the item (no room before the right edge)
    label: str = ""
    cut: bool = False  # reaches outside the query window: drawn to its edge


@dataclass
class Lane:
    name: str
    items: list[Item] = field(default_factory=list)
    tracks: int = 1


@dataclass
class PlotSummary:
    events: int
    drawn: int
    lanes: int
    labelled: int
    aggregated: bool
    skipped_undated: int
    merged_lanes: int = 0
    missing_glyphs: str = ""  # characters no font found has (drawn as boxes), in order of first use


def check_output(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"-o {path} has no .png or .svg suffix; name the file chart.png or chart.svg")
    if not path.expanduser().parent.exists():
        raise BadInput(f"the folder {path.expanduser().parent} does not exist; create it or choose another -o")
    return suffix[1:]


def _importance(row: dict, rng) -> float:
    precision_weight = {"day": 3.0, "interval": 2.0, "month": 2.0, "season": 1.5, "year": 1.0, "open": 0.5}.get(rng.precision, 0.0)
    if rng.precision == "interval" and rng.lower and rng.upper and (rng.upper - rng.lower).days <= 14:
        precision_weight = 3.0
    mentions = 1 + len(row.get("mentions") or [])
    return (
        2.0 * min(mentions, 6)
        + precision_weight
        + (1.0 if row.get("review") == "reviewed" else 0.0)
        + float(row.get("confidence") or 0.0)
        + (0.5 if row.get("status") == "occurred" else 0.0)
    )


def _kind(edtf: str, rng) -> str:
    if rng.lower is None:
        return "open_left"
    if rng.upper is None:
        return "open_right"
    if rng.lower == rng.upper:
        return "point"
    pieces = edtf.split("/") if "/" in edtf else [edtf]
    if all(_EXACT_DAY.fullmatch(p) for p in pieces):
        return "exact"
    return "fuzzy"


def _lane_names(row: dict, lanes: str, people: bool) -> list[str]:
    if lanes == "type":
        return [row.get("type") or "other"]
    names = (row.get("actors") if people else row.get("states")) or []
    return list(dict.fromkeys(names)) or ["(no actor)"]


def _truncate(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(item: Item) -> str:
    return item.label


def _make_label(item: Item, limit: int) -> str:
    text = _truncate(item.title, limit)
    return text + " ?" if item.status == "forecast" else text


def build_lanes(rows, lanes: str = "actor", people: bool = False, max_lanes: int = MAX_LANES, window: tuple[date | None, date | None] = (None, None)):
    """Items per lane and the chart's date range; undated events are counted, not drawn."""
    raw: dict[str, list[tuple[dict, object]]] = {}
    skipped = events = 0
    lo: date | None = None
    hi: date | None = None
    for row in rows:
        events += 1
        rng = row_range(row)
        if rng.lower is None and rng.upper is None:
            skipped += 1
            continue
        for bound in (rng.lower, rng.upper):
            if bound is not None:
                lo = bound if lo is None or bound < lo else lo
                hi = bound if hi is None or bound > hi else hi
        for name in _lane_names(row, lanes, people):
            raw.setdefault(name, []).append((row, rng))
    if lo is None or hi is None:
        return [], None, None, events, skipped, 0
    # a query window is the axis (events reaching outside it are cut at its edges)
    lo = window[0] if window[0] is not None else lo
    hi = window[1] if window[1] is not None else hi
    span = max((hi - lo).days, 60)
    pad = timedelta(days=max(round(span * 0.03), 10))
    left, right = lo - pad, hi + timedelta(days=max(round(span * 0.12), 45))  # room for open ends to fade
    counts = Counter({name: len(items) for name, items in raw.items()})
    order = [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    merged = 0
    if len(order) > max_lanes:
        keep, rest = order[: max_lanes - 1], order[max_lanes - 1 :]
        merged = len(rest)
        other = f"{len(rest)} other {'types' if lanes == 'type' else 'actors'}"
        seen: set[int] = set()
        raw[other] = []
        for name in rest:
            for row, rng in raw.pop(name):
                if row["id"] not in seen:
                    seen.add(row["id"])
                    raw[other].append((row, rng))
        order = keep + [other]
    result = []
    for name in order:
        lane = Lane(name)
        for row, rng in raw[name]:
            edtf = row.get("date") or ""
            kind = _kind(edtf, rng)
            lane.items.append(
                Item(
                    id=row["id"],
                    title=row.get("title") or "",
                    start=max(rng.lower, left) if rng.lower is not None else left,
                    end=min(rng.upper, right) if rng.upper is not None else right,
                    kind=kind,
                    status=row.get("status") or "occurred",
                    uncertain=edtf.endswith(("?", "~", "%")) or any(p.endswith(("?", "~", "%")) for p in edtf.split("/")),
                    importance=_importance(row, rng),
                    cut=(rng.lower is not None and rng.lower < left) or (rng.upper is not None and rng.upper > right),
                )
            )
        result.append(lane)
    return result, left, right, events, skipped, merged


def _extent(item: Item, days_per_char: float, min_days: float, right_edge: float) -> tuple[float, float]:
    """The x range an item and its label occupy; flips the label to the left near the right edge."""
    x0 = _x(item.start)
    width = max(_x(item.end) + 1 - x0, min_days)
    label = (len(_label(item)) + 1.5) * days_per_char
    after = item.kind == "open_left" or (item.kind == "exact" and not item.uncertain)  # label after the bar
    label_start = x0 + width if after else x0 + min_days
    if label_start + label <= right_edge:
        item.label_left = False
        return x0, max(x0 + width, label_start + label) + days_per_char
    item.label_left = True
    return x0 - label - days_per_char, x0 + width + days_per_char


def _pack(lane: Lane, days_per_char: float, min_days: float, label_budget: int | None, max_label_tracks: int, right_edge: float) -> int:
    """Assign tracks: labelled items reserve room for their label; returns labels placed."""
    ordered = sorted(lane.items, key=lambda it: (-it.importance, it.start, it.id)) if label_budget is not None else sorted(
        lane.items, key=lambda it: (it.start, it.end, it.id)
    )
    ends: list[float] = []  # per track: the day (ordinal) where it is free again
    placed = 0
    spans: list[list[tuple[float, float]]] = []
    for item in ordered:
        if label_budget is not None and placed >= label_budget:
            break
        x0, x1 = _extent(item, days_per_char, min_days, right_edge)
        if label_budget is None:  # chronological: the first free track
            for t, free in enumerate(ends):
                if free <= x0:
                    ends[t] = x1
                    item.track = t
                    break
            else:
                ends.append(x1)
                item.track = len(ends) - 1
            item.labelled = True
            placed += 1
            continue
        for t in range(max_label_tracks):  # by importance: any gap on the few label tracks
            if t == len(spans):
                spans.append([])
            if all(x1 <= a or x0 >= b for a, b in spans[t]):
                spans[t].append((x0, x1))
                item.track = t
                item.labelled = True
                placed += 1
                break
    tracks = len(ends) if label_budget is None else max((it.track for it in lane.items if it.labelled), default=-1) + 1
    lane.tracks = max(tracks, 1)
    return placed


def _bin_days(span_days: int) -> tuple[str, int]:
    if span_days > 365 * 25:
        return "year", 365
    if span_days > 365 * 4:
        return "quarter", 91
    if span_days > 240:
        return "month", 30
    return "week", 7


def _matplotlib_config_dir() -> None:
    """A home that cannot be written (a service account, a read-only home): matplotlib would warn
    on stderr in two long lines and use a temporary folder; kpolicy gives it one quietly."""
    import os

    if "MPLCONFIGDIR" in os.environ:
        return
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path("~/.config").expanduser()) / "matplotlib"
    probe = home
    try:
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if os.access(probe, os.W_OK | os.X_OK):
            return
    except OSError:  # a home folder this user cannot even look into
        pass
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="kpolicy-matplotlib-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ["MPLCONFIGDIR"] = folder


def draw(rows, path: Path, lanes: str = "actor", people: bool = False, labels: int | None = None, title: str | None = None, subtitle: str = "",
         window: tuple[date | None, date | None] = (None, None)) -> PlotSummary:
    """Render rows (query.iter_detailed dicts) to path (.png or .svg)."""
    fmt = check_output(path)
    if lanes not in LANES:
        raise BadInput(f"--lanes {lanes!r} is not actor or type; use --lanes actor or --lanes type")
    lane_list, left, right, events, skipped, merged = build_lanes(rows, lanes, people, window=window)
    if not lane_list:
        if events:
            raise BadInput(f"the {events} matching event(s) are all undated; nothing to place on a time axis")
        raise BadInput("no events match the filters; nothing to draw (widen --from/--to or drop a filter)")
    drawn_ids = {it.id for lane in lane_list for it in lane.items}
    aggregated = len(drawn_ids) > DETAIL_LIMIT if labels is None else True
    if labels is None and aggregated:
        labels = DEFAULT_DENSE_LABELS

    _matplotlib_config_dir()
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    plt.rcParams.update({"font.family": ["DejaVu Sans", *_fallback_fonts()], "font.size": FONT_SIZE, "svg.fonttype": "none",
                         "svg.hashsalt": "kpolicy"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every warning recorded here; all but the glyph ones go on below, through the caller's filters
        summary = _render(plt, mdates, LineCollection, Line2D, Patch, Rectangle, lane_list, left, right, events, skipped, merged,
                          drawn_ids, aggregated, labels, lanes, people, title, subtitle, path, fmt)
    missing: dict[str, None] = {}
    for w in caught:  # matplotlib's "Glyph N (...) missing from font(s)": counted and said once by the face
        m = _MISSING_GLYPH.match(str(w.message))
        if m and issubclass(w.category, UserWarning):
            missing[chr(int(m.group(1)))] = None
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    summary.missing_glyphs = "".join(missing)
    return summary


# fonts with Hangul, kana and Han glyphs, tried after DejaVu Sans (which has none) when installed
_CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans KR", "NanumGothic", "Source Han Sans K",
              "Source Han Sans", "WenQuanYi Zen Hei", "Droid Sans Fallback", "Unifont")
_MISSING_GLYPH = re.compile(r"Glyph (\d+) .*missing from (?:current )?font")


def _fallback_fonts() -> list[str]:
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in _CJK_FONTS if name in have]


def _render(plt, mdates, LineCollection, Line2D, Patch, Rectangle, lane_list, left, right, events, skipped, merged, drawn_ids,
            aggregated, labels, lanes, people, title, subtitle, path, fmt) -> PlotSummary:

    span_days = (right - left).days
    axes_width_in = FIG_WIDTH_IN - LEFT_IN - RIGHT_IN
    days_per_in = span_days / axes_width_in
    days_per_char = 0.56 * FONT_SIZE / 72 * days_per_in
    min_days = 0.07 * days_per_in  # the narrowest bar or marker, about 5 pixels at 72 dpi

    label_chars = 72 if len(drawn_ids) <= 60 else LABEL_CHARS
    for lane in lane_list:
        for it in lane.items:
            it.label = _make_label(it, label_chars)
    labelled = 0
    for lane in lane_list:
        labelled += _pack(lane, days_per_char, min_days, labels if aggregated else None, max_label_tracks=4, right_edge=_x(right))
    hist_tracks = 2 if aggregated else 0
    heights = [lane.tracks + hist_tracks + 0.6 for lane in lane_list]
    total_tracks = sum(heights)
    header_in, footer_in = 1.0, 1.05
    fig_height = min(max(total_tracks * TRACK_IN + header_in + footer_in, 3.2), 60)
    fig = plt.figure(figsize=(FIG_WIDTH_IN, fig_height))
    ax = fig.add_axes([LEFT_IN / FIG_WIDTH_IN, footer_in / fig_height, axes_width_in / FIG_WIDTH_IN, 1 - (header_in + footer_in) / fig_height])
    ax.set_xlim(_x(left), _x(right))
    ax.set_ylim(total_tracks, 0)

    tick_segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    y = 0.0
    yticks, yticklabels = [], []
    bin_name, bin_days = _bin_days(span_days)
    max_count = 1
    lane_bins = []
    if aggregated:
        origin = _x(left)
        for lane in lane_list:
            bins = Counter((_x(it.start) - origin) // bin_days for it in lane.items)
            lane_bins.append(bins)
            max_count = max(max_count, max(bins.values(), default=1))
    for index, (lane, height) in enumerate(zip(lane_list, heights)):
        color = PALETTE[index % len(PALETTE)]
        if index % 2 == 0:
            ax.axhspan(y, y + height, color="#f3f4f6", zorder=0, lw=0)
        yticks.append(y + height / 2)
        yticklabels.append(f"{_truncate(lane.name, 24)}  ({len(lane.items)})")
        base = y + 0.3
        if aggregated:
            # counts per bin: a histogram under the lane's labels
            hist_top, hist_bottom = base + lane.tracks, base + lane.tracks + hist_tracks
            origin = _x(left)
            lane_max = max(lane_bins[index].values())  # each lane scaled to its own peak, which is labelled
            for b, count in lane_bins[index].items():
                x0 = origin + b * bin_days
                h = (hist_tracks - 0.15) * count / lane_max
                ax.add_patch(Rectangle((x0, hist_bottom - h), bin_days * 0.92, h, facecolor=color, alpha=0.28, lw=0, zorder=1))
            peak_bin, peak = max(lane_bins[index].items(), key=lambda kv: (kv[1], -kv[0]))
            ax.text(origin + peak_bin * bin_days + bin_days * 0.46, hist_bottom - (hist_tracks - 0.15) - 0.05,
                    str(peak), ha="center", va="bottom", fontsize=FONT_SIZE - 1.5, color="#333333", zorder=3)
            for it in lane.items:  # a tick for every event at its start
                tick_segments.append(((_x(it.start), hist_bottom), (_x(it.start), hist_bottom + 0.3)))
        for it in lane.items:
            if it.track < 0:
                continue
            _draw_item(ax, it, base + it.track + 0.5, color, min_days, days_per_char, left, right, Rectangle)
        y += height
    if tick_segments:
        ax.add_collection(LineCollection(tick_segments, colors="#555555", linewidths=0.5, alpha=0.6, zorder=2))

    ax.set_yticks(yticks)
    ax.set_yticklabels(yticklabels, fontsize=FONT_SIZE + 0.5)
    ax.tick_params(axis="y", length=0)
    locator = mdates.AutoDateLocator(minticks=6, maxticks=16)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#d0d0d0", lw=0.6, zorder=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.xaxis.set_ticks_position("both")
    ax.tick_params(axis="x", labeltop=True, labelbottom=True)

    heading = title or "kpolicy timeline"
    lane_word = "type" if lanes == "type" else ("actor" if people else "state")
    detail = f"{len(drawn_ids)} events in {len(lane_list)} lanes by {lane_word}"
    if aggregated:
        detail += f"; shaded bars: events per {bin_name} (scaled to each lane's peak, labelled); a tick marks each event; labels: the {labels} most important per lane"
    if skipped:
        detail += f"; {skipped} undated not shown"
    fig.text(LEFT_IN / FIG_WIDTH_IN, 1 - 0.22 / fig_height, heading, fontsize=FONT_SIZE + 5, weight="bold", va="top")
    fig.text(LEFT_IN / FIG_WIDTH_IN, 1 - 0.5 / fig_height, detail + (f" — {subtitle}" if subtitle else ""), fontsize=FONT_SIZE + 0.5, va="top", color="#444444")

    grey = "#555555"
    handles = [
        Line2D([], [], marker="D", ls="none", color=grey, markersize=6, label="exact day"),
        Patch(facecolor=grey, alpha=0.9, label="exact days (interval)"),
        Patch(facecolor=grey, alpha=0.3, edgecolor=grey, label="fuzzy: month, season, year or vague span"),
        Patch(facecolor=grey, alpha=0.3, edgecolor=grey, hatch="////", label="uncertain date (? ~)"),
        Line2D([], [], marker=">", color=grey, lw=4, alpha=0.5, markersize=6, label="open-ended (fades out)"),
        Patch(facecolor=grey, edgecolor=grey, label="occurred (filled)"),
        Patch(facecolor="white", edgecolor=grey, ls="--", lw=1.3, label="expected (hollow, dashed)"),
        Patch(facecolor="white", edgecolor=grey, ls=":", lw=1.5, label="forecast (hollow, dotted, ?)"),
    ]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(LEFT_IN / FIG_WIDTH_IN, 0.04 / fig_height * 3), ncol=4, frameon=False, fontsize=FONT_SIZE)
    fig.savefig(path.expanduser(), format=fmt, dpi=110 if fmt == "png" else 72, metadata={"Software": None} if fmt == "png" else {"Date": None})
    plt.close(fig)
    return PlotSummary(events, len(drawn_ids), len(lane_list), labelled, aggregated, skipped, merged)


def _draw_item(ax, it: Item, yc: float, color: str, min_days: float, days_per_char: float, left: date, right: date, Rectangle) -> None:
    x0, x1 = _x(it.start), _x(it.end) + 1  # inclusive end day
    occurred = it.status == "occurred"
    line_style = "-" if occurred else ("--" if it.status == "expected" else ":")
    label_x = x0
    if it.kind == "point":
        ax.plot(x0 + 0.5, yc, marker="D", markersize=5.5, ls="none", zorder=4,
                markerfacecolor=color if occurred else "white", markeredgecolor=color, markeredgewidth=1.3)
        label_x = x0 + min_days * 0.9
    elif it.kind in ("open_right", "open_left"):
        steps = 14
        known, edge = (x0, _x(right)) if it.kind == "open_right" else (x1, _x(left))
        seg = (edge - known) / steps
        for s in range(steps):
            alpha = 0.45 * (1 - s / steps) + 0.04
            a = known + s * seg
            ax.add_patch(Rectangle((min(a, a + seg), yc - 0.32), abs(seg), 0.64, facecolor=color if occurred else "none",
                                   alpha=alpha if occurred else 1, edgecolor="none", lw=0, zorder=2))
            # the outline fades too (what shows for hollow expected/forecast events)
            for yy in (yc - 0.32, yc + 0.32):
                ax.plot([a, a + seg], [yy, yy], color=color, lw=1.0, ls=line_style, alpha=0.9 * (1 - s / steps) + 0.1, zorder=3)
        # the known bound, firmly drawn, and an arrow toward the open side
        ax.plot([known, known], [yc - 0.34, yc + 0.34], color=color, lw=1.8, ls="-", zorder=3)
        ax.plot(edge - (min_days * 0.3 if it.kind == "open_right" else -min_days * 0.3), yc, marker=">" if it.kind == "open_right" else "<",
                color=color, markersize=5, zorder=3, ls="none")
        label_x = x0 + min_days * 0.4 if it.kind == "open_right" else x1 + days_per_char * 0.6
    else:
        width = max(x1 - x0, min_days)
        exact = it.kind == "exact" and not it.uncertain
        ax.add_patch(Rectangle((x0, yc - 0.32), width, 0.64, zorder=2,
                               facecolor=(color if occurred else "white"), alpha=(0.9 if exact else 0.3) if occurred else 1,
                               edgecolor="none", lw=0, hatch="////" if it.uncertain else None))
        ax.add_patch(Rectangle((x0, yc - 0.32), width, 0.64, zorder=2.5, facecolor="none", edgecolor=color, lw=1.0 if occurred else 1.3,
                               ls=line_style, hatch="////" if it.uncertain else None))
        if it.cut:  # continues beyond the window: a chevron on the cut edge
            if _x(it.start) <= _x(left):
                ax.plot(x0, yc, marker="<", color=color, markersize=5, ls="none", zorder=3, clip_on=False)
            if _x(it.end) >= _x(right):
                ax.plot(x0 + width, yc, marker=">", color=color, markersize=5, ls="none", zorder=3, clip_on=False)
        label_x = x0 + min_days * 0.4
        if exact:
            label_x = x0 + width + days_per_char * 0.6
    if it.labelled:
        style = "normal" if occurred else "italic"
        ha = "left"
        if it.label_left:
            label_x, ha = x0 - days_per_char * 0.6, "right"
        ax.text(label_x, yc, _label(it), va="center", ha=ha, fontsize=FONT_SIZE, style=style, zorder=5,
                color="#111111" if occurred else "#444444", clip_on=True,
                bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.55, "lw": 0} if it.kind not in ("point",) else None)
