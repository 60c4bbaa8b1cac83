package dev.starling.crdt.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutations of valid encodings for fuzzing: byte-level (bit flips, byte replacement, truncation,
 * insertion, deletion, splicing, concatenation) and structure-aware, on the protobuf field tree
 * with lengths recomputed (duplicating, deleting, reordering, grafting and retagging fields, and
 * setting numbers to boundary values).
 */
final class Mutations {

    private Mutations() {
    }

    /** Varints at and around every boundary the decoders check. */
    static final long[] INTERESTING_VARINTS = {0, 1, 2, 127, 128, 255, 256, 0xFFFF, 0x10000, (1L << 31) - 1, 1L << 31,
        (1L << 32) - 1, 1L << 32, (1L << 48) - 1, 1L << 48, Long.MAX_VALUE, Long.MIN_VALUE, -1, 4096, 4097, 1024, 1025};
    static final long[] INTERESTING_FIXED64 = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xA, 0xB};
    static final int[] INTERESTING_FLOATS = {Float.floatToRawIntBits(Float.NaN), 0x7F800001, 0xFFC00000,
        Float.floatToRawIntBits(Float.POSITIVE_INFINITY), Float.floatToRawIntBits(Float.NEGATIVE_INFINITY), 0, 0x80000000,
        Float.floatToRawIntBits(-1f), 1, Float.floatToRawIntBits(Float.MAX_VALUE), Float.floatToRawIntBits(1f / 127)};

    // ---- the field tree ----

    /** One field; {@code children} is non-null when a length-delimited payload parses as a message. */
    static final class Field {
        int number;
        int wireType;
        long bits;
        byte[] payload;
        List<Field> children;

        Field copy() {
            Field f = new Field();
            f.number = number;
            f.wireType = wireType;
            f.bits = bits;
            f.payload = payload;
            if (children != null) {
                f.children = new ArrayList<>();
                for (Field c : children) {
                    f.children.add(c.copy());
                }
            }
            return f;
        }
    }

    /** The fields of {@code bytes}, or null when it is not a message this tree can rewrite byte-exactly. */
    static List<Field> parse(byte[] bytes, int depth) {
        if (depth > 40) {
            return null;
        }
        List<Field> fields = new ArrayList<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                Field f = new Field();
                f.number = tag >>> 3;
                f.wireType = tag & 7;
                switch (f.wireType) {
                    case 0:
                        f.bits = in.readRawVarint64();
                        break;
                    case 1:
                        f.bits = in.readRawLittleEndian64();
                        break;
                    case 2:
                        f.payload = in.readByteArray();
                        List<Field> children = f.payload.length == 0 ? null : parse(f.payload, depth + 1);
                        if (children != null && Arrays.equals(write(children), f.payload)) {
                            f.children = children;
                        }
                        break;
                    case 5:
                        f.bits = in.readRawLittleEndian32();
                        break;
                    default:
                        return null;
                }
                fields.add(f);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return Arrays.equals(write(fields), bytes) ? fields : null;
    }

    static byte[] write(List<Field> fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (Field f : fields) {
                out.writeUInt32NoTag((f.number << 3) | f.wireType);
                switch (f.wireType) {
                    case 0:
                        out.writeUInt64NoTag(f.bits);
                        break;
                    case 1:
                        out.writeFixed64NoTag(f.bits);
                        break;
                    case 2:
                        byte[] p = f.children != null ? write(f.children) : f.payload;
                        out.writeUInt32NoTag(p.length);
                        out.writeRawBytes(p);
                        break;
                    case 5:
                        out.writeFixed32NoTag((int) f.bits);
                        break;
                    default:
                        break;
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every field list of the tree (the top one and each nested message's). */
    private static void lists(List<Field> fields, List<List<Field>> out) {
        out.add(fields);
        for (Field f : fields) {
            if (f.children != null) {
                lists(f.children, out);
            }
        }
    }

    private static void all(List<Field> fields, List<Field> out) {
        for (Field f : fields) {
            out.add(f);
            if (f.children != null) {
                all(f.children, out);
            }
        }
    }

    // ---- mutating ----

    /** Applies 1-3 random mutations to {@code input}, using {@code donor} for splices and grafts. */
    static byte[] mutate(byte[] input, byte[] donor, Random random) {
        byte[] b = input;
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            b = random.nextInt(5) < 3 ? structural(b, donor, random) : bytewise(b, donor, random);
        }
        return b;
    }

    static byte[] bytewise(byte[] b, byte[] donor, Random random) {
        switch (random.nextInt(9)) {
            case 0: {
                if (b.length == 0) {
                    return b;
                }
                byte[] c = b.clone();
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    int i = random.nextInt(c.length);
                    c[i] ^= (byte) (1 << random.nextInt(8));
                }
                return c;
            }
            case 1: {
                if (b.length == 0) {
                    return b;
                }
                byte[] c = b.clone();
                c[random.nextInt(c.length)] = (byte) (random.nextBoolean() ? random.nextInt(256) : 0xFF);
                return c;
            }
            case 2:
                return Arrays.copyOf(b, random.nextInt(b.length + 1));
            case 3: {
                int at = random.nextInt(b.length + 1);
                byte[] ins = new byte[1 + random.nextInt(8)];
                random.nextBytes(ins);
                return concat(Arrays.copyOf(b, at), ins, Arrays.copyOfRange(b, at, b.length));
            }
            case 4: {
                if (b.length == 0) {
                    return b;
                }
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(8));
                return concat(Arrays.copyOf(b, from), Arrays.copyOfRange(b, to, b.length));
            }
            case 5:
                return concat(Arrays.copyOf(b, random.nextInt(b.length + 1)),
                    Arrays.copyOfRange(donor, random.nextInt(donor.length + 1), donor.length));
            case 6:
                return concat(b, donor);
            case 7: {
                if (b.length == 0) {
                    return b;
                }
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(16));
                return concat(Arrays.copyOf(b, to), Arrays.copyOfRange(b, from, b.length));
            }
            default:
                return concat(b, b);
        }
    }

    static byte[] structural(byte[] b, byte[] donor, Random random) {
        List<Field> tree = parse(b, 0);
        if (tree == null) {
            return bytewise(b, donor, random);
        }
        List<List<Field>> lists = new ArrayList<>();
        lists(tree, lists);
        List<Field> fields = new ArrayList<>();
        all(tree, fields);
        List<Field> list = lists.get(random.nextInt(lists.size()));
        switch (random.nextInt(10)) {
            case 0:
            case 1:
                if (!list.isEmpty()) {
                    int i = random.nextInt(list.size());
                    list.add(random.nextInt(list.size() + 1), list.get(i).copy());
                }
                break;
            case 2:
                if (!list.isEmpty()) {
                    list.remove(random.nextInt(list.size()));
                }
                break;
            case 3:
                java.util.Collections.shuffle(list, random);
                break;
            case 4: {
                List<Field> graft = parse(donor, 0);
                if (graft != null) {
                    List<Field> donorFields = new ArrayList<>();
                    all(graft, donorFields);
                    if (!donorFields.isEmpty()) {
                        list.add(random.nextInt(list.size() + 1), donorFields.get(random.nextInt(donorFields.size())).copy());
                    }
                }
                break;
            }
            case 5:
                if (!fields.isEmpty()) {
                    Field f = fields.get(random.nextInt(fields.size()));
                    f.number = 1 + random.nextInt(random.nextInt(8) == 0 ? 100 : 8);
                }
                break;
            case 6:
                if (!fields.isEmpty()) {
                    Field f = fields.get(random.nextInt(fields.size()));
                    if (f.wireType == 2 && f.children == null) {
                        f.payload = packedVarints(f.payload, random);
                    } else if (f.wireType == 2) {
                        f.children = null;
                        byte[] p = new byte[random.nextInt(12)];
                        random.nextBytes(p);
                        f.payload = p;
                    } else {
                        f.bits = setNumber(f.wireType, random);
                    }
                }
                break;
            default:
                for (int k = 0; k < 3 && !fields.isEmpty(); k++) {
                    Field f = fields.get(random.nextInt(fields.size()));
                    if (f.wireType != 2) {
                        f.bits = setNumber(f.wireType, random);
                    } else if (f.children == null) {
                        f.payload = packedVarints(f.payload, random);
                    }
                }
                break;
        }
        return write(tree);
    }

    private static long setNumber(int wireType, Random random) {
        if (wireType == 0) {
            return INTERESTING_VARINTS[random.nextInt(INTERESTING_VARINTS.length)];
        }
        if (wireType == 1) {
            return INTERESTING_FIXED64[random.nextInt(INTERESTING_FIXED64.length)];
        }
        return INTERESTING_FLOATS[random.nextInt(INTERESTING_FLOATS.length)] & 0xFFFF_FFFFL;
    }

    /** A packed array rewritten: one element set to a boundary value, or one added or dropped. */
    private static byte[] packedVarints(byte[] payload, Random random) {
        try {
            List<Long> values = new ArrayList<>();
            CodedInputStream in = CodedInputStream.newInstance(payload);
            while (!in.isAtEnd()) {
                values.add(in.readRawVarint64());
            }
            int op = random.nextInt(3);
            if (op == 0 && !values.isEmpty()) {
                values.set(random.nextInt(values.size()), INTERESTING_VARINTS[random.nextInt(INTERESTING_VARINTS.length)]);
            } else if (op == 1) {
                values.add(random.nextInt(values.size() + 1), INTERESTING_VARINTS[random.nextInt(INTERESTING_VARINTS.length)]);
            } else if (!values.isEmpty()) {
                values.remove(random.nextInt(values.size()));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (long v : values) {
                out.writeUInt64NoTag(v);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            byte[] c = payload.clone();
            if (c.length > 0) {
                c[random.nextInt(c.length)] ^= 0x40;
            }
            return c;
        }
    }

    /** Random bytes shaped like protobuf: fields 1-8 of every wire type, nested at random. */
    static byte[] randomMessage(Random random, int depth) {
        List<Field> fields = new ArrayList<>();
        int n = random.nextInt(depth > 3 ? 2 : 5);
        for (int i = 0; i < n; i++) {
            Field f = new Field();
            f.number = 1 + random.nextInt(8);
            f.wireType = new int[] {0, 1, 2, 2, 5}[random.nextInt(5)];
            if (f.wireType == 2) {
                if (random.nextBoolean() && depth < 8) {
                    f.payload = randomMessage(random, depth + 1);
                } else {
                    f.payload = new byte[random.nextInt(10)];
                    random.nextBytes(f.payload);
                }
            } else {
                f.bits = random.nextBoolean() ? setNumber(f.wireType, random) : random.nextLong();
            }
            fields.add(f);
        }
        return write(fields);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
