package dev.starling.index;

import com.github.jelmerk.hnswlib.core.hnsw.HnswIndex;
import dev.starling.crdt.ModelVersion;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The on-disk form of a {@link VectorIndex}: one file, written whole to a temporary file, fsynced,
 * then renamed over the old one (a crash leaves the old snapshot or the new one, never a mix).
 *
 * <pre>
 * header (64 bytes, big-endian)
 *   0  magic "STARLIDX"            8
 *   8  format version (1)          4
 *  12  watermark                   8   the store position the index reflects
 *  20  dimensions                  4
 *  24  model generation            4
 *  28  model fingerprint           8
 *  36  M, efConstruction, ef,      4 x 4
 *      exactThreshold
 *  52  live vectors                4
 *  56  graph nodes (live+deleted)  4
 *  60  CRC32C of bytes 0..59       4
 * payload                          the HNSW graph as hnswlib 1.2 saves it (a Java serialization
 *                                  stream; ids and vectors inside it written as UTF and floats)
 * trailer (16 bytes)
 *      payload length              8
 *      CRC32C of the payload       4
 *      magic "IDXE"                4
 * </pre>
 *
 * <p>Reading checks the header CRC, the payload length against the file size and the payload CRC
 * <em>before</em> anything is deserialized, and then deserializes through a class loader that knows
 * only the five classes such a stream may name (hnswlib's {@code HnswIndex}, the natural-order
 * comparator, and our distance and two serializers): a snapshot is our own file in our data
 * directory, but a damaged or planted one still cannot make the reader instantiate anything else.
 */
final class SnapshotFile {

    static final byte[] MAGIC = "STARLIDX".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END_MAGIC = "IDXE".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 64;
    static final int TRAILER_BYTES = 16;

    /** Classes a snapshot's Java serialization stream may name; anything else fails the load. */
    static final Set<String> ALLOWED_CLASSES = Set.of(
        HnswIndex.class.getName(),
        UnitDotDistance.class.getName(),
        HnswSerializers.Ids.class.getName(),
        HnswSerializers.Items.class.getName(),
        "java.util.Comparators$NaturalOrderComparator",
        "java.lang.Enum");

    private SnapshotFile() {
    }

    /** What the header says. */
    record Header(long watermark, IndexConfig config, int liveCount, int graphNodes) {
    }

    /** Writes header, graph and trailer to {@code file} atomically. */
    static void write(Path file, Header header, HnswIndex<String, float[], IndexedVector, Float> graph) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                raw.write(encodeHeader(header));
                CRC32C crc = new CRC32C();
                CountingOutputStream counted = new CountingOutputStream(new CheckedOutputStream(raw, crc));
                graph.save(new NoCloseOutputStream(counted)); // hnswlib closes the stream it is given
                DataOutputStream trailer = new DataOutputStream(raw);
                trailer.writeLong(counted.count);
                trailer.writeInt((int) crc.getValue());
                trailer.write(END_MAGIC);
                trailer.flush();
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot fsync a directory; the rename is then as durable as they make it.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static byte[] encodeHeader(Header h) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        IndexConfig c = h.config();
        b.put(MAGIC).putInt(FORMAT_VERSION).putLong(h.watermark()).putInt(c.dimensions())
            .putInt(c.model().generation()).putLong(c.model().fingerprint())
            .putInt(c.m()).putInt(c.efConstruction()).putInt(c.ef()).putInt(c.exactThreshold())
            .putInt(h.liveCount()).putInt(h.graphNodes());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, HEADER_BYTES - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Reads and checks the header only. */
    static Header readHeader(Path file) throws IOException {
        long size = Files.size(file);
        if (size < HEADER_BYTES + TRAILER_BYTES) {
            throw new CorruptSnapshotException(file + ": " + size + " bytes is too short for an index snapshot");
        }
        byte[] head = new byte[HEADER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            new DataInputStream(in).readFully(head);
        }
        return decodeHeader(file, head);
    }

    static Header decodeHeader(Path file, byte[] head) throws CorruptSnapshotException {
        ByteBuffer b = ByteBuffer.wrap(head);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptSnapshotException(file + " is not an index snapshot (bad magic)");
        }
        CRC32C crc = new CRC32C();
        crc.update(head, 0, HEADER_BYTES - 4);
        if ((int) crc.getValue() != b.getInt(HEADER_BYTES - 4)) {
            throw new CorruptSnapshotException(file + ": header checksum mismatch");
        }
        int version = b.getInt();
        if (version != FORMAT_VERSION) {
            throw new CorruptSnapshotException(file + ": snapshot format " + version + ", this reader knows " + FORMAT_VERSION);
        }
        long watermark = b.getLong();
        int dims = b.getInt();
        int generation = b.getInt();
        long fingerprint = b.getLong();
        int m = b.getInt();
        int efConstruction = b.getInt();
        int ef = b.getInt();
        int exactThreshold = b.getInt();
        int live = b.getInt();
        int nodes = b.getInt();
        try {
            IndexConfig config = new IndexConfig(dims, new ModelVersion(generation, fingerprint), m, efConstruction,
                ef, exactThreshold);
            if (live < 0 || nodes < live) {
                throw new IllegalArgumentException("vector counts " + live + " live of " + nodes);
            }
            return new Header(watermark, config, live, nodes);
        } catch (IllegalArgumentException e) {
            throw new CorruptSnapshotException(file + ": bad header: " + e.getMessage());
        }
    }

    /** Reads a snapshot: header, checked payload, graph. */
    @SuppressWarnings("unchecked")
    static Loaded read(Path file) throws IOException {
        Header header = readHeader(file);
        long size = Files.size(file);
        long payloadLength;
        int payloadCrc;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer t = ByteBuffer.allocate(TRAILER_BYTES);
            ch.read(t, size - TRAILER_BYTES);
            t.flip();
            payloadLength = t.getLong();
            payloadCrc = t.getInt();
            byte[] end = new byte[END_MAGIC.length];
            t.get(end);
            if (!Arrays.equals(end, END_MAGIC)) {
                throw new CorruptSnapshotException(file + ": truncated snapshot (no trailer)");
            }
        }
        if (payloadLength != size - HEADER_BYTES - TRAILER_BYTES) {
            throw new CorruptSnapshotException(file + ": payload length " + payloadLength + " does not match the file size " + size);
        }
        CRC32C crc = new CRC32C();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(HEADER_BYTES);
            byte[] buf = new byte[1 << 16];
            long left = payloadLength;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new CorruptSnapshotException(file + ": truncated payload");
                }
                crc.update(buf, 0, n);
                left -= n;
            }
        }
        if ((int) crc.getValue() != payloadCrc) {
            throw new CorruptSnapshotException(file + ": payload checksum mismatch");
        }
        HnswIndex<String, float[], IndexedVector, Float> graph;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            in.skipNBytes(HEADER_BYTES);
            graph = HnswIndex.load(in, new AllowListClassLoader(SnapshotFile.class.getClassLoader()));
        } catch (IllegalArgumentException | ClassCastException | java.io.ObjectStreamException e) {
            throw new CorruptSnapshotException(file + ": cannot read the graph: " + e.getMessage(), e);
        }
        return new Loaded(header, graph);
    }

    record Loaded(Header header, HnswIndex<String, float[], IndexedVector, Float> graph) {
    }

    /** Resolves only {@link #ALLOWED_CLASSES} (and arrays of primitives), through {@code parent}. */
    static final class AllowListClassLoader extends ClassLoader {
        AllowListClassLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!ALLOWED_CLASSES.contains(name)) {
                throw new ClassNotFoundException("class not allowed in an index snapshot: " + name);
            }
            return super.loadClass(name, resolve);
        }
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    private static final class NoCloseOutputStream extends FilterOutputStream {
        NoCloseOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
