package dev.addp.workers.onnx;

/** Where to run: AUTO tries CUDA and falls back to CPU, CUDA requires it, CPU never tries it. */
public enum Device { AUTO, CUDA, CPU }
