package dev.addp.processors.datasets;

import dev.addp.avro.DatasetProgress;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counts a dataset's events. Each request id counts once, by its first outcome, except that a
 * result replaces an earlier dead letter (an image resent after a fix is annotated, not both);
 * duplicates (a result written twice, a rerun resending) change nothing and emit nothing.
 */
final class DatasetProgressProcessor implements Processor<String, DatasetEvent, String, DatasetProgressProcessor.Output> {
  /** A progress change; {@code justCompleted} on the one change that accounts for the last image. */
  record Output(DatasetProgress progress, boolean justCompleted) { }

  private static final String ANNOTATED = "ANNOTATED";

  private ProcessorContext<String, Output> context;
  private KeyValueStore<String, String> outcomes;
  private KeyValueStore<String, DatasetProgress> progress;

  @Override
  public void init(ProcessorContext<String, Output> context) {
    this.context = context;
    this.outcomes = context.getStateStore(DatasetProgressTopology.OUTCOME_STORE);
    this.progress = context.getStateStore(DatasetProgressTopology.PROGRESS_STORE);
  }

  @Override
  public void process(Record<String, DatasetEvent> record) {
    DatasetEvent e = record.value();
    if (e == null) return;
    DatasetProgress p = progress.get(e.dataset());
    if (p == null) p = DatasetProgress.newBuilder().setDataset(e.dataset()).setDeadLetteredByReason(new HashMap<>()).build();
    boolean wasComplete = p.getComplete();
    if (!apply(p, e)) return;
    boolean complete = p.getTotal() > 0 && p.getAnnotated() + p.getDeadLettered() >= p.getTotal();
    p.setComplete(complete);
    boolean justCompleted = complete && !wasComplete;
    if (justCompleted) p.setCompletedAtMs(System.currentTimeMillis());
    p.setUpdatedAtMs(System.currentTimeMillis());
    progress.put(e.dataset(), p);
    context.forward(record.withValue(new Output(p, justCompleted)));
  }

  /** @return whether the event changed anything */
  private boolean apply(DatasetProgress p, DatasetEvent e) {
    switch (e.kind()) {
      case MANIFEST -> {
        p.setTotal(e.total());
        p.setManifestAtMs(e.atMs());
        return true;
      }
      case ANNOTATED -> {
        String key = outcomeKey(e);
        String before = outcomes.get(key);
        if (ANNOTATED.equals(before)) return false;
        if (before != null) countDeadLetter(p, before, -1);
        p.setAnnotated(p.getAnnotated() + 1);
        outcomes.put(key, ANNOTATED);
        return true;
      }
      default -> {
        String key = outcomeKey(e);
        if (outcomes.get(key) != null) return false;
        countDeadLetter(p, e.reason(), +1);
        outcomes.put(key, e.reason());
        return true;
      }
    }
  }

  private static void countDeadLetter(DatasetProgress p, String reason, int delta) {
    p.setDeadLettered(p.getDeadLettered() + delta);
    Map<String, Long> byReason = new HashMap<>(p.getDeadLetteredByReason());
    long n = byReason.getOrDefault(reason, 0L) + delta;
    if (n <= 0) byReason.remove(reason);
    else byReason.put(reason, n);
    p.setDeadLetteredByReason(byReason);
  }

  private static String outcomeKey(DatasetEvent e) { return e.dataset() + '\u0000' + e.requestId(); }
}
