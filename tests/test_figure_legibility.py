"""Figure text prints at 8 pt or more (figures.style.check_text_size), in the book's own figures too."""

from __future__ import annotations

import json
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ics_leadership.figures.style import (  # noqa: E402
    PRINT_WIDTH_IN,
    FigureTextTooSmall,
    check_text_size,
    printed_text_sizes,
)


def _figure(width: float, fontsize: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(width, 2))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "label", fontsize=fontsize)
    return fig


def test_text_at_print_width_keeps_its_size():
    fig = _figure(PRINT_WIDTH_IN * 0.5, 9)
    assert ("label" in [t for _, t in printed_text_sizes(fig)]) and min(s for s, _ in printed_text_sizes(fig)) == 9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_text_size(fig, "narrow")  # no warning
    plt.close(fig)


def test_a_figure_wider_than_the_page_shrinks_its_text_and_is_named():
    fig = _figure(PRINT_WIDTH_IN * 2, 12)  # printed at half size: 6 pt (the tight box is a little narrower)
    sizes = [s for s, t in printed_text_sizes(fig) if t == "label"]
    assert len(sizes) == 1 and 5.9 < sizes[0] < 8
    with pytest.warns(FigureTextTooSmall, match=r"figure wide_one: 1 text\(s\) print under 8 pt"):
        check_text_size(fig, "wide_one")
    plt.close(fig)


@pytest.mark.slow
def test_no_figure_of_the_book_prints_text_under_8_pt(built_book):
    for path in sorted((built_book / "book" / "notebooks").glob("*.ipynb")):
        text = json.dumps(json.loads(path.read_text())["cells"])
        assert "FigureTextTooSmall" not in text and "print under 8 pt" not in text, path.name
