"""Small SVG pictures of relationships, drawn by the templates from these numbers: a person's
closeness over time (a line, dots coloured by attitude) and the buying centre as a map —
one row per layer, a bubble per person sized by influence and coloured by attitude."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hospitals.models import Contact, Layer
from hospitals.standing import Point, Standing

SPARK_W, SPARK_H, PAD = 220, 56, 6


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    attitude: str
    on: date
    closeness: int
    cause: str


@dataclass(frozen=True)
class Spark:
    points: str  # the polyline's "x,y x,y …"
    dots: list[Dot]
    target_y: float | None
    width: int = SPARK_W
    height: int = SPARK_H


def _y(closeness: int) -> float:
    return round(SPARK_H - PAD - (closeness - 1) * (SPARK_H - 2 * PAD) / 4, 1)


def spark(
    contact: Contact, path: list[Point], start: date, today: date, target: int | None = None
) -> Spark:
    """Closeness from `start` to `today` as steps: the value at `start`, each change, today."""
    span = max((today - start).days, 1)

    def x(day: date) -> float:
        return round(PAD + (min(max((day - start).days, 0), span)) * (SPARK_W - 2 * PAD) / span, 1)

    before = [p for p in path if p.on <= start]
    value = before[-1].closeness if before else (path[0].closeness if path else contact.closeness)
    coords = [(x(start), _y(value))]
    dots = []
    for p in path:
        if p.on <= start or not p.cause:
            continue
        coords += [(x(p.on), _y(value)), (x(p.on), _y(p.closeness))]
        value = p.closeness
        dots.append(Dot(x(p.on), _y(p.closeness), p.attitude, p.on, p.closeness, p.cause))
    coords.append((x(today), _y(value)))
    return Spark(
        points=" ".join(f"{a},{b}" for a, b in coords),
        dots=dots,
        target_y=_y(target) if target else None,
    )


MAP_W, ROW_H, LEFT = 420, 70, 64


@dataclass(frozen=True)
class Bubble:
    x: float
    y: float
    r: float
    attitude: str
    name: str
    closeness: int
    influence: int


@dataclass(frozen=True)
class Row:
    label: str
    y: float


@dataclass(frozen=True)
class BubbleMap:
    bubbles: list[Bubble]
    rows: list[Row]
    width: int
    height: int


def bubble_map(people: list[tuple[Contact, Standing]]) -> BubbleMap:
    """The buying centre at one moment: (person, their closeness, attitude, influence then)."""
    bubbles, rows = [], []
    layers = [(v, str(label)) for v, label in Layer.choices]
    for i, (layer, label) in enumerate(layers):
        y = ROW_H * i + ROW_H / 2 + 4
        rows.append(Row(label, y))
        here = [(c, s) for c, s in people if c.layer == layer]
        step = (MAP_W - LEFT - 8) / max(len(here), 1)
        for j, (c, (closeness, attitude, influence)) in enumerate(here):
            bubbles.append(
                Bubble(
                    x=round(LEFT + step * j + step / 2, 1),
                    y=y,
                    r=min(6 + influence * 3.5, ROW_H / 2 - 4),
                    attitude=attitude,
                    name=c.name,
                    closeness=closeness,
                    influence=influence,
                )
            )
    return BubbleMap(bubbles, rows, MAP_W, ROW_H * len(layers) + 8)
