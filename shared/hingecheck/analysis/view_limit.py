"""The view check's two numbers, apart from its arrays so that the settings can read the
limit without loading numpy (``analysis.view`` does the measuring).

BREADTH_PER_TRUNK: shoulder-joint breadth (~0.19 of stature) plus hip-joint breadth
(~0.10) over shoulder-to-hip length (~0.30) ≈ 0.95 for adults (Drillis & Contini segment
proportions, as tabulated in Winter, Biomechanics and Motor Control of Human Movement).
Single-camera sagittal metrics are trusted only within about 35° of the side view
(DESIGN.md). The reading runs high: the far side's keypoints scatter and a real body is a
little broader than 0.95 trunks, so a true side view reads 3–17° on real people, a camera
30° off reads 33–38° on the generated figure and one 45° off reads 48–61° (calibration
suite, seed 2027), the real ~45° oblique clips 48–52°. The limit on the *reading*,
MAX_VIEW_OFFSET_DEG = 42°, sits between the 30° and the 45° readings: a camera truly
within about 35° is judged, one at 45° is not.
"""

from __future__ import annotations

BREADTH_PER_TRUNK = 0.95
MAX_VIEW_OFFSET_DEG = 42.0
