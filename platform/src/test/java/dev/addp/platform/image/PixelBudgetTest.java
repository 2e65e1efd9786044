package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Decoded pixels held at once never exceed the budget, whatever the threads; an image above the budget goes alone. */
class PixelBudgetTest {
  @Test
  void concurrentDecodesNeverHoldMoreThanTheBudget() throws Exception {
    PixelBudget budget = new PixelBudget(40_000_000);
    AtomicLong held = new AtomicLong();
    AtomicLong peak = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        long pixels = i % 4 == 0 ? 40_000_000 : 1_000_000 * (1 + i % 7); // a 40 MP burst among small images
        runs.add(pool.submit(() -> {
          try (PixelBudget.Lease lease = budget.acquire(pixels)) {
            peak.accumulateAndGet(held.addAndGet(pixels), Math::max);
            Thread.sleep(2);
            held.addAndGet(-pixels);
          }
          return null;
        }));
      }
      for (Future<?> f : runs) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(peak.get()).isLessThanOrEqualTo(40_000_000).isGreaterThan(1_000_000);
    assertThat(budget.available()).isEqualTo(budget.capacity());
  }

  @Test
  void anImageAboveTheBudgetTakesAllOfItAndALeaseGivesBackOnce() throws Exception {
    PixelBudget budget = new PixelBudget(100);
    PixelBudget.Lease big = budget.acquire(1_000);
    assertThat(budget.available()).isZero();
    big.close();
    big.close();
    assertThat(budget.available()).isEqualTo(100);
  }
}
