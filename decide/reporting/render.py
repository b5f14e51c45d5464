"""Charts as files that need no network: standalone HTML with the Vega, Vega-Lite and
vega-embed JavaScript inlined, static SVG for printable pages, and PNG.

Everything is rendered by ``vl-convert`` (bundled JavaScript and a Rust renderer), so an
exported chart opens offline and no browser is needed to write it.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path

__all__ = ["chart_html", "chart_svg", "chart_png", "save_chart", "PLOT_SUFFIXES"]

#: File endings `save_chart` writes.
PLOT_SUFFIXES = (".html", ".svg", ".png")

#: Width of a static image (px) for charts that fill their container on a web page.
STATIC_WIDTH = 720

# vega-embed's menu: saving the picture works offline; the editor and source views do not.
_EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False,
                                                 "compiled": False, "editor": False}}


def _spec(chart):
    """The Vega-Lite specification (a dict) of an Altair chart, or ``chart`` if it is one."""
    return chart if isinstance(chart, dict) else chart.to_dict()


@functools.cache
def _vl_version():
    """The Vega-Lite version Altair writes, as vl-convert names it (e.g. ``"6.4"``)."""
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@functools.cache
def _bundle():
    """vega, vega-lite and vega-embed as one script (about 0.9 MB; built once, ~2 s)."""
    import vl_convert as vlc

    # "</script" inside the code would end the HTML element early; "<\/" is the same
    # text inside JavaScript strings and regular expressions.
    return vlc.javascript_bundle(vl_version=_vl_version()).replace("</script", "<\\/script")


def _script_json(obj):
    """``obj`` as JSON safe to place inside a ``<script>`` element."""
    return json.dumps(obj).replace("</", "<\\/")


def chart_html(chart, title=None):
    """A complete, standalone HTML page showing ``chart`` - no network needed.

    The Vega, Vega-Lite and vega-embed libraries are inlined (no ``<script src>``, no
    CDN), so the page renders offline, e.g. from an e-mail attachment.

    Parameters
    ----------
    chart : altair.Chart or dict
        An Altair chart (any kind: layered, concatenated) or a Vega-Lite specification.
    title : str, optional
        The page's title (browser tab) and a heading above the chart.

    Returns
    -------
    str
        The HTML document (about 0.9 MB: the libraries are most of it).

    Examples
    --------
    >>> import decide
    >>> from decide.reporting.charts import allocation_chart
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> page = chart_html(allocation_chart(res), title="Allocation")
    >>> page.startswith("<!DOCTYPE html>"), "<h1>Allocation</h1>" in page
    (True, True)
    >>> "<script src" in page, len(page) > 500_000  # the libraries inlined, offline
    (False, True)
    """
    head = html.escape(title) if title else "Chart"
    heading = f"<h1>{html.escape(title)}</h1>\n" if title else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{head}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
  h1 {{ font-size: 1.25rem; font-weight: 600; }}
  #chart.vega-embed {{ width: 100%; display: flex; }}
  #chart.vega-embed details, #chart.vega-embed details summary {{ position: relative; }}
</style>
<script>
{_bundle()}
</script>
</head>
<body>
{heading}<div id="chart"></div>
<script>
  vegaEmbed("#chart", {_script_json(_spec(chart))}, {_script_json(_EMBED_OPTIONS)})
    .catch(function (err) {{
      document.getElementById("chart").textContent = "The chart could not be drawn: " + err;
    }});
</script>
</body>
</html>
"""


def _fixed_width(spec, width=STATIC_WIDTH):
    """A copy of ``spec`` with every ``width: "container"`` set to ``width`` px: a static
    image has no container to fill."""
    if isinstance(spec, dict):
        return {k: (width if k == "width" and v == "container" else _fixed_width(v, width))
                for k, v in spec.items()}
    if isinstance(spec, list):
        return [_fixed_width(v, width) for v in spec]
    return spec


def chart_svg(chart):
    """Static SVG markup of ``chart``, to embed in a printable HTML page (no scripts).

    Parameters
    ----------
    chart : altair.Chart or dict
        An Altair chart or a Vega-Lite specification; charts that fill their container
        are drawn `STATIC_WIDTH` (720) px wide.

    Returns
    -------
    str
        An ``<svg ...>...</svg>`` element (text kept as text, so it prints sharply).

    Examples
    --------
    >>> import decide
    >>> from decide.reporting.charts import allocation_chart
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> svg = chart_svg(allocation_chart(res))
    >>> svg.startswith("<svg"), svg.rstrip().endswith("</svg>"), "<script" in svg
    (True, True, False)
    """
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(_fixed_width(_spec(chart)), vl_version=_vl_version())
    return svg[svg.index("<svg"):]  # no XML declaration: the markup goes inside HTML


def chart_png(chart, scale=2):
    """PNG image of ``chart`` (bytes); ``scale`` = device pixels per CSS pixel.

    Parameters
    ----------
    chart : altair.Chart or dict
        An Altair chart or a Vega-Lite specification; charts that fill their container
        are drawn `STATIC_WIDTH` (720) px wide.
    scale : float
        Device pixels per CSS pixel (2: sharp on high-density screens and in print).

    Returns
    -------
    bytes
        The PNG file's content.

    Examples
    --------
    >>> import decide
    >>> from decide.reporting.charts import allocation_chart
    >>> res = decide.optimize(decide.load_scenario("inputs/baseline.toml"))
    >>> png = chart_png(allocation_chart(res), scale=1)
    >>> png[1:4], len(png) > 10_000  # the PNG signature; a picture of some size
    (b'PNG', True)
    """
    import vl_convert as vlc

    return vlc.vegalite_to_png(_fixed_width(_spec(chart)), vl_version=_vl_version(),
                               scale=scale)


def save_chart(chart, path, title=None, *, kind=None, notice=None):
    """Write ``chart`` to ``path`` (atomically): ``.html`` (standalone, works offline),
    ``.svg`` or ``.png``, by the file's ending or ``kind``.

    Parameters
    ----------
    chart : altair.Chart or dict
    path : str or pathlib.Path
        ``"-"`` for standard output (a PNG is refused on a terminal); written by
        `decide.files.write_output`.
    title : str, optional
        Heading of the HTML page (ignored for images).
    kind : {"html", "svg", "png"}, optional
        The format, when ``path`` has no such ending (``"-"``, a FIFO).
    notice : callable, optional
        As in `decide.files.open_output`.

    Raises
    ------
    ValueError
        One line naming the allowed endings when ``path`` has another one.
    decide.errors.FileError
        The file cannot be written (no such folder, disk full, ...).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import decide
    >>> from decide.reporting.charts import allocation_chart
    >>> chart = allocation_chart(decide.optimize(decide.load_scenario("inputs/baseline.toml")))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_chart(chart, Path(folder) / "allocation.svg")
    ...     Path(folder, "allocation.svg").read_text().startswith("<svg")
    True
    >>> save_chart(chart, "allocation.pdf")
    Traceback (most recent call last):
    ...
    ValueError: a chart file must end in .html, .svg or .png, got 'allocation.pdf'
    """
    from ..files import write_output

    path = Path(path) if str(path) != "-" else "-"
    suffix = f".{kind.lower()}" if kind else Path(path).suffix.lower()
    if suffix == ".html":
        data = chart_html(chart, title).encode()
    elif suffix == ".svg":
        data = chart_svg(chart).encode()
    elif suffix == ".png":
        data = chart_png(chart)
    else:
        raise ValueError(f"a chart file must end in {', '.join(PLOT_SUFFIXES[:-1])} or "
                         f"{PLOT_SUFFIXES[-1]}, got '{Path(path).name}'")
    write_output(path, data, binary=suffix == ".png", notice=notice)
