"""What a coach draws on a paused frame and what an athlete may write back: the shapes
(line, angle with its degrees, circle, arrow; every coordinate a fraction of the frame,
0 at the left or top, 1 at the right or bottom) and a reply's text. Every limit is in
the models, so the OpenAPI states it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

MAX_SHAPES = 20
MAX_REPLY_CHARS = 1000
# A reply is plain text: line breaks, but no other control character (C0, DEL, C1) and no
# invisible formatting that reorders or hides text (bidi overrides and isolates).
PLAIN_TEXT = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"
COLOUR = r"^#[0-9a-fA-F]{6}$"

Fraction = Annotated[float, Field(ge=0, le=1, strict=True,
                                  description="a fraction of the frame")]
Colour = Annotated[str, Field(pattern=COLOUR, description="#rrggbb")]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(Shape):
    x: Fraction = Field(description="0 at the frame's left, 1 at its right")
    y: Fraction = Field(description="0 at the frame's top, 1 at its bottom")


class Line(Shape):
    kind: Literal["line"]
    start: Point
    end: Point
    colour: Colour | None = None


class Arrow(Shape):
    kind: Literal["arrow"]
    start: Point
    end: Point = Field(description="where it points")
    colour: Colour | None = None


class Circle(Shape):
    kind: Literal["circle"]
    centre: Point
    radius: float = Field(gt=0, le=1, strict=True,
                          description="a fraction of the frame's width")
    colour: Colour | None = None


class Angle(Shape):
    kind: Literal["angle"]
    vertex: Point
    start: Point = Field(description="the end of one arm")
    end: Point = Field(description="the end of the other arm")
    degrees: float = Field(ge=0, le=180, strict=True, description="the angle between the "
                           "arms as measured on the frame where it was drawn")
    colour: Colour | None = None


AnyShape = Annotated[Line | Arrow | Circle | Angle, Field(discriminator="kind")]
Drawing = Annotated[list[AnyShape], Field(min_length=1, max_length=MAX_SHAPES,
                                          description="shapes drawn on the frame at the "
                                          "note's at_s")]
DRAWING = TypeAdapter(Drawing)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must say something (not only spaces)")
    return value.strip()


ReplyText = Annotated[str, Field(min_length=1, max_length=MAX_REPLY_CHARS, pattern=PLAIN_TEXT,
                                 description="plain text; line breaks, no other control "
                                 "character"), AfterValidator(_not_blank)]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ReplyText
    reply_to: str | None = Field(default=None, max_length=40, pattern=r"^[0-9a-f]+$",
                                 description="the shared note it answers; null: the clip")
