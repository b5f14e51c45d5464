"""What a result looks like outside Python: files (CSV, XLSX, JSON, Parquet), charts
(standalone offline HTML, SVG, PNG), the one-page briefing, the caveats shown with every
answer, and scenario comparisons."""

from .brief import briefing_html
from .caveats import CAVEATS
from .comparison import compare
from .export import FORMATS, export_bytes, write_atomic
from .render import chart_html, chart_png, chart_svg, save_chart

__all__ = ["briefing_html", "CAVEATS", "compare", "FORMATS", "export_bytes", "write_atomic",
           "chart_html", "chart_png", "chart_svg", "save_chart"]
