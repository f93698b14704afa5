"""Charts drawn on the server as inline SVG, with the table and the CSV behind them.

A chart is built from labels (the categories, e.g. months or technology areas) and one or
more series of numbers, one number per label. The same `Chart` feeds three views of the
data, so they always agree: the SVG (`chart.svg`), the table behind the "Show the data"
toggle and the CSV download (`chart.rows()`).

Adding a chart to a dashboard:

1. Compute the numbers in a selector of apps/insights/selectors.py (aggregated in the
   database), returning labels and values.
2. In the dashboard's builder (apps/insights/dashboards.py), turn them into a `Chart`
   with a `slug` unique on that dashboard, a translated title and description, and the
   labels already translated (charts are drawn at render time in the viewer's language).
3. Put `{% include "insights/includes/chart.html" with chart=chart %}` in the template;
   the CSV link points at the dashboard's CSV view with the chart's slug, which builds
   only that chart.

The SVG works under the site's Content-Security-Policy (`style-src 'self'`, no inline
script): pygal's inline <style> and <script> and every `style` attribute are removed, and
static/css/insights.css styles the chart through pygal's class names (`.color-0`, …). The
<svg> is role="img" and labelled by its own <title> and <desc>.
"""

import itertools
from dataclasses import dataclass, field
from xml.etree import ElementTree

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

BAR = "bar"
HORIZONTAL_BAR = "horizontal_bar"
STACKED_BAR = "stacked_bar"
HORIZONTAL_STACKED_BAR = "horizontal_stacked_bar"
LINE = "line"

_KINDS = {
    BAR: pygal.Bar,
    HORIZONTAL_BAR: pygal.HorizontalBar,
    STACKED_BAR: pygal.StackedBar,
    HORIZONTAL_STACKED_BAR: pygal.HorizontalStackedBar,
    LINE: pygal.Line,
}
HORIZONTAL = frozenset({HORIZONTAL_BAR, HORIZONTAL_STACKED_BAR})
# pygal's elements that only its JavaScript uses (tooltips) or that CSP refuses inline.
_DROPPED_TAGS = frozenset({"script", "style"})
_DROPPED_CLASSES = frozenset({"tooltip-overlay", "tooltip"})
_counter = itertools.count(1)

Number = int | float | None


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Number, ...]


@dataclass
class Chart:
    """One chart of a dashboard. `labels` and the series' names are shown as given: pass
    them translated. `slug` names the chart in its CSV URL and in the page's element ids."""

    slug: str
    title: str
    description: str
    label_heading: str
    labels: list[str]
    series: list[Series]
    kind: str = BAR
    empty_text: str = ""
    csv_url: str = ""
    # A line under the chart: what is counted, the window, a caveat.
    note: str = ""
    # Figures shown above the chart, as (label, value text) pairs: "Median: 3.5 days".
    figures: list[tuple[str, str]] = field(default_factory=list)
    decimals: int = 0
    # Measurements (durations) where 0 is a value: the chart is empty only without rows.
    # Counts leave it False: a chart of zeros says nothing and shows `empty_text`.
    zero_is_data: bool = False

    def __post_init__(self):
        for series in self.series:
            if len(series.values) != len(self.labels):
                raise ValueError(
                    f"chart {self.slug}: series {series.name!r} has {len(series.values)} "
                    f"values for {len(self.labels)} labels"
                )

    @property
    def is_empty(self) -> bool:
        if self.zero_is_data:
            return not any(v is not None for series in self.series for v in series.values)
        return not any(value for series in self.series for value in series.values)

    @property
    def element_id(self) -> str:
        return f"chart-{self.slug}"

    def headings(self) -> list[str]:
        return [self.label_heading, *(series.name for series in self.series)]

    def rows(self) -> list[tuple[str, list[Number]]]:
        """(label, [value of each series]) in the labels' order: the table and the CSV."""
        return [
            (label, [series.values[i] for series in self.series])
            for i, label in enumerate(self.labels)
        ]

    def format(self, value: Number) -> str:
        if value is None:
            return "—"
        if self.decimals:
            return f"{value:.{self.decimals}f}"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def table_rows(self) -> list[tuple[str, list[str]]]:
        return [(label, [self.format(v) for v in values]) for label, values in self.rows()]

    @property
    def svg(self) -> SafeString:
        return render_svg(self)


def render_svg(chart: Chart) -> SafeString:
    """The chart as an inline <svg> element, safe to put in a template as it is: pygal
    escapes the labels, and nothing in it runs or needs an inline style."""
    graph = _KINDS[chart.kind](
        js=[],
        css=[],
        # The sizes insights.css draws the text at, so that pygal leaves room for it.
        style=Style(label_font_size=LABEL_PX, major_label_font_size=LABEL_PX, legend_font_size=14),
        margin_left=MARGIN + _wide_text_room(chart.labels) if chart.kind in HORIZONTAL else None,
        margin_bottom=_bottom_room(chart),
        disable_xml_declaration=True,
        no_prefix=True,
        width=800,
        height=_height(chart),
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=_legend_columns(chart),
        truncate_legend=-1,
        truncate_label=28,
        x_label_rotation=_rotation(chart),
        # Values on the bars, unless side-by-side bars would crowd them (the table has them).
        print_values=chart.kind != LINE
        and len(chart.labels) <= 12
        and (len(chart.series) == 1 or chart.kind in (STACKED_BAR, HORIZONTAL_STACKED_BAR)),
        print_zeroes=False,
        print_values_position="center",
        show_y_guides=chart.kind not in HORIZONTAL,
        show_x_guides=chart.kind in HORIZONTAL,
        value_formatter=chart.format,
        no_data_text=chart.empty_text or _("No data yet"),
        margin=MARGIN,
        spacing=12,
        min_scale=4,
        max_scale=8,
        include_x_axis=True,
    )
    # pygal draws a horizontal chart's first label at the bottom: reverse, to read down.
    flip = (lambda items: list(items)[::-1]) if chart.kind in HORIZONTAL else list
    graph.x_labels = flip(chart.labels)
    for series in chart.series:
        graph.add(series.name, flip(series.values))
    if not chart.decimals:
        graph.y_labels = _whole_number_ticks(chart)
    tree = graph.render_tree()
    _strip(tree)
    element_id = f"{chart.element_id}-{next(_counter)}"
    tree.attrib.pop("id", None)
    tree.set("class", "pygal-chart insights-svg")
    tree.set("role", "img")
    tree.set("aria-labelledby", f"{element_id}-title {element_id}-desc")
    tree.set("focusable", "false")
    title = ElementTree.Element("title", {"id": f"{element_id}-title"})
    title.text = chart.title
    desc = ElementTree.Element("desc", {"id": f"{element_id}-desc"})
    desc.text = chart.description
    tree.insert(0, desc)
    tree.insert(0, title)
    markup = ElementTree.tostring(tree, encoding="unicode", short_empty_elements=True)
    return mark_safe(markup)


LABEL_PX = 13
MARGIN = 16


def _wide_text_room(labels) -> int:
    """pygal sizes a label as 0.6 em per character; a Japanese character takes a whole
    em. The extra room the longest-running Japanese label needs."""
    if not labels:
        return 0
    return int(max(sum(0.45 * LABEL_PX for ch in label if ord(ch) > 0x2E7F) for label in labels))


def _bottom_room(chart: Chart) -> int:
    """Rotated Japanese month labels run lower than pygal reckons, and each row of the
    legend needs a little more than it leaves: room for both, so that nothing is cut."""
    room = MARGIN
    if _rotation(chart):
        room += _wide_text_room(chart.labels) // 2
    if len(chart.series) > 1:
        columns = _legend_columns(chart) or 1
        room += 12 * -(-len(chart.series) // columns)
    return room


def _legend_columns(chart: Chart) -> int | None:
    """As many legend columns as the longest series name leaves room for, so that names
    never overlap (a Japanese character is about twice as wide as a Latin letter)."""
    if not chart.series:
        return None

    def width(name: str) -> int:
        return sum(14 if ord(ch) > 0x2E7F else 7 for ch in name) + 28  # the colour box

    widest = max(width(series.name) for series in chart.series)
    return max(1, min(len(chart.series), 4, 760 // widest))


def _strip(element) -> None:
    """Removes what the CSP would refuse (inline <style>, <script>, style attributes),
    the tooltips only pygal's script shows, pygal's own <title>, and comments."""
    element.attrib.pop("style", None)
    for child in list(element):
        tag = child.tag if isinstance(child.tag, str) else None
        classes = set((child.get("class") or "").split()) if tag else set()
        if (
            tag is None  # a comment
            or tag in _DROPPED_TAGS
            or (tag == "title" and element.tag == "svg")
            or classes & _DROPPED_CLASSES
        ):
            element.remove(child)
            continue
        _strip(child)


def _height(chart: Chart) -> int:
    if chart.kind in HORIZONTAL:
        legend = 40 if len(chart.series) > 1 else 0
        return max(180, 70 + legend + 36 * len(chart.labels))
    return 400


def _whole_number_ticks(chart: Chart) -> list[int]:
    """Counts get whole-number ticks (pygal would draw 0.2, 0.4 … for small counts)."""
    if chart.kind in (STACKED_BAR, HORIZONTAL_STACKED_BAR):
        top = max((sum(v or 0 for v in values) for _label, values in chart.rows()), default=0)
    else:
        top = max((v or 0 for series in chart.series for v in series.values), default=0)
    top = max(int(top), 1)
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = candidate
        if top / candidate <= 8:
            break
    else:
        step = 10 ** len(str(top // 8))
    return list(range(0, top + step, step))


def _rotation(chart: Chart) -> int:
    if chart.kind in HORIZONTAL:
        return 0
    longest = max((len(label) for label in chart.labels), default=0)
    return 30 if len(chart.labels) > 6 or longest > 14 else 0
