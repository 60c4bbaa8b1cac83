package dev.starling.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {

    @TempDir
    Path dir;

    private VectorIndex sample(int n) {
        VectorIndex idx = VectorIndex.create(new IndexConfig(24, new ModelVersion(3, 0xfeedL), 8, 50, 20, 0));
        ClusteredVectors gen = new ClusteredVectors(24, 10, 1f, 9);
        for (int i = 0; i < n; i++) {
            idx.upsert("doc/" + i + "/é", gen.next());
        }
        for (int i = 0; i < n; i += 7) {
            idx.remove("doc/" + i + "/é");
        }
        return idx;
    }

    @Test
    void shouldRoundTripTheIndexItsConfigAndWatermark() throws Exception {
        VectorIndex idx = sample(500);
        idx.setEf(33);
        Path file = dir.resolve("c.idx");
        idx.save(file, Long.MAX_VALUE - 1);
        VectorIndex.Loaded loaded = VectorIndex.load(file);
        VectorIndex back = loaded.index();
        assertThat(loaded.watermark()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(back.config()).isEqualTo(idx.config().withEf(33));
        assertThat(back.config().model()).isEqualTo(new ModelVersion(3, 0xfeedL));
        assertThat(back.ef()).isEqualTo(33);
        assertThat(back.size()).isEqualTo(idx.size());
        assertThat(back.graphNodes()).isEqualTo(idx.graphNodes());
        assertThat(back.contains("doc/0/é")).isFalse();
        assertThat(back.vector("doc/1/é")).containsExactly(idx.vector("doc/1/é"));
        ClusteredVectors queries = new ClusteredVectors(24, 10, 1f, 9);
        for (int q = 0; q < 50; q++) {
            float[] v = queries.next();
            assertThat(back.search(v, 10)).isEqualTo(idx.search(v, 10));
        }
        // The loaded index takes writes and can be saved again.
        back.upsert("new", queries.next());
        back.remove("doc/1/é");
        back.save(file, 7);
        VectorIndex.Loaded again = VectorIndex.load(file);
        assertThat(again.watermark()).isEqualTo(7);
        assertThat(again.index().contains("new")).isTrue();
        assertThat(again.index().contains("doc/1/é")).isFalse();
        assertThat(Files.list(dir)).containsExactly(file); // no temporary file left behind
    }

    @Test
    void shouldRoundTripAnEmptyIndex() throws Exception {
        VectorIndex idx = VectorIndex.create(IndexConfig.of(4, new ModelVersion(0, 0)));
        idx.save(dir.resolve("e.idx"), 0);
        VectorIndex.Loaded loaded = VectorIndex.load(dir.resolve("e.idx"));
        assertThat(loaded.index().size()).isZero();
        assertThat(loaded.index().search(new float[] {1, 0, 0, 0}, 3)).isEmpty();
    }

    @Test
    void shouldRefuseACorruptedPayload() throws Exception {
        Path file = dir.resolve("c.idx");
        sample(100).save(file, 1);
        byte[] bytes = Files.readAllBytes(file);
        bytes[SnapshotFile.HEADER_BYTES + bytes.length / 3] ^= 0x10;
        Files.write(file, bytes);
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class)
            .hasMessageContaining("payload checksum");
    }

    @Test
    void shouldRefuseACorruptedHeaderATruncatedFileAndAnotherFile() throws Exception {
        Path file = dir.resolve("c.idx");
        sample(100).save(file, 1);
        byte[] good = Files.readAllBytes(file);

        byte[] header = good.clone();
        header[14] ^= 1; // watermark
        Files.write(file, header);
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class)
            .hasMessageContaining("header checksum");

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 100));
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class);

        Files.writeString(file, "hello, this is not an index snapshot at all, just some text of 80+ bytes........");
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class)
            .hasMessageContaining("bad magic");

        Files.write(file, new byte[10]);
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class)
            .hasMessageContaining("too short");
    }

    /**
     * A snapshot whose checksums are right but whose Java serialization stream names a class outside
     * the allow-list (here a HashMap) is refused before any object of that class is made.
     */
    @Test
    void shouldRefuseAStreamNamingAClassOutsideTheAllowList() throws Exception {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(payload)) {
            oos.writeObject(new HashMap<>(java.util.Map.of("a", 1)));
        }
        byte[] p = payload.toByteArray();
        IndexConfig config = IndexConfig.of(4, new ModelVersion(1, 1));
        byte[] header = SnapshotFile.encodeHeader(new SnapshotFile.Header(5, config, 0, 0));
        CRC32C crc = new CRC32C();
        crc.update(p);
        ByteBuffer trailer = ByteBuffer.allocate(SnapshotFile.TRAILER_BYTES);
        trailer.putLong(p.length).putInt((int) crc.getValue()).put(SnapshotFile.END_MAGIC);
        Path file = dir.resolve("planted.idx");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(header);
        all.write(p);
        all.write(trailer.array());
        Files.write(file, all.toByteArray());
        assertThatThrownBy(() -> VectorIndex.load(file)).isInstanceOf(CorruptSnapshotException.class)
            .hasStackTraceContaining("class not allowed in an index snapshot: java.util.HashMap");
    }

    @Test
    void shouldReadTheHeaderAlone() throws Exception {
        Path file = dir.resolve("c.idx");
        VectorIndex idx = sample(50);
        idx.save(file, 99);
        SnapshotFile.Header h = SnapshotFile.readHeader(file);
        assertThat(h.watermark()).isEqualTo(99);
        assertThat(h.config().model()).isEqualTo(new ModelVersion(3, 0xfeedL));
        assertThat(h.liveCount()).isEqualTo(idx.size());
        assertThat(List.of(h.config().m(), h.config().efConstruction())).containsExactly(8, 50);
    }
}
