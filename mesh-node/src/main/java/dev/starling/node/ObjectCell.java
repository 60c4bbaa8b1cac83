package dev.starling.node;

import dev.starling.crdt.Crdt;
import dev.starling.crdt.MvRegister;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.ObjectKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where readers find an object's latest state: the replica agent publishes each new immutable
 * state with one volatile write, readers load it with one volatile read. No lock, no copy, no
 * allocation on the reading side.
 */
final class ObjectCell {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectCell.class);

    final ObjectKey key;
    private volatile Crdt<?> state;
    /** For registers: the value of the sibling with the highest HLC (the {@code lww} reading). */
    private volatile Value latest;
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();

    ObjectCell(ObjectKey key) {
        this.key = key;
    }

    /** The state, or {@code null} if this node has never seen the object. */
    Crdt<?> state() {
        return state;
    }

    Value latest() {
        return latest;
    }

    /** Agent thread only. */
    void publish(Crdt<?> newState) {
        if (newState instanceof MvRegister) {
            latest = latestOf((MvRegister<?>) newState);
        }
        state = newState;
    }

    /** Agent thread only. Returns the number of listeners that threw. */
    int notify(Change change) {
        int failed = 0;
        for (ChangeListener l : listeners) {
            try {
                l.onChange(change);
            } catch (RuntimeException e) {
                failed++;
                LOG.warn("change listener of {} threw", key, e);
            }
        }
        return failed;
    }

    Subscription subscribe(ChangeListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private static Value latestOf(MvRegister<?> register) {
        MvRegister.Sibling<?> best = null;
        for (MvRegister.Sibling<?> s : register.siblings()) {
            if (best == null || s.hlc().compareTo(best.hlc()) > 0) {
                best = s;
            }
        }
        return best == null ? null : (Value) best.value();
    }
}
