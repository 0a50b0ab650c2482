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
    mark: tuple[float, float] = (0.0, 0.0)  # the x range its marks cover (scale units)
    label_span: tuple[float, float] = (0.0, 0.0)  # the x range its label covers, when labelled


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


@dataclass
class Scale:
    """Days -> x (matplotlib's day numbers), linear except across breaks: a long stretch with no
    event bound in it is drawn `gap` units wide, so one outlier does not squeeze the rest."""

    breaks: list[tuple[date, date]] = field(default_factory=list)
    gap: float = 0.0

    def x(self, day: date) -> float:
        value = float(day.toordinal() - _EPOCH)
        for b0, b1 in self.breaks:
            length = (b1 - b0).days
            if day >= b1:
                value -= length - self.gap
            elif day > b0:
                value -= (day - b0).days / length * (length - self.gap)
                break
            else:
                break
        return value

    def segments(self, left: date, right: date) -> list[tuple[date, date]]:
        """The stretches drawn at full scale, between the breaks."""
        out, start = [], left
        for b0, b1 in self.breaks:
            out.append((start, b0))
            start = b1
        out.append((start, right))
        return out


BREAK_MIN_DAYS = 730  # a stretch is broken only when it is this long...
BREAK_SHARE = 0.25  # ...and this share of the whole range, with no event bound inside it


def find_breaks(lanes: list[Lane], left: date, right: date) -> Scale:
    """The axis breaks for these lanes: every empty stretch (no event starts or ends inside it)
    longer than BREAK_MIN_DAYS and BREAK_SHARE of the range, less 2% of it kept on each side;
    each drawn 4% of the rest wide."""
    bounds = sorted({d for lane in lanes for it in lane.items for d in (
        it.start if it.kind != "open_left" else None, it.end if it.kind != "open_right" else None) if d is not None})
    span = (right - left).days
    breaks = []
    for a, b in zip(bounds, bounds[1:]):
        if (b - a).days > max(BREAK_MIN_DAYS, BREAK_SHARE * span):
            pad = timedelta(days=max(round((b - a).days * 0.02), 20))  # each side keeps a little air
            breaks.append((a + pad, b - pad))
    if not breaks:
        return Scale()
    kept = span - sum((b1 - b0).days for b0, b1 in breaks)
    return Scale(breaks, max(0.04 * kept, 20.0))


def _extent(item: Item, sc: Scale, unit: dict, left_edge: float, right_edge: float, measure) -> tuple[float, float]:
    """The x range an item and its label occupy. The label goes after the item's marks, or
    before them when there is no room (or the item runs open to the right edge), never on them;
    when neither side has room for all of it, it is shortened to the wider side, or dropped."""
    x0 = sc.x(item.start)
    x1 = max(sc.x(item.end) + 1, x0 + unit["min"])
    if item.kind == "point":
        x0, x1 = x0 + 0.5 - unit["marker"], x0 + 0.5 + unit["marker"]
    elif item.kind == "open_right":
        x1 = right_edge
    elif item.kind == "open_left":
        x0 = left_edge
    if item.cut:  # the chevron drawn on a cut edge
        x0, x1 = x0 - unit["marker"], x1 + unit["marker"]
    item.mark = (x0, x1)
    if not item.label:
        return x0, x1 + unit["pad"]
    width = measure(item)
    after = right_edge - (x1 + unit["pad"]) if item.kind != "open_right" else -1.0
    before = (x0 - unit["pad"]) - left_edge if item.kind != "open_left" else -1.0
    if width > after and width > before:  # shorten to the wider side
        room = max(after, before)
        text = item.label
        while text and measure(item, text) > room:
            text = text[:-2].rstrip() + "…" if len(text) > 2 else ""
        if len(text.rstrip("…")) < 6:
            item.label = ""
            return x0, x1 + unit["pad"]
        item.label, width = text, measure(item, text)
    if width <= after:
        item.label_left = False
        item.label_span = (x1 + unit["pad"], x1 + unit["pad"] + width)
    else:
        item.label_left = True
        item.label_span = (x0 - unit["pad"] - width, x0 - unit["pad"])
    return min(x0, item.label_span[0]), max(x1, item.label_span[1]) + unit["pad"]


def _pack(lane: Lane, sc: Scale, unit: dict, label_budget: int | None, max_label_tracks: int, left_edge: float, right_edge: float,
          measure) -> int:
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
        x0, x1 = _extent(item, sc, unit, left_edge, right_edge, measure)
        if label_budget is None:  # chronological: the first free track
            for t, free in enumerate(ends):
                if free <= x0:
                    ends[t] = x1
                    item.track = t
                    break
            else:
                ends.append(x1)
                item.track = len(ends) - 1
            item.labelled = bool(item.label)
            placed += item.labelled
            continue
        for t in range(max_label_tracks):  # by importance: any gap on the few label tracks
            if t == len(spans):
                spans.append([])
            if all(x1 <= a or x0 >= b for a, b in spans[t]):
                spans[t].append((x0, x1))
                item.track = t
                item.labelled = bool(item.label)
                placed += item.labelled
                break
    tracks = len(ends) if label_budget is None else max((it.track for it in lane.items if it.track >= 0), default=-1) + 1
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
         window: tuple[date | None, date | None] = (None, None), inspect=None) -> PlotSummary:
    """Render rows (query.iter_detailed dicts) to path (.png or .svg). `inspect(fig, ax)`, when
    given, sees the finished figure before it is saved (the tests measure labels and marks)."""
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
                          drawn_ids, aggregated, labels, lanes, people, title, subtitle, path, fmt, window, inspect)
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
            aggregated, labels, lanes, people, title, subtitle, path, fmt, window, inspect) -> PlotSummary:

    from matplotlib.font_manager import FontProperties

    span_days = (right - left).days
    sc = find_breaks(lane_list, left, right) if window == (None, None) else Scale()  # a window the user chose is not broken
    axes_width_in = FIG_WIDTH_IN - LEFT_IN - RIGHT_IN
    days_per_in = (sc.x(right) - sc.x(left)) / axes_width_in  # scale units (days outside the breaks) per inch
    days_per_char = 0.56 * FONT_SIZE / 72 * days_per_in
    min_days = 0.07 * days_per_in  # the narrowest bar or marker, about 5 pixels at 72 dpi
    # a diamond of 5.5 pt with its 1.3 pt edge, plus a point of air; labels keep 2.5 pt from any mark
    unit = {"min": min_days, "marker": (5.5 + 1.3 + 2) / 2 / 72 * days_per_in, "pad": 2.5 / 72 * days_per_in}
    dpi = 110
    measurer = plt.figure(dpi=dpi)
    renderer = measurer.canvas.get_renderer()
    fonts = {style: FontProperties(family=plt.rcParams["font.family"], size=FONT_SIZE, style=style) for style in ("normal", "italic")}
    widths: dict[tuple[str, str], float] = {}

    def measure(item: Item, text: str | None = None) -> float:
        """A label's width in scale units, as the renderer lays it out (plus its box's padding)."""
        text = item.label if text is None else text
        style = "normal" if item.status == "occurred" else "italic"
        if (text, style) not in widths:
            w, _, _ = renderer.get_text_width_height_descent(text, fonts[style], ismath=False)
            widths[(text, style)] = (w / dpi + 2 * 0.05 * FONT_SIZE / 72) * days_per_in
        return widths[(text, style)]

    label_chars = 72 if len(drawn_ids) <= 60 else LABEL_CHARS
    for lane in lane_list:
        for it in lane.items:
            it.label = _make_label(it, label_chars)
    labelled = 0
    for lane in lane_list:
        labelled += _pack(lane, sc, unit, labels if aggregated else None, 4, sc.x(left), sc.x(right), measure)
    plt.close(measurer)
    hist_tracks = 2 if aggregated else 0
    heights = [lane.tracks + hist_tracks + 0.6 for lane in lane_list]
    total_tracks = sum(heights)
    header_in, footer_in = 1.0, 1.05
    fig_height = min(max(total_tracks * TRACK_IN + header_in + footer_in, 3.2), 60)
    fig = plt.figure(figsize=(FIG_WIDTH_IN, fig_height))
    ax = fig.add_axes([LEFT_IN / FIG_WIDTH_IN, footer_in / fig_height, axes_width_in / FIG_WIDTH_IN, 1 - (header_in + footer_in) / fig_height])
    ax.set_xlim(sc.x(left), sc.x(right))
    ax.set_ylim(total_tracks, 0)

    tick_segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    y = 0.0
    yticks, yticklabels = [], []
    bin_name, bin_days = _bin_days(span_days)
    max_count = 1
    lane_bins = []
    if aggregated:
        for lane in lane_list:
            bins = Counter((it.start - left).days // bin_days for it in lane.items)
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
            lane_max = max(lane_bins[index].values())  # each lane scaled to its own peak, which is labelled
            for b, count in lane_bins[index].items():
                x0 = sc.x(left + timedelta(days=b * bin_days))
                h = (hist_tracks - 0.15) * count / lane_max
                ax.add_patch(Rectangle((x0, hist_bottom - h), bin_days * 0.92, h, facecolor=color, alpha=0.28, lw=0, zorder=1))
            peak_bin, peak = max(lane_bins[index].items(), key=lambda kv: (kv[1], -kv[0]))
            ax.text(sc.x(left + timedelta(days=peak_bin * bin_days)) + bin_days * 0.46, hist_bottom - (hist_tracks - 0.15) - 0.05,
                    str(peak), ha="center", va="bottom", fontsize=FONT_SIZE - 1.5, color="#333333", zorder=3)
            for it in lane.items:  # a tick for every event at its start
                tick_segments.append(((sc.x(it.start), hist_bottom), (sc.x(it.start), hist_bottom + 0.3)))
        for it in lane.items:
            if it.track < 0:
                continue
            _draw_item(ax, it, base + it.track + 0.5, color, min_days, unit, sc, left, right, Rectangle)
        y += height
    if tick_segments:
        ax.add_collection(LineCollection(tick_segments, colors="#555555", linewidths=0.5, alpha=0.6, zorder=2))

    ax.set_yticks(yticks)
    ax.set_yticklabels(yticklabels, fontsize=FONT_SIZE + 0.5)
    ax.tick_params(axis="y", length=0)
    if sc.breaks:
        _broken_axis(ax, sc, left, right, mdates, total_tracks)
    else:
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
    if inspect is not None:
        inspect(fig, ax)
    fig.savefig(path.expanduser(), format=fmt, dpi=110 if fmt == "png" else 72, metadata={"Software": None} if fmt == "png" else {"Date": None})
    plt.close(fig)
    return PlotSummary(events, len(drawn_ids), len(lane_list), labelled, aggregated, skipped, merged)


def _broken_axis(ax, sc: Scale, left: date, right: date, mdates, total_tracks: float) -> None:
    """Date ticks per unbroken stretch (each as many as its width allows), and each break shown:
    a pale band across the lanes, '//' on both axis lines, and how long the omitted stretch is."""
    from datetime import datetime

    axes_units = sc.x(right) - sc.x(left)
    ticks, names = [], []
    for s0, s1 in sc.segments(left, right):
        share = (sc.x(s1) - sc.x(s0)) / axes_units
        if share < 0.03:
            continue
        if (s1 - s0).days < 180:  # a short stretch beside a break: one tick, its month
            middle = s0 + (s1 - s0) / 2
            ticks.append(sc.x(middle))
            names.append(f"{middle:%b %Y}")
            continue
        locator = mdates.AutoDateLocator(minticks=max(1, round(6 * share)), maxticks=max(2, round(16 * share)))
        with warnings.catch_warnings():  # a narrow stretch: the locator's default interval is fine, its warning is not
            warnings.filterwarnings("ignore", message="AutoDateLocator was unable to pick an appropriate interval")
            found = locator.tick_values(datetime.combine(s0, datetime.min.time()), datetime.combine(s1, datetime.min.time()))
        values = [v for v in found if s0.toordinal() - _EPOCH <= v <= s1.toordinal() - _EPOCH]
        if not values:
            continue
        labels = mdates.ConciseDateFormatter(locator).format_ticks(values)
        for value, label in zip(values, labels):
            day = date.fromordinal(int(value) + _EPOCH)
            if len(values) < 3 or ":" in label:  # too few ticks for the formatter's context: say the month and year
                label = f"{day.year}" if (day.month, day.day) == (1, 1) else f"{day:%b %Y}"
            ticks.append(sc.x(day))
            names.append(label if label[:1].isdigit() else f"{label} {day.year}")  # 'Apr' alone is ambiguous beside a break
    ax.set_xticks(ticks)
    ax.set_xticklabels(names)
    for b0, b1 in sc.breaks:
        x0, x1 = sc.x(b0), sc.x(b1)
        ax.axvspan(x0, x1, color="#ffffff", alpha=0.85, zorder=0.55, lw=0, gid="break")
        years = (b1 - b0).days / 365.25
        for y_axes in (0.0, 1.0):
            for xx in (x0, x1):
                ax.plot([xx - sc.gap * 0.08, xx + sc.gap * 0.08], [y_axes - 0.006, y_axes + 0.006], color="#333333", lw=1.0,
                        transform=ax.get_xaxis_transform(), clip_on=False, zorder=6, gid="break")
        ax.text((x0 + x1) / 2, 0.5, f"{years:.0f} years\nomitted" if years >= 1.5 else "omitted", rotation=90, ha="center", va="center",
                fontsize=FONT_SIZE - 1, color="#777777", transform=ax.get_xaxis_transform(), zorder=0.6, gid="break")


def _draw_item(ax, it: Item, yc: float, color: str, min_days: float, unit: dict, sc: Scale, left: date, right: date, Rectangle) -> None:
    """An item's marks (gid mark-ID) and its label (gid label-ID) where _extent placed it."""
    x0, x1 = sc.x(it.start), sc.x(it.end) + 1  # inclusive end day
    occurred = it.status == "occurred"
    line_style = "-" if occurred else ("--" if it.status == "expected" else ":")
    gid = f"mark-{it.id}"
    if it.kind == "point":
        ax.plot(x0 + 0.5, yc, marker="D", markersize=5.5, ls="none", zorder=4, gid=gid,
                markerfacecolor=color if occurred else "white", markeredgecolor=color, markeredgewidth=1.3)
    elif it.kind in ("open_right", "open_left"):
        steps = 14
        known, edge = (x0, sc.x(right)) if it.kind == "open_right" else (x1, sc.x(left))
        seg = (edge - known) / steps
        for step in range(steps):
            alpha = 0.45 * (1 - step / steps) + 0.04
            a = known + step * seg
            ax.add_patch(Rectangle((min(a, a + seg), yc - 0.32), abs(seg), 0.64, facecolor=color if occurred else "none",
                                   alpha=alpha if occurred else 1, edgecolor="none", lw=0, zorder=2, gid=gid))
            # the outline fades too (what shows for hollow expected/forecast events)
            for yy in (yc - 0.32, yc + 0.32):
                ax.plot([a, a + seg], [yy, yy], color=color, lw=1.0, ls=line_style, alpha=0.9 * (1 - step / steps) + 0.1, zorder=3, gid=gid)
        # the known bound, firmly drawn, and an arrow toward the open side
        ax.plot([known, known], [yc - 0.34, yc + 0.34], color=color, lw=1.8, ls="-", zorder=3, gid=gid)
        ax.plot(edge - (min_days * 0.3 if it.kind == "open_right" else -min_days * 0.3), yc, marker=">" if it.kind == "open_right" else "<",
                color=color, markersize=5, zorder=3, ls="none", gid=gid)
    else:
        width = max(x1 - x0, min_days)
        exact = it.kind == "exact" and not it.uncertain
        ax.add_patch(Rectangle((x0, yc - 0.32), width, 0.64, zorder=2, gid=gid,
                               facecolor=(color if occurred else "white"), alpha=(0.9 if exact else 0.3) if occurred else 1,
                               edgecolor="none", lw=0, hatch="////" if it.uncertain else None))
        ax.add_patch(Rectangle((x0, yc - 0.32), width, 0.64, zorder=2.5, facecolor="none", edgecolor=color, lw=1.0 if occurred else 1.3,
                               ls=line_style, hatch="////" if it.uncertain else None, gid=gid))
        if it.cut:  # continues beyond the window: a chevron on the cut edge
            if x0 <= sc.x(left):
                ax.plot(x0, yc, marker="<", color=color, markersize=5, ls="none", zorder=3, clip_on=False, gid=gid)
            if x0 + width >= sc.x(right):
                ax.plot(x0 + width, yc, marker=">", color=color, markersize=5, ls="none", zorder=3, clip_on=False, gid=gid)
    if it.labelled:
        style = "normal" if occurred else "italic"
        lx0, lx1 = it.label_span
        ax.text(lx1 if it.label_left else lx0, yc, _label(it), va="center", ha="right" if it.label_left else "left", fontsize=FONT_SIZE,
                style=style, zorder=5, color="#111111" if occurred else "#444444", clip_on=True, gid=f"label-{it.id}",
                bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "alpha": 0.55, "lw": 0})
