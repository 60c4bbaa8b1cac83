package dev.starling.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class Murmur3Test {

    /** SMHasher's verification value of MurmurHash3_x64_128 (its VerificationTest). */
    @Test
    void shouldGiveSmHashersVerificationValue() {
        byte[] key = new byte[256];
        byte[] hashes = new byte[16 * 256];
        long[] out = new long[2];
        for (int i = 0; i < 256; i++) {
            key[i] = (byte) i;
            Murmur3.hash128(key, 0, i, 256 - i, out);
            putLe(out[0], hashes, 16 * i);
            putLe(out[1], hashes, 16 * i + 8);
        }
        Murmur3.hash128(hashes, 0, hashes.length, 0, out);
        assertThat((int) out[0]).isEqualTo(0x6384BA69);
    }

    @Test
    void shouldHashKnownStrings() {
        long[] out = new long[2];
        byte[] fox = "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.US_ASCII);
        Murmur3.hash128(fox, 0, fox.length, 0, out);
        assertThat(out).containsExactly(0xe34bbc7bbc071b6cL, 0x7a433ca9c49a9347L);
        Murmur3.hash128(new byte[0], 0, 0, 0, out);
        assertThat(out).containsExactly(0L, 0L);
    }

    @Property(tries = 200)
    void shouldHashASliceAsTheSameBytesOnTheirOwn(@ForAll byte[] bytes, @ForAll byte pad) {
        byte[] padded = new byte[bytes.length + 5];
        java.util.Arrays.fill(padded, pad);
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        long[] a = new long[2];
        long[] b = new long[2];
        Murmur3.hash128(bytes, 0, bytes.length, 42, a);
        Murmur3.hash128(padded, 3, bytes.length, 42, b);
        assertThat(b).containsExactly(a);
    }

    /** The key hash reads the key as UTF-8, as {@link String#getBytes} writes it. */
    @Property(tries = 300)
    void shouldHashKeysAsTheirUtf8Bytes(@ForAll String key) {
        EntryCodec codec = new EntryCodec(dev.starling.crdt.codec.DecodeLimits.DEFAULT);
        ObjectKey object = new ObjectKey(ObjectKind.MAP, "cfg");
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] input = new byte[1 + 3 + 1 + k.length];
        input[0] = (byte) ObjectKind.MAP.tag();
        input[1] = 'c';
        input[2] = 'f';
        input[3] = 'g';
        System.arraycopy(k, 0, input, 5, k.length);
        long[] out = new long[2];
        Murmur3.hash128(input, 0, input.length, 0, out);
        assertThat(codec.keyHash(object, key)).isEqualTo(out[0]);
    }

    private static void putLe(long v, byte[] b, int at) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
