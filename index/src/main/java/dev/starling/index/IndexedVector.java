package dev.starling.index;

import com.github.jelmerk.hnswlib.core.Item;

/** A document's unit vector as hnswlib stores it. Written to snapshots by {@link HnswSerializers}, never by Java serialization. */
final class IndexedVector implements Item<String, float[]> {

    private static final long serialVersionUID = 1L;

    private final String id;
    private final float[] vector;

    IndexedVector(String id, float[] vector) {
        this.id = id;
        this.vector = vector;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public float[] vector() {
        return vector;
    }

    @Override
    public int dimensions() {
        return vector.length;
    }
}
