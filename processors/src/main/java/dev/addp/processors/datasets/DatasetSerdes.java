package dev.addp.processors.datasets;

import dev.addp.avro.DatasetManifest;
import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.kafka.AvroSerdes;
import org.apache.kafka.common.serialization.Serde;

/** The value serdes the dataset-progress topology reads and writes (wire format in production, plain Avro in unit tests). */
public record DatasetSerdes(Serde<DatasetManifest> manifest, Serde<RecognitionResult> result, Serde<DeadLetter> deadLetter,
                            Serde<ImageRequest> request, Serde<DatasetProgress> progress) {
  public static DatasetSerdes from(AvroSerdes s) {
    return new DatasetSerdes(s.of(DatasetManifest.class), s.recognitionResult(), s.deadLetter(), s.imageRequest(),
        s.of(DatasetProgress.class));
  }
}
