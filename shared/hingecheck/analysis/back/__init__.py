"""The back's shape, pure: the outline's sources, the background model, the profile and its
bulge. The stage that decodes frames and runs the person mask is ``hingecheck.backshape``.
"""
