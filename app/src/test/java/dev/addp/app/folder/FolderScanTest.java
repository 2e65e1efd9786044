package dev.addp.app.folder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderScanTest {
  private static final byte[] PNG_HEAD = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13};

  @Test
  void everyFileBelowTheFolderIsListedAndJudgedByItsBytes(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("a/b"));
    Files.write(dir.resolve("a/b/photo.txt"), PNG_HEAD); // an image whatever its name says
    Files.write(dir.resolve("no-extension"), "P5\n1 1\n255\n\0".getBytes());
    Files.writeString(dir.resolve("image.jpg"), "not really"); // not an image whatever its name says
    Files.write(dir.resolve("empty.png"), new byte[0]);
    byte[] big = new byte[2000];
    System.arraycopy(PNG_HEAD, 0, big, 0, PNG_HEAD.length);
    Files.write(dir.resolve("big.png"), big);
    List<FolderScan.ScannedFile> saidAtOnce = new ArrayList<>();

    List<FolderScan.ScannedFile> files = FolderScan.scan(dir, 1000, saidAtOnce::add);

    Map<String, String> verdicts = files.stream().collect(Collectors.toMap(FolderScan.ScannedFile::relative,
        f -> f.toSend() ? "send " + f.format() : f.skipReason()));
    assertThat(verdicts).hasSize(5);
    assertThat(verdicts.get("a/b/photo.txt")).isEqualTo("send png");
    assertThat(verdicts.get("no-extension")).isEqualTo("send pnm");
    assertThat(verdicts.get("image.jpg")).startsWith("not an image");
    assertThat(verdicts.get("empty.png")).startsWith("empty file");
    assertThat(verdicts.get("big.png")).isEqualTo("too large to send: 2,000 bytes, the limit of one Kafka record is 1,000 bytes");
    assertThat(saidAtOnce).extracting(FolderScan.ScannedFile::relative).containsExactlyInAnyOrder("image.jpg", "empty.png", "big.png");
    assertThat(FolderSubmission.category(verdicts.get("big.png"))).isEqualTo("too large to send");
  }
}
