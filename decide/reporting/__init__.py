"""What a result looks like outside Python: files (CSV, XLSX, JSON), charts, the
one-page briefing, the caveats shown with every answer, and scenario comparisons."""

from .brief import briefing_html
from .caveats import CAVEATS
from .comparison import compare
from .export import FORMATS, export_bytes, write_atomic

__all__ = ["briefing_html", "CAVEATS", "compare", "FORMATS", "export_bytes", "write_atomic"]
