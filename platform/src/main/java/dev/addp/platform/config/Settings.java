package dev.addp.platform.config;

import static dev.addp.platform.config.Setting.Type.BOOLEAN;
import static dev.addp.platform.config.Setting.Type.INT;
import static dev.addp.platform.config.Setting.Type.LIST;
import static dev.addp.platform.config.Setting.Type.LONG;
import static dev.addp.platform.config.Setting.Type.STRING;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of the service, declared once: key, type, default, valid values, doc. Components
 * read them through {@link AddpConfig}'s typed accessors; reading a key declared nowhere here is a
 * programming error ({@link AddpConfig} refuses it), and {@code config/cluster.properties.example}
 * lists every key (a unit test checks both ways).
 */
public final class Settings {
  private static final List<Setting> ALL = new ArrayList<>();
  /** A constant, for the CLI's --model option defaults. */
  public static final String DEFAULT_MODEL_DIR = "models/zoo/addp-fmnist";

  private Settings() { }

  private static Setting declare(Setting s) {
    ALL.add(s);
    return s;
  }

  // --- cluster and registry
  public static final Setting BOOTSTRAP_SERVERS = declare(Setting.of("bootstrap.servers", STRING, null,
      "Kafka brokers, host:port comma-separated; the CLI's embedded mode starts its own broker when unset").important());
  public static final Setting REGISTRY_URL = declare(Setting.of("registry.url", STRING, null,
      "Confluent-compatible schema registry (Confluent, Karapace, Redpanda, Apicurio's /apis/ccompat/v7)").important());
  public static final Setting REGISTRY_BASIC_AUTH = declare(Setting.of("registry.basic.auth.user.info", STRING, null,
      "user:password for the registry's HTTP basic auth, sent by every role, CLI client and the image-folder source"));
  public static final Setting REGISTRY_AUTO_REGISTER = declare(Setting.of("registry.auto.register", BOOLEAN, "true",
      "register the service's schemas at start-up and when writing; false where an operator registers them"));
  public static final Setting REGISTRY_UNKNOWN_ID_TTL_MS = declare(Setting.of("registry.unknown.id.ttl.ms", LONG, "5000",
      "a schema id the registry did not know is asked about again after this").atLeast(0).minor());
  public static final Setting KAFKA = declare(Setting.family("kafka.",
      "handed without the prefix to every Kafka client, Kafka Streams and the Connect worker (security.protocol, sasl.*, ssl.* ...)"));
  public static final Setting ACL_PRINCIPAL = declare(Setting.family("acls.principal.",
      "the principal `addp acls` grants to a client (acls.principal.recognition=User:...); default User:addp-<client>"));
  public static final Setting USER_PASSWORD = declare(Setting.family("users.password.",
      "the SCRAM-SHA-512 password `addp users --apply` gives a client's principal (users.password.ingest=...); a secret"));
  public static final Setting STREAMS_STATE_DIR = declare(Setting.of("streams.state.dir", STRING, null,
      "Kafka Streams local state (ingest, status)").computed("<tmp>/addp-streams/<cluster id>").minor());
  public static final Setting CLIENT_CONNECT_TIMEOUT_MS = declare(Setting.of("client.connect.timeout.ms", LONG, "10000",
      "how long `addp annotate` waits for the cluster and registry before it names the one that does not answer").atLeast(1).minor());

  // --- topics
  public static final Setting TOPIC_PREFIX = declare(Setting.of("topic.prefix", STRING, "addp.",
      "every topic, consumer group and transactional id is named under it, so deployments can share a cluster").important());
  public static final Setting TOPIC_PARTITIONS = declare(Setting.of("topic.partitions", INT, "8",
      "partitions of the topics `addp serve --create-topics` creates").atLeast(1));
  public static final Setting TOPIC_REPLICATION = declare(Setting.of("topic.replication.factor", INT, "3",
      "replication factor of the topics `addp serve --create-topics` creates, and of Kafka Streams' own topics when set")
      .atLeast(1));
  public static final Setting TOPIC_MIN_INSYNC_REPLICAS = declare(Setting.of("topic.min.insync.replicas", INT, null,
      "copies that must hold a write (acks=all) before it counts, on the topics the service creates")
      .computed("min(2, topic.replication.factor)").atLeast(1));

  // --- model and workers
  public static final Setting MODEL_DIR = declare(Setting.of("model.dir", STRING, DEFAULT_MODEL_DIR,
      "the model directory (ONNX graphs + manifest.json) the workers serve").important());
  public static final Setting MODEL_DEVICE = declare(Setting.of("model.device", STRING, "auto",
      "auto: CUDA when present, else CPU; cuda: required; cpu: never tries CUDA").oneOf("auto", "cuda", "cpu"));
  public static final Setting MODEL_INTRA_OP_THREADS = declare(Setting.of("model.intra.op.threads", INT, null,
      "ONNX Runtime threads per model run").computed("the number of cores").atLeast(1));
  public static final Setting WORKER_ID = declare(Setting.of("worker.id", STRING, null,
      "this process's worker id: in results, dead letters and its transactional id (unique per running worker)")
      .computed("worker-<random>"));
  public static final Setting WORKER_RETRY_MAX = declare(Setting.of("worker.retry.max", INT, "5",
      "aborted transactions in a row a worker retries before it stops").atLeast(0).minor());
  public static final Setting WORKER_RETRY_BACKOFF_MS = declare(Setting.of("worker.retry.backoff.ms", LONG, "200",
      "first wait before re-reading after an aborted transaction; doubles per retry").atLeast(0).minor());
  public static final Setting WORKER_RETRY_BACKOFF_MAX_MS = declare(Setting.of("worker.retry.backoff.max.ms", LONG, "5000",
      "longest wait between retries").atLeast(0).minor());
  public static final Setting WORKER_REGISTRY_BACKOFF_MS = declare(Setting.of("worker.registry.backoff.ms", LONG, "1000",
      "wait before a worker asks an unavailable schema registry again").atLeast(0).minor());
  public static final Setting WORKER_GROUP_PROTOCOL = declare(Setting.of("worker.group.protocol", STRING, "classic",
      "the workers' consumer group protocol: classic (cooperative-sticky, 10 s session) or consumer (KIP-848, broker-side "
      + "assignment; session and heartbeat set on the broker)").oneOf("classic", "consumer"));
  public static final Setting RECORD_MAX_BYTES = declare(Setting.of("record.max.bytes", INT, "16777216",
      "largest record the service writes (key, value and batch framing; the producers' max.request.size): a result over it is "
          + "a RESULT_TOO_LARGE dead letter, or ends its generation job FAILED; at most the topics' 16 MiB").between(8192, 16777216)
      .minor());
  public static final Setting DEADLETTER_MAX_ORIGINAL_BYTES = declare(Setting.of("deadletter.max.original.bytes", INT, "1048576",
      "bytes of the original record a dead letter keeps").atLeast(0).minor());
  public static final Setting RECOGNITION_BATCH_SIZE = declare(Setting.of("recognition.batch.size", INT, "32",
      "images per model run at most").atLeast(1));
  public static final Setting RECOGNITION_BATCH_MAX_DELAY_MS = declare(Setting.of("recognition.batch.max.delay.ms", LONG, "10",
      "how long a partial batch waits for more images").atLeast(0));
  public static final Setting RECOGNITION_MAX_IN_FLIGHT = declare(Setting.of("recognition.max.in.flight", INT, null,
      "records a recognition worker holds before it pauses reading").computed("max(4 × recognition.batch.size, 256)").atLeast(1));
  public static final Setting RECOGNITION_DECODE_THREADS = declare(Setting.of("recognition.decode.threads", INT, null,
      "threads decoding images beside the model").computed("half the cores, at least 1").atLeast(1));
  public static final Setting RECOGNITION_ROUTED_MODELS = declare(Setting.of("recognition.routed.models", LIST, "",
      "models with their own workers and requests topic; the ingest stage routes requests naming them there"));
  public static final Setting GENERATION_BATCH_SIZE = declare(Setting.of("generation.batch.size", INT, "64",
      "images stepped together at most, across jobs").atLeast(1));
  public static final Setting GENERATION_AGING_MS = declare(Setting.of("generation.aging.ms", LONG, "10000",
      "a waiting job's priority grows by one per this much waiting, so no job starves").atLeast(1));
  public static final Setting GENERATION_MAX_JOBS = declare(Setting.of("generation.max.jobs", INT, null,
      "jobs a generation worker holds (queued or running) before it stops reading requests").computed("the worker's default bound").atLeast(1).minor());
  public static final Setting GENERATION_CANCELS_MAX = declare(Setting.of("generation.cancels.max", INT, null,
      "cancelled job ids a generation worker remembers").computed("the cancel watcher's default bound").atLeast(1).minor());
  public static final Setting GENERATION_CANCELS_TTL_MS = declare(Setting.of("generation.cancels.ttl.ms", LONG, null,
      "how long a generation worker remembers a cancelled job id").computed("the cancel watcher's default").atLeast(1).minor());
  public static final Setting GENERATION_COMMIT_INTERVAL_MS = declare(Setting.of("generation.commit.interval.ms", LONG, "1000",
      "longest wait before progress events are committed (a job's end commits at once)").atLeast(0).minor());

  // --- input limits
  public static final Setting IMAGE_MAX_BYTES = declare(Setting.of("image.max.bytes", LONG, "10485760",
      "larger images are dead letters (IMAGE_TOO_LARGE)").atLeast(1));
  public static final Setting IMAGE_MAX_PIXELS = declare(Setting.of("image.max.pixels", LONG, "40000000",
      "width × height above this is refused before decoding").atLeast(1));
  public static final Setting IMAGE_MAX_SIDE = declare(Setting.of("image.max.side", INT, "16384",
      "a side longer than this is refused before decoding").atLeast(1));
  public static final Setting IMAGE_DECODE_BUDGET_PIXELS = declare(Setting.of("image.decode.budget.pixels", LONG, null,
      "decoded pixels a process holds at once across its decode threads; larger images wait their turn")
      .computed("image.max.pixels (one maximal image)").atLeast(1).minor());
  public static final Setting IMAGE_URI_ROOTS = declare(Setting.of("image.uri.roots", LIST, "",
      "file: URIs in requests are read only under these directories; empty: none"));

  // --- operations
  public static final Setting METRICS_HTTP_HOST = declare(Setting.of("metrics.http.host", STRING, "127.0.0.1",
      "address of the operations port (/metrics, /health, /ready; no login): loopback unless a scraper elsewhere needs it"));
  public static final Setting METRICS_HTTP_PORT = declare(Setting.of("metrics.http.port", INT, "9464",
      "the operations port; 0: any free port").between(0, 65_535));
  public static final Setting METRICS_ENABLED = declare(Setting.of("metrics.enabled", BOOLEAN, "true",
      "false: meters record nothing and /metrics answers 404 (/health and /ready still answer)"));
  public static final Setting METRICS_LAG_INTERVAL_MS = declare(Setting.of("metrics.lag.interval.ms", LONG, "5000",
      "how often consumer-group lag is measured").atLeast(1));
  public static final Setting STATUS_HTTP_HOST = declare(Setting.of("status.http.host", STRING, "127.0.0.1",
      "address of the job-status service and web console (role status)"));
  public static final Setting STATUS_HTTP_PORT = declare(Setting.of("status.http.port", INT, "8088",
      "port of the job-status service and web console; 0: any free port").between(0, 65_535));
  public static final Setting STATUS_ADVERTISED_HOST = declare(Setting.of("status.advertised.host", STRING, null,
      "the host name other status instances reach this one at (with status.http.port), to forward queries for keys it holds")
      .computed("the bound address, or this machine's name when bound to every interface"));
  public static final Setting STATUS_STANDBY_REPLICAS = declare(Setting.of("status.standby.replicas", INT, "1",
      "copies of each status table partition on other instances, answering while its owner is gone").atLeast(0).minor());
  public static final Setting CONSOLE_OPERATOR_TOKEN = declare(Setting.of("console.operator.token", STRING, null,
      "the operator token the console's state-changing actions (cancel) need; unset: a read-only console"));
  public static final Setting CONSOLE_ALLOWED_HOSTS = declare(Setting.of("console.allowed.hosts", LIST, "",
      "host names browsers use to reach a console bound beyond loopback (DNS-rebinding guard)"));
  public static final Setting STATUS_APPLICATION_ID = declare(Setting.of("status.application.id", STRING, null,
      "Kafka Streams application id of the status role").computed("<topic.prefix>job-status").minor());
  public static final Setting INGEST_APPLICATION_ID = declare(Setting.of("ingest.application.id", STRING, null,
      "Kafka Streams application id of the ingest role").computed("<topic.prefix>ingest").minor());

  // --- connect role
  public static final Setting CONNECT_IMAGE_FOLDER = declare(Setting.of("connect.image.folder", STRING, "",
      "image-folder source: image files dropped here become requests on images.raw; empty: no source"));
  public static final Setting CONNECT_DATASET = declare(Setting.of("connect.dataset", STRING, "",
      "the dataset the image-folder source's requests belong to"));
  public static final Setting CONNECT_OFFSETS_FILE = declare(Setting.of("connect.offsets.file", STRING, null,
      "the Connect worker's source offsets").computed("<tmp>/addp-connect-<topic.prefix>offsets").minor());
  public static final Setting CONNECT_REST_PORT = declare(Setting.of("connect.rest.port", INT, "0",
      "the Connect worker's REST port on loopback; 0: any free port").between(0, 65_535).minor());
  public static final Setting CONNECT_COCO_DIR = declare(Setting.of("connect.coco.dir", STRING, "",
      "COCO export sink: <dir>/<dataset>.coco.json + .jsonl; empty: no sink"));
  public static final Setting CONNECT_COCO_NAME = declare(Setting.of("connect.coco.name", STRING, null,
      "the COCO sink's connector name (its consumer group)").computed("<topic.prefix>coco-export").minor());
  public static final Setting CONNECT_COCO_DATASETS = declare(Setting.of("connect.coco.datasets", LIST, "",
      "export only these datasets; empty: all"));
  public static final Setting CONNECT_COCO_FILE_TEMPLATE = declare(Setting.of("connect.coco.file.template", STRING,
      "{dataset}.coco.json", "the COCO file's name under connect.coco.dir"));
  public static final Setting CONNECT_COCO_LABELS_MANIFEST = declare(Setting.of("connect.coco.labels.manifest", STRING, null,
      "the manifest whose labels name the COCO categories").computed("<model.dir>/manifest.json when it exists").minor());
  public static final Setting CONNECT_IMAGES_DIR = declare(Setting.of("connect.images.dir", STRING, "",
      "generated-image sink: <dir>/<job id>/<index>.png + .json; empty: no sink"));

  /** Every declared setting, in declaration order. */
  public static List<Setting> all() { return Collections.unmodifiableList(ALL); }

  /** The setting {@code key} belongs to (its own, or its family's), if any is declared. */
  public static Optional<Setting> find(String key) { return ALL.stream().filter(s -> s.matches(key)).findFirst(); }

  /** The first declared setting whose value breaks its rule, as one line naming key and rule; null when all are valid. */
  public static String firstProblem(AddpConfig config) {
    for (Setting s : ALL) {
      if (s.prefix()) continue;
      String v = config.asMap().get(s.key());
      if (v == null) continue;
      String problem = s.problem(v);
      if (problem != null) return "setting '" + s.key() + "' " + problem + ", got '" + v + "'";
    }
    return null;
  }
}
