package dev.addp.workers.generation.jobs;

import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.avro.ModelRef;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.ImageTrack;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The Kafka records a generation worker writes about its jobs: events and, at the end, one result per image. */
final class JobRecords {
  private final Topics topics;
  private final AvroSerdes serdes;
  private final ModelRef model;
  private final int[] imageShape;
  private final String workerId;

  Topics topics() { return topics; }

  JobRecords(Topics topics, AvroSerdes serdes, ModelRef model, int[] imageShape, String workerId) {
    this.topics = topics;
    this.serdes = serdes;
    this.model = model;
    this.imageShape = imageShape;
    this.workerId = workerId;
  }

  /** An event carrying the job's current progress. */
  GenerationEvent.Builder event(Job job, JobState state) {
    return event(job.id(), state, job.attempt(), job.progressStep(), job.imagesDone(), job.spec().count())
        .setTotalSteps(job.spec().settings().steps()).setLabel(job.spec().labelName()).setEdit(job.spec().edit() != null)
        .setGuidance(job.spec().guidance());
  }

  GenerationEvent.Builder event(String jobId, JobState state, int attempt, int step, int done, int count) {
    return GenerationEvent.newBuilder().setJobId(jobId).setState(state).setStep(step).setImagesDone(done).setCount(count)
        .setAttempt(attempt).setModel(model).setWorkerId(workerId).setTimestampMs(System.currentTimeMillis())
        .setErrorType(null).setReason(null).setPreviewPng(null).setLabel(null).setEdit(false).setGuidance(null);
  }

  ProducerRecord<byte[], byte[]> record(GenerationEvent e) {
    return new ProducerRecord<>(topics.generationEvents(), key(e.getJobId()), serdes.generationEvent().serialize(topics.generationEvents(), e));
  }

  /** The job's state record (its QUEUED or terminal event), on the job-state partition numbered like its request's. */
  ProducerRecord<byte[], byte[]> state(GenerationEvent e, int requestPartition) {
    return new ProducerRecord<>(topics.generationJobs(), requestPartition, key(e.getJobId()),
        serdes.generationEvent().serialize(topics.generationJobs(), e));
  }

  /** A preview of the job's first image as it is now. */
  ByteBuffer preview(Job job) { return ByteBuffer.wrap(ImagePng.encode(job.tracks().get(0).pixels(), imageShape)); }

  /** One result per image of a finished job: PNG, final token ids, the positions still soft. */
  List<ProducerRecord<byte[], byte[]>> results(Job job) {
    long now = System.currentTimeMillis();
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    List<ImageTrack> tracks = job.tracks();
    for (int i = 0; i < tracks.size(); i++) {
      ImageTrack t = tracks.get(i);
      List<Integer> tokens = new ArrayList<>(t.ids().length);
      List<Integer> soft = new ArrayList<>();
      for (int p = 0; p < t.ids().length; p++) {
        tokens.add((int) t.ids()[p]);
        if (t.mask()[p] == 1f) soft.add(p);
      }
      GenerationResult result = GenerationResult.newBuilder()
          .setJobId(job.id()).setIndex(i).setSeed(job.spec().seed())
          .setPng(ByteBuffer.wrap(ImagePng.encode(t.pixels(), imageShape))).setWidth(imageShape[2]).setHeight(imageShape[1])
          .setTokenIds(tokens).setSoftPositions(soft).setSteps(job.spec().settings().steps())
          .setModel(model).setGenerationMs((double) (now - job.startedAtMs()))
          .setWorkerId(workerId).setAttempt(job.attempt()).setProducedAtMs(now)
          .setLabel(job.spec().labelName()).setGuidance(job.spec().guidance())
          .setSourcePng(job.spec().edit() == null ? null : ByteBuffer.wrap(job.spec().edit().sourcePng()))
          .setRegionPositions(job.spec().edit() == null ? List.of() : job.spec().edit().regionPositions()).build();
      out.add(new ProducerRecord<>(topics.generationResults(), key(job.id()),
          serdes.generationResult().serialize(topics.generationResults(), result)));
    }
    return out;
  }

  static byte[] key(String jobId) { return jobId.getBytes(StandardCharsets.UTF_8); }
}
