"""addp-stream model zoo: a small, faithful ADDP (arXiv 2306.05423) on Fashion-MNIST, its ONNX
export for the Java service, and the exporter for the released ViT-B/L checkpoints."""
