package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.workers.model.ManifestFixtures;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request's label: a name in any case or an id; anything else, or a label for an unconditional model, is INVALID_REQUEST. */
class JobSpecLabelTest {
  private static final ModelManifest CONDITIONAL = ModelManifest.read(ZooFixtures.modelDir());

  private static GenerationRequest request(String label) {
    return GenerationRequest.newBuilder().setJobId("j").setCount(2).setLabel(label).build();
  }

  @Test
  void nameInAnyCaseOrIdResolvesToTheLabelIndex() {
    int sandal = CONDITIONAL.labels().indexOf("Sandal");
    assertThat(JobSpec.of(request("Sandal"), CONDITIONAL).label()).isEqualTo(sandal);
    assertThat(JobSpec.of(request("sANDAL"), CONDITIONAL).label()).isEqualTo(sandal);
    assertThat(JobSpec.of(request(String.valueOf(sandal)), CONDITIONAL).label()).isEqualTo(sandal);
    assertThat(JobSpec.of(request("Sandal"), CONDITIONAL).labelName()).isEqualTo("Sandal");
  }

  @Test
  void noLabelIsTheManifestsNoneValue() {
    JobSpec spec = JobSpec.of(request(null), CONDITIONAL);
    assertThat(spec.label()).isEqualTo(CONDITIONAL.generation().conditioning().none());
    assertThat(spec.labelName()).isNull();
  }

  @Test
  void unknownLabelsAreInvalidRequests() {
    int classes = CONDITIONAL.generation().conditioning().classes();
    for (String bad : new String[] {"Sandals", "", String.valueOf(classes), "-1", "99999999999", "Sandal\u0000"}) {
      assertThatThrownBy(() -> JobSpec.of(request(bad), CONDITIONAL)).as(bad)
          .isInstanceOfSatisfying(InvalidJobException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("unknown label");
          });
    }
  }

  @Test
  void aModelWithoutConditioningRefusesAnyLabel(@TempDir java.nio.file.Path dir) throws Exception {
    ObjectNode m = (ObjectNode) ZooFixtures.json(ZooFixtures.modelDir().resolve("manifest.json"));
    ((ObjectNode) m.get("generation")).remove("conditioning");
    ModelManifest unconditional = ManifestFixtures.write(dir, m);
    assertThat(JobSpec.of(request(null), unconditional).label()).isZero();
    assertThatThrownBy(() -> JobSpec.of(request("Sandal"), unconditional))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST));
  }
}
