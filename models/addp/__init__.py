"""addp-stream model zoo: a small, faithful ADDP (arXiv 2306.05423) on Fashion-MNIST, its ONNX
export for the Java service, and the exporter for the released ViT-B/L checkpoints.

The library modules (models, training, export, evaluation) and the pipelines, each a command run
from models/ as `python3 -m addp.<pipeline>` (see models/README.md)."""
import os

# idle OpenMP/OpenBLAS threads must sleep, not spin: the 2 cores are shared with other builds.
# Set here, before any module of the package imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
