"""The pure analysis core: keypoint arrays in, typed results out (no I/O, no drawing)."""
