"""Quantize the exported yolo11n-pose OpenVINO IR to int8 with NNCF (post-training).

Run by ``hingecheck model fetch`` with the export environment's Python (nncf installed
there, never in the runtime environment), as a plain script: it imports nothing from
hingecheck.

    python quantize_ir.py F32.xml CALIBRATION.npz OUT_DIR

CALIBRATION.npz holds the calibration inputs as the runtime feeds them (float32 NCHW RGB
in [0, 1], letterboxed), one array per frame, made by the runtime from generated lift
clips and the shipped photos (``pose.calibration``): never downloaded, never real footage.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

# The pose head's decoding: anchors and strides (Multiply, Subtract, Add) and the score and
# visibility sigmoids. Quantizing them moves keypoints by pixels, since their inputs are
# already in input-pixel units; they are a sliver of the compute, so they stay f32.
HEAD_OPS = ["Multiply", "Subtract", "Sigmoid", "Add", "Concat"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="the f32 IR's .xml")
    parser.add_argument("calibration", type=Path, help=".npz of input tensors")
    parser.add_argument("out", type=Path, help="the folder to write the int8 IR to")
    parser.add_argument("--subset", type=int, default=300,
                        help="calibration frames to use at most")
    parser.add_argument("--keep-head", choices=("decoding", "all"), default="decoding",
                        help="what of the pose head stays f32: its decoding ops, or all of "
                             "it (its convolutions too)")
    args = parser.parse_args()
    try:
        import nncf
        import numpy as np
        import openvino as ov
    except ImportError as exc:
        print(f"this Python ({sys.executable}) cannot quantize: {exc}; it needs nncf and "
              "openvino (deploy/export-requirements.txt)", file=sys.stderr)
        return 3
    with np.load(args.calibration) as archive:
        frames = [archive[name] for name in sorted(archive.files)]
    if not frames:
        print(f"{args.calibration} holds no calibration frames", file=sys.stderr)
        return 2
    model = ov.Core().read_model(str(args.model))
    if args.keep_head == "all":
        head = [op.get_friendly_name() for op in model.get_ops()
                if ".model.23" in op.get_friendly_name()]
    else:
        head = [op.get_friendly_name() for op in model.get_ops()
                if op.get_type_name() in HEAD_OPS and ".23/" in op.get_friendly_name()
                and "dfl" not in op.get_friendly_name()]
    quantized = nncf.quantize(
        model,
        nncf.Dataset(frames),
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=min(args.subset, len(frames)),
        ignored_scope=nncf.IgnoredScope(names=head, validate=False),
    )
    with tempfile.TemporaryDirectory(prefix="hingecheck-int8-") as tmp:
        xml = Path(tmp) / args.model.name
        ov.save_model(quantized, str(xml), compress_to_fp16=False)
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
        for path in (xml, xml.with_suffix(".bin")):
            shutil.move(str(path), args.out / path.name)
    print(f"{args.out} ({len(head)} head ops kept in f32, {len(frames)} calibration frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
