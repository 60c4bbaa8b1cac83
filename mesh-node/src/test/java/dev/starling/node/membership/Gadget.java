package dev.starling.node.membership;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands for a deserialization gadget: any class on the classpath whose {@code readObject} does
 * something. If a node ever Java-deserializes what it receives, {@link #READS} goes up.
 */
final class Gadget implements Serializable {

    static final AtomicInteger READS = new AtomicInteger();

    private final String payload;

    Gadget(String payload) {
        this.payload = payload;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        READS.incrementAndGet();
    }

    @Override
    public String toString() {
        return "Gadget[" + payload + "]";
    }
}
