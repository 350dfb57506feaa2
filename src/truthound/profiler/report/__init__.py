"""A self-contained HTML report of a :class:`~truthound.profiler.TableProfile`.

One file with its stylesheet, script and SVG charts inline: it loads nothing from anywhere
(its Content-Security-Policy forbids it), so it opens from a USB stick or an e-mail attachment.
It shows the table's figures, an overview of all columns that sorts and filters, and a section
per column with its chart, statistics, patterns, suggested validators and alerts. Estimates are
marked ``≈`` with their error bound in a tooltip.

Examples
--------
>>> import pyarrow as pa, truthound.profiler as tp
>>> from truthound.profiler.report import render_html
>>> page = render_html(tp.profile(pa.table({"x": [1, 2, None]})))
>>> page.startswith("<!doctype html>")
True
"""

from __future__ import annotations

from pathlib import Path

from truthound.profiler.model import TableProfile, register
from truthound.profiler.report.page import render_page

__all__ = ["render_html", "write_html"]


@register("render_html")
def render_html(profile: TableProfile) -> str:
    """The report of ``profile`` as one self-contained HTML document.

    Built from the profile alone, so a saved profile renders too
    (``render_html(TableProfile.load("profile.json"))``).

    Parameters
    ----------
    profile
        A profile from :func:`truthound.profiler.profile`, :meth:`TableProfile.merge` or
        :meth:`TableProfile.load`.

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> html = render_html(tp.profile(pa.table({"city": ["Seoul", "Busan", "Seoul"]})))
    >>> "Seoul" in html and "http://" not in html
    True
    """
    if not isinstance(profile, TableProfile):
        raise TypeError(f"render_html expects a TableProfile, got {type(profile).__name__}")
    from truthound import __version__

    return render_page(profile, __version__)


def write_html(profile: TableProfile, path: str | Path) -> Path:
    """Write the report of ``profile`` to ``path`` (UTF-8) and return the path.

    Examples
    --------
    >>> import tempfile, pyarrow as pa, truthound.profiler as tp
    >>> path = Path(tempfile.mkdtemp()) / "report.html"
    >>> out = write_html(tp.profile(pa.table({"x": [1.5, 2.5]})), path)
    >>> out.stat().st_size > 0
    True
    """
    out = Path(path)
    out.write_text(render_html(profile), encoding="utf-8")
    return out
