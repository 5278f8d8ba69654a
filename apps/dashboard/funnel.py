"""Geometry of the dashboard's funnel: horizontal bars, one per stage, drawn as inline SVG on the server.

Pure functions, no ORM and no HTML: the template turns these numbers into <rect> and <text>.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 340  # the viewBox, drawn 1:1 where there is room (text stays at its CSS size), smaller where not
LABEL_WIDTH = 124  # stage names, right-aligned against the bars
COUNT_WIDTH = 38  # room for the count right of the longest bar
ROW_HEIGHT = 22
BAR_HEIGHT = 14
GAP = 8
MAX_LABEL_CHARS = 19
MIN_BAR = 2.0  # a stage with someone in it is never invisible


@dataclass(frozen=True)
class FunnelBar:
    stage_id: int | None
    label: str
    short_label: str
    count: int
    y: float  # top of the bar
    width: float
    text_y: float  # baseline for the label and the count
    count_x: float


@dataclass(frozen=True)
class Funnel:
    bars: list[FunnelBar]
    width: int
    height: int
    bar_x: int  # where bars start (the label column ends GAP before it)
    label_x: int
    track_width: float
    bar_height: int
    total: int
    description: str  # "New 12, Screen 4, Onsite 1": the numbers in words, for <desc> and tooltips

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def funnel_geometry(stages: Sequence[tuple[int | None, str, int]]) -> Funnel:
    """Lay out one bar per (stage id, name, count), in the given order, scaled to the largest count."""
    bar_x = LABEL_WIDTH + GAP
    track = WIDTH - bar_x - COUNT_WIDTH
    largest = max((count for _, _, count in stages), default=0)
    bars = []
    for index, (stage_id, name, count) in enumerate(stages):
        width = 0.0
        if count and largest:
            width = max(MIN_BAR, round(track * count / largest, 1))
        top = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        bars.append(
            FunnelBar(
                stage_id=stage_id,
                label=name,
                short_label=_shorten(name),
                count=count,
                y=top,
                width=width,
                text_y=top + BAR_HEIGHT - 3,
                count_x=bar_x + width + 6,
            )
        )
    return Funnel(
        bars=bars,
        width=WIDTH,
        height=max(len(bars), 1) * ROW_HEIGHT,
        bar_x=bar_x,
        label_x=LABEL_WIDTH,
        track_width=track,
        bar_height=BAR_HEIGHT,
        total=sum(count for _, _, count in stages),
        description=", ".join(f"{name} {count}" for _, name, count in stages) or "No stages",
    )
