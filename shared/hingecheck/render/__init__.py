"""The annotated clip, its poster and the angle chart, drawn from a result and the source."""

from hingecheck.render.chart import render_chart
from hingecheck.render.clip import RenderStats, render_clip, render_poster

__all__ = ["RenderStats", "render_chart", "render_clip", "render_poster"]
