package dev.starling.index;

import com.github.jelmerk.hnswlib.core.ObjectSerializer;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectOutput;

/**
 * How ids and vectors go into a snapshot: plain {@code writeUTF} and floats, so the Java
 * serialization stream that hnswlib wraps them in holds no object of ours but these two stateless
 * serializers (see {@link SnapshotFile} for the class allow-list applied when reading).
 */
final class HnswSerializers {

    private HnswSerializers() {
    }

    static final class Ids implements ObjectSerializer<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void write(String id, ObjectOutput out) throws IOException {
            out.writeUTF(id);
        }

        @Override
        public String read(ObjectInput in) throws IOException {
            return in.readUTF();
        }
    }

    static final class Items implements ObjectSerializer<IndexedVector> {
        private static final long serialVersionUID = 1L;

        @Override
        public void write(IndexedVector item, ObjectOutput out) throws IOException {
            out.writeUTF(item.id());
            float[] v = item.vector();
            out.writeInt(v.length);
            for (float x : v) {
                out.writeFloat(x);
            }
        }

        @Override
        public IndexedVector read(ObjectInput in) throws IOException {
            String id = in.readUTF();
            int n = in.readInt();
            if (n < 1 || n > IndexConfig.MAX_DIMENSIONS) {
                throw new InvalidObjectException("vector dimension out of range: " + n);
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = in.readFloat();
            }
            return new IndexedVector(id, v);
        }
    }
}
