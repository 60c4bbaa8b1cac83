package dev.starling.node.replication;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.starling.crdt.CollectionHeader;
import dev.starling.crdt.Crdt;
import dev.starling.crdt.Document;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.Hlc;
import dev.starling.crdt.LwwRegister;
import dev.starling.crdt.MvRegister;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.codec.CrdtCodec;
import dev.starling.crdt.codec.CrdtDecodeException;
import dev.starling.crdt.codec.DecodeLimits;
import dev.starling.crdt.codec.DocumentCodec;
import dev.starling.crdt.codec.StoreCodec;
import dev.starling.crdt.codec.ValueCodec;
import dev.starling.node.Value;
import dev.starling.node.ValueCodecs;
import dev.starling.node.replication.proto.v1.DeltaRecordProto;
import dev.starling.node.replication.proto.v1.EntryProto;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Encodings of entries (stored and shipped by anti-entropy) and of delta records (logged and pushed),
 * their store keys, and the two hashes of an entry: the <em>key hash</em> (where it sits in the digest
 * tree: 64 bits of the {@link Murmur3} hash of kind, name and key) and the <em>digest</em> (the
 * 128-bit {@link Murmur3} hash of its deterministic encoding). One instance per replicator: not
 * thread-safe.
 *
 * <p>Store keys: {@code <tag digit><name>} for per-object entries; {@code <tag digit><name>\0<key>} for
 * a map key when that fits in {@link #MAX_STORE_KEY_BYTES} UTF-8 bytes, else
 * {@code \1<tag digit><name>\0<64 hex digits of SHA-256(key)>} (the key itself is in the value).
 */
final class EntryCodec {

    /** LMDB's key limit (511 bytes). */
    static final int MAX_STORE_KEY_BYTES = 511;
    private static final int PROTO_RECURSION_LIMIT = 8;

    private final DecodeLimits limits;
    private final CrdtCodec<Value, DotSet> states;
    private final DocumentCodec<Value> documents;
    private final ValueCodec<String> utf8 = ValueCodec.utf8();
    /** Seed of the entry hashes: every node must use the same. */
    private static final long HASH_SEED = 0;
    private final long[] hash = new long[2];
    private byte[] keyScratch = new byte[256];

    EntryCodec(DecodeLimits limits) {
        this.limits = limits;
        this.states = new CrdtCodec<>(ValueCodecs.bytes(), StoreCodec.dotSet(limits), limits);
        this.documents = new DocumentCodec<>(ValueCodecs.bytes(), limits);
    }

    DecodeLimits limits() {
        return limits;
    }

    // ---- store keys and hashes ----

    static String storeKey(ObjectKey object, String key) {
        String base = (char) ('0' + object.kind().tag()) + object.name();
        if (key == null) {
            return base;
        }
        String plain = base + '\0' + key;
        if (utf8Length(plain) <= MAX_STORE_KEY_BYTES) {
            return plain;
        }
        return "\1" + base + '\0' + hex(sha256Static(key.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Whether a store key is one of ours (starts with a kind's tag digit, or {@code \1}); other
     * subsystems may keep objects under other first characters.
     */
    static boolean isEntryKey(String storeKey) {
        if (storeKey.isEmpty()) {
            return false;
        }
        char c = storeKey.charAt(0);
        return c == '\1' || (c >= '1' && c <= '0' + ObjectKind.values().length);
    }

    /**
     * Where the entry sits in the digest tree; independent of its state: the first half of the
     * {@link Murmur3} hash of the kind's tag, the name, and for a map key a zero byte and the key in
     * UTF-8.
     */
    long keyHash(ObjectKey object, String key) {
        String name = object.name();
        int n = 1 + name.length();
        int max = n + (key == null ? 0 : 1 + 3 * key.length());
        byte[] b = keyScratch.length >= max ? keyScratch : (keyScratch = new byte[Math.max(max, 2 * keyScratch.length)]);
        b[0] = (byte) object.kind().tag();
        for (int i = 0; i < name.length(); i++) {
            b[1 + i] = (byte) name.charAt(i); // names are ASCII (ObjectKey)
        }
        if (key != null) {
            b[n++] = 0;
            n = putUtf8(key, b, n);
        }
        Murmur3.hash128(b, 0, n, HASH_SEED, hash);
        return hash[0];
    }

    /** The 128-bit digest of an encoded entry (which holds kind, name, key and state): its {@link Murmur3} hash. */
    void digest(byte[] entryBytes, long[] out) {
        Murmur3.hash128(entryBytes, 0, entryBytes.length, HASH_SEED, out);
    }

    /** Writes {@code s} in UTF-8 (unpaired surrogates as '?', as {@link String#getBytes} does) at {@code at}; returns the end. */
    private static int putUtf8(String s, byte[] b, int at) {
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else if (c < 0x800) {
                b[at++] = (byte) (0xC0 | (c >> 6));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[at++] = (byte) (0xF0 | (cp >> 18));
                    b[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[at++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[at++] = (byte) '?';
                }
            } else {
                b[at++] = (byte) (0xE0 | (c >> 12));
                b[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return at;
    }

    // ---- entries ----

    /**
     * The {@code EntryProto} of an entry, written field by field: the same bytes as its builder would
     * give (fields in number order, defaults left out), without the builder and the copies of the
     * state it makes. The digest hashes these bytes.
     */
    byte[] encodeEntry(ObjectKey object, String key, Crdt<?> state) {
        byte[] st = encodeState(object, key, state, null);
        int kind = object.kind().tag();
        String name = object.name();
        int size = (kind == 0 ? 0 : CodedOutputStream.computeUInt32Size(EntryProto.KIND_FIELD_NUMBER, kind))
            + (name.isEmpty() ? 0 : CodedOutputStream.computeStringSize(EntryProto.NAME_FIELD_NUMBER, name))
            + (st.length == 0 ? 0 : CodedOutputStream.computeByteArraySize(EntryProto.STATE_FIELD_NUMBER, st));
        if (key != null) {
            size += CodedOutputStream.computeStringSize(EntryProto.KEY_FIELD_NUMBER, key);
        }
        byte[] out = new byte[size];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            if (kind != 0) {
                o.writeUInt32(EntryProto.KIND_FIELD_NUMBER, kind);
            }
            if (!name.isEmpty()) {
                o.writeString(EntryProto.NAME_FIELD_NUMBER, name);
            }
            if (key != null) {
                o.writeString(EntryProto.KEY_FIELD_NUMBER, key);
            }
            if (st.length != 0) {
                o.writeByteArray(EntryProto.STATE_FIELD_NUMBER, st);
            }
            o.checkNoSpaceLeft();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("entry of " + name + " does not fit its computed size", e);
        }
        return out;
    }

    /** A decoded entry or record: its object, map key (or null) and state (or delta). */
    record Decoded(ObjectKey object, String key, Crdt<?> state, Hlc hlc) {
    }

    /** Decodes and checks an entry; its state is returned as a replica state (never key-complete). */
    Decoded decodeEntry(byte[] bytes) throws CrdtDecodeException {
        EntryProto p = parse(EntryProto.parser(), bytes);
        ObjectKey object = object(p.getKind(), p.getName());
        String key = key(object.kind(), p.hasKey(), p.getKey());
        Crdt<?> state = state(object.kind(), key, p.getState(), true, null);
        return new Decoded(object, key, state, null);
    }

    // ---- delta records ----

    byte[] encodeRecord(ObjectKey object, String key, Crdt<?> delta, Hlc hlc) {
        DeltaRecordProto.Builder b = DeltaRecordProto.newBuilder()
            .setKind(object.kind().tag())
            .setName(object.name())
            .setDelta(ByteString.copyFrom(encodeState(object, key, delta, hlc.replica())))
            .setPhysicalMs(hlc.physicalMs())
            .setLogical(hlc.logical())
            .setOrigin(hlc.replica().value());
        if (key != null) {
            b.setKey(ByteString.copyFromUtf8(key));
        }
        return b.build().toByteArray();
    }

    Decoded decodeRecord(byte[] bytes) throws CrdtDecodeException {
        DeltaRecordProto p = parse(DeltaRecordProto.parser(), bytes);
        ObjectKey object = object(p.getKind(), p.getName());
        String key = key(object.kind(), p.hasKey(), p.getKey());
        if (p.getOrigin() == 0) {
            throw new CrdtDecodeException("record without origin");
        }
        Crdt<?> delta = state(object.kind(), key, p.getDelta(), false, new ReplicaId(p.getOrigin()));
        if (p.getPhysicalMs() < 0 || p.getPhysicalMs() > Hlc.MAX_PHYSICAL_MS
                || p.getLogical() < 0 || p.getLogical() > Hlc.MAX_LOGICAL) {
            throw new CrdtDecodeException("record HLC out of range");
        }
        Hlc hlc = new Hlc(p.getPhysicalMs(), p.getLogical(), new ReplicaId(p.getOrigin()));
        return new Decoded(object, key, delta, hlc);
    }

    // ---- checks ----

    <P extends MessageLite> P parse(Parser<P> parser, byte[] bytes) throws CrdtDecodeException {
        if (bytes == null) {
            throw new CrdtDecodeException("no input");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(PROTO_RECURSION_LIMIT);
            return parser.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new CrdtDecodeException("malformed protobuf: " + e.getMessage(), e);
        }
    }

    private static ObjectKey object(int tag, String name) throws CrdtDecodeException {
        ObjectKind kind = ObjectKind.ofTag(tag);
        if (kind == null) {
            throw new CrdtDecodeException("unknown object kind " + tag);
        }
        if (!ObjectKey.isValidName(name)) {
            throw new CrdtDecodeException("invalid object name");
        }
        return new ObjectKey(kind, name);
    }

    private String key(ObjectKind kind, boolean present, ByteString bytes) throws CrdtDecodeException {
        if (kind.perKey() != present) {
            throw new CrdtDecodeException(kind.perKey() ? "map entry without key" : "key on a " + kind + " entry");
        }
        if (!present) {
            return null;
        }
        if (bytes.size() > limits.maxKeyBytes()) {
            throw new CrdtDecodeException("key of " + bytes.size() + " bytes, over " + limits.maxKeyBytes());
        }
        return utf8.decode(bytes.toByteArray());
    }

    /**
     * A collection's documents and header have their own codec; every other state is type-tagged.
     * A document delta in a record leaves out its {@code origin}'s id (see {@link DocumentCodec}).
     */
    @SuppressWarnings("unchecked")
    private byte[] encodeState(ObjectKey object, String key, Crdt<?> state, ReplicaId origin) {
        if (object.kind() != ObjectKind.COLLECTION) {
            return states.encode(state);
        }
        return key.isEmpty() ? DocumentCodec.encodeHeader((CollectionHeader) state)
            : documents.encode((Document<Value>) state, origin);
    }

    private Crdt<?> state(ObjectKind kind, String key, ByteString bytes, boolean asState, ReplicaId origin)
            throws CrdtDecodeException {
        if (kind == ObjectKind.COLLECTION) {
            if (key.isEmpty()) {
                CollectionHeader h = DocumentCodec.decodeHeader(bytes.toByteArray(), limits);
                if (h.isBottom()) {
                    throw new CrdtDecodeException("a collection header entry must hold a header");
                }
                return h;
            }
            Document<Value> d = documents.decode(bytes.toByteArray(), origin);
            if (d.isBottom()) {
                throw new CrdtDecodeException("a document entry must not be empty");
            }
            return d;
        }
        Crdt<?> s = states.decode(bytes.toByteArray());
        switch (kind) {
            case MAP:
                if (!(s instanceof LwwRegister) || s.isBottom()) {
                    throw new CrdtDecodeException("a map entry must be a written LWW register");
                }
                return s;
            case SET:
                if (!(s instanceof OrSet)) {
                    throw new CrdtDecodeException("a set must be an OR-set");
                }
                if (asState) {
                    OrSet<?> set = (OrSet<?>) s;
                    return OrSet.of(set.store().asState(), set.context());
                }
                return s;
            case COUNTER:
                if (!(s instanceof PnCounter)) {
                    throw new CrdtDecodeException("a counter must be a PN counter");
                }
                return s;
            default:
                if (!(s instanceof MvRegister)) {
                    throw new CrdtDecodeException("a register must be an MV register");
                }
                return s;
        }
    }

    // ---- helpers ----

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    private static byte[] sha256Static(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
