package dev.starling.node.store;

import dev.starling.crdt.ReplicaId;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The on-disk layout of a data directory: file and database names, meta keys and the encoding of
 * their values. Kept apart from {@link Store}'s logic; docs/storage.md describes the same layout.
 *
 * <pre>
 * data dir/
 *   data.mdb, lock.mdb      one LMDB environment (LMDB's own files)
 *   starling.lock           held with an exclusive file lock while a Store has the directory open
 *
 * objects   UTF-8 object name                    -> encoded state (opaque to the store)
 * meta      "store/format"                       -> u32: layout version, {@link #FORMAT_VERSION}
 *           "store/replica-id"                   -> u64: this directory's replica id
 *           "store/hlc"                          -> u64: HLC high-water mark, physical ms << 16 | logical
 *           "store/delta-log"                    -> u64 last appended sequence, u64 bytes of payloads kept
 *           "store/feed"                         -> u64 last appended cursor, u64 bytes of entries kept
 *           "ack/" + 16 lowercase hex digits     -> u64: highest delta sequence that peer acknowledged
 *           any other UTF-8 key                  -> free-form value of the node
 * deltas    u64 sequence                         -> encoded delta (opaque to the store)
 * feed      u64 cursor                           -> encoded change-feed entry (opaque to the store)
 * </pre>
 *
 * All integers are big-endian, so LMDB's default key order (memcmp) walks the delta log in sequence
 * order and the ack keys in replica-id order.
 */
final class StoreLayout {

    static final String LOCK_FILE = "starling.lock";

    static final String DB_OBJECTS = "objects";
    static final String DB_META = "meta";
    static final String DB_DELTAS = "deltas";
    static final String DB_FEED = "feed";
    static final int MAX_DBS = 4;

    static final int FORMAT_VERSION = 1;

    /** Prefix of the meta keys the store writes itself; {@link Batch#putMeta} refuses them. */
    static final String STORE_PREFIX = "store/";
    static final String ACK_PREFIX = "ack/";
    static final byte[] META_FORMAT = utf8(STORE_PREFIX + "format");
    static final byte[] META_REPLICA_ID = utf8(STORE_PREFIX + "replica-id");
    static final byte[] META_HLC = utf8(STORE_PREFIX + "hlc");
    static final byte[] META_DELTA_LOG = utf8(STORE_PREFIX + "delta-log");
    static final byte[] META_FEED = utf8(STORE_PREFIX + "feed");
    static final byte[] ACK_PREFIX_BYTES = utf8(ACK_PREFIX);

    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private StoreLayout() {
    }

    static boolean isReservedMetaKey(String key) {
        return key.startsWith(STORE_PREFIX) || key.startsWith(ACK_PREFIX);
    }

    static byte[] ackKey(ReplicaId peer) {
        return utf8(ACK_PREFIX + peer);
    }

    /** The peer of an ack key, or null if {@code key} is not one. */
    static ReplicaId peerOfAckKey(byte[] key) {
        if (key.length != ACK_PREFIX_BYTES.length + 16 || !startsWith(key, ACK_PREFIX_BYTES)) {
            return null;
        }
        String hex = new String(key, ACK_PREFIX_BYTES.length, 16, StandardCharsets.US_ASCII);
        return ReplicaId.parse(hex);
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    static byte[] u64(long v) {
        byte[] b = new byte[Long.BYTES];
        putU64(b, 0, v);
        return b;
    }

    static byte[] u64Pair(long first, long second) {
        byte[] b = new byte[2 * Long.BYTES];
        putU64(b, 0, first);
        putU64(b, Long.BYTES, second);
        return b;
    }

    static void putU64(byte[] b, int offset, long v) {
        U64.set(b, offset, v);
    }

    static long u64(byte[] b) {
        return u64(b, 0);
    }

    static long u64(byte[] b, int offset) {
        if (b.length < offset + Long.BYTES) {
            throw new StoreException("corrupt store: expected 8 bytes at offset " + offset + ", value has " + b.length);
        }
        return (long) U64.get(b, offset);
    }

    static byte[] u32(int v) {
        byte[] b = new byte[Integer.BYTES];
        U32.set(b, 0, v);
        return b;
    }

    static int u32(byte[] b) {
        if (b.length != Integer.BYTES) {
            throw new StoreException("corrupt store: expected 4 bytes, value has " + b.length);
        }
        return (int) U32.get(b, 0);
    }
}
