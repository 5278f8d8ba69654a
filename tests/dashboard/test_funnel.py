from __future__ import annotations

from apps.dashboard.funnel import LABEL_WIDTH, MIN_BAR, WIDTH, funnel_geometry


def test_bars_keep_the_order_and_scale_to_the_largest_stage():
    funnel = funnel_geometry([(1, "New", 10), (2, "Screen", 5), (3, "Onsite", 0)])
    assert [bar.label for bar in funnel.bars] == ["New", "Screen", "Onsite"]
    widths = [bar.width for bar in funnel.bars]
    assert widths[0] == funnel.track_width
    assert widths[1] == funnel.track_width / 2
    assert widths[2] == 0
    assert [bar.y for bar in funnel.bars] == sorted(bar.y for bar in funnel.bars)
    assert funnel.total == 15 and funnel.largest == 10
    assert funnel.description == "New 10, Screen 5, Onsite 0"


def test_bars_and_counts_fit_inside_the_view_box():
    funnel = funnel_geometry([(1, "New", 999), (2, "Offer", 1)])
    for bar in funnel.bars:
        assert funnel.bar_x > LABEL_WIDTH
        assert funnel.bar_x + bar.width <= WIDTH
        assert bar.y + funnel.bar_height <= funnel.height
    # One person among 999 still shows as a sliver, never as nothing.
    assert funnel.bars[1].width == MIN_BAR


def test_long_stage_names_are_shortened_for_the_label_only():
    funnel = funnel_geometry([(1, "Hiring manager phone screen with the team", 1)])
    bar = funnel.bars[0]
    assert bar.short_label.endswith("…") and len(bar.short_label) <= 19
    assert bar.label == "Hiring manager phone screen with the team"


def test_no_stages_gives_an_empty_funnel():
    funnel = funnel_geometry([])
    assert funnel.bars == [] and funnel.total == 0 and funnel.description == "No stages"
