package dev.addp.workers.generation;

/**
 * How many positions stay masked after each step (method note §4.2, step 4):
 * n = clip(ceil(N·γ((s+1)/T)), 1, N) with γ(r) = cos(π/2·r) or 1 − r. The ceil and the lower clip
 * are kept from ADDP: with cosine and T = 20 no token is revealed at the first step, and exactly
 * one position is still unreliable after the last one.
 */
public enum Schedule {
  COSINE {
    @Override public double gamma(double r) { return Math.cos(Math.PI / 2 * r); }
  },
  LINEAR {
    @Override public double gamma(double r) { return 1 - r; }
  };

  public abstract double gamma(double r);

  /** Positions still masked after step {@code s} (0-based) of {@code steps}, out of {@code tokens}. */
  public int maskedAfter(int s, int steps, int tokens) {
    double masked = Math.ceil(tokens * gamma((s + 1) / (double) steps));
    return (int) Math.max(1, Math.min(tokens, masked));
  }

  public static Schedule parse(String name) { return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)); }
}
