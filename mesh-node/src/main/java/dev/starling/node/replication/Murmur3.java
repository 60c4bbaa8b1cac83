package dev.starling.node.replication;

/**
 * MurmurHash3, the x64 128-bit variant (A. Appleby, public domain [1]), written out here because no
 * library the project may use offers a 128-bit non-cryptographic hash (agrona and netty have 32- and
 * 64-bit mixers only). It hashes the entries of the digest tree: their key hash (where an entry sits)
 * and their digest (whether two replicas hold it in the same state). Every node must use the same
 * function and seed: they compare these values (docs/replication.md).
 *
 * <p>Not a cryptographic hash: a peer could craft two states with one digest, but an authenticated
 * peer can write any state anyway, and the digests only decide what anti-entropy sends. Accidental
 * collisions of 128 bits are as unlikely as with the truncated SHA-256 used before (which cost the
 * replica agent about 5% of its time, docs/benchmarks.md).
 *
 * <p>[1] https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp
 */
final class Murmur3 {

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    private Murmur3() {
    }

    /** The 128-bit hash of {@code length} bytes of {@code data} from {@code offset}: {@code out[0]} = h1, {@code out[1]} = h2. */
    static void hash128(byte[] data, int offset, int length, long seed, long[] out) {
        long h1 = seed;
        long h2 = seed;
        int blocks = length >>> 4;
        int i = offset;
        for (int b = 0; b < blocks; b++, i += 16) {
            long k1 = getLongLe(data, i);
            long k2 = getLongLe(data, i + 8);
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        long k1 = 0;
        long k2 = 0;
        int tail = length & 15;
        switch (tail) {
            case 15: k2 ^= (long) (data[i + 14] & 0xFF) << 48; // fall through
            case 14: k2 ^= (long) (data[i + 13] & 0xFF) << 40; // fall through
            case 13: k2 ^= (long) (data[i + 12] & 0xFF) << 32; // fall through
            case 12: k2 ^= (long) (data[i + 11] & 0xFF) << 24; // fall through
            case 11: k2 ^= (long) (data[i + 10] & 0xFF) << 16; // fall through
            case 10: k2 ^= (long) (data[i + 9] & 0xFF) << 8; // fall through
            case 9:
                k2 ^= data[i + 8] & 0xFF;
                h2 ^= mixK2(k2);
                // fall through
            case 8: k1 ^= (long) (data[i + 7] & 0xFF) << 56; // fall through
            case 7: k1 ^= (long) (data[i + 6] & 0xFF) << 48; // fall through
            case 6: k1 ^= (long) (data[i + 5] & 0xFF) << 40; // fall through
            case 5: k1 ^= (long) (data[i + 4] & 0xFF) << 32; // fall through
            case 4: k1 ^= (long) (data[i + 3] & 0xFF) << 24; // fall through
            case 3: k1 ^= (long) (data[i + 2] & 0xFF) << 16; // fall through
            case 2: k1 ^= (long) (data[i + 1] & 0xFF) << 8; // fall through
            case 1:
                k1 ^= data[i] & 0xFF;
                h1 ^= mixK1(k1);
                break;
            default:
                break;
        }
        h1 ^= length;
        h2 ^= length;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        h2 += h1;
        out[0] = h1;
        out[1] = h2;
    }

    private static long mixK1(long k1) {
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        return k1 * C2;
    }

    private static long mixK2(long k2) {
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        return k2 * C1;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static long getLongLe(byte[] b, int i) {
        return (b[i] & 0xFFL)
            | (b[i + 1] & 0xFFL) << 8
            | (b[i + 2] & 0xFFL) << 16
            | (b[i + 3] & 0xFFL) << 24
            | (b[i + 4] & 0xFFL) << 32
            | (b[i + 5] & 0xFFL) << 40
            | (b[i + 6] & 0xFFL) << 48
            | (b[i + 7] & 0xFFL) << 56;
    }
}
