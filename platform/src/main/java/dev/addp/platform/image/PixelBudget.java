package dev.addp.platform.image;

import java.util.concurrent.Semaphore;

/**
 * Decoded pixels a process may hold at once, shared by every thread that decodes. A decode takes
 * its image's pixels from the budget before it starts and gives them back when its pixels are no
 * longer needed, so many small images decode in parallel while large ones wait their turn: the
 * heap holds at most the budget's worth of decoded images whatever arrives (per-image limits alone
 * let every decode thread hold a maximal image at once). One image larger than the budget (only
 * when the budget is below {@code image.max.pixels}) decodes alone.
 */
public final class PixelBudget {
  public static final String SETTING = "image.decode.budget.pixels";

  private final int capacity;
  private final Semaphore permits;

  public PixelBudget(long pixels) {
    if (pixels < 1) throw new IllegalArgumentException(SETTING + " must be positive, got " + pixels);
    this.capacity = (int) Math.min(Integer.MAX_VALUE, pixels);
    this.permits = new Semaphore(capacity, true);
  }

  /** The configured budget; by default one maximal image's pixels ({@code image.max.pixels}). */
  public static PixelBudget from(dev.addp.platform.config.AddpConfig config, ImageLimits limits) {
    return new PixelBudget(config.getLong(SETTING, limits.maxPixels()));
  }

  public long capacity() { return capacity; }

  public long available() { return permits.availablePermits(); }

  /** Takes {@code pixels} (at most the whole budget), waiting while other decodes hold them. */
  public Lease acquire(long pixels) throws InterruptedException {
    int n = (int) Math.max(1, Math.min(capacity, pixels));
    permits.acquire(n);
    return new Lease(n);
  }

  /** Pixels held by one decode; closing gives them back (once). */
  public final class Lease implements AutoCloseable {
    private int held;

    private Lease(int held) { this.held = held; }

    @Override
    public synchronized void close() {
      if (held > 0) permits.release(held);
      held = 0;
    }
  }
}
