package dev.starling.crdt.codec;

import com.google.protobuf.ByteString;
import dev.starling.crdt.CausalContext;
import dev.starling.crdt.Dot;
import dev.starling.crdt.DotMap;
import dev.starling.crdt.DotSet;
import dev.starling.crdt.OrSet;
import dev.starling.crdt.proto.v1.OrSetElementProto;
import dev.starling.crdt.proto.v1.OrSetProto;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Codec of {@link OrSet}: elements sorted by encoded bytes, each with its dots in order. */
public final class OrSetCodec<E> implements StateCodec<OrSet<E>> {

    private final ValueCodec<E> elements;
    private final DecodeLimits limits;

    public OrSetCodec(ValueCodec<E> elements, DecodeLimits limits) {
        this.elements = Objects.requireNonNull(elements, "elements");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(OrSet<E> state) {
        return toProto(state).toByteArray();
    }

    @Override
    public OrSet<E> decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(OrSetProto.parser(), bytes, limits));
    }

    public OrSetProto toProto(OrSet<E> state) {
        DotMap<E, DotSet> store = state.store();
        List<Map.Entry<byte[], DotSet>> entries = new ArrayList<>(store.size());
        store.forEach((e, dots) -> entries.add(new AbstractMap.SimpleImmutableEntry<>(elements.encode(e), dots)));
        OrSetProto.Builder b = OrSetProto.newBuilder();
        for (Map.Entry<byte[], DotSet> e : Wire.sortedByKey(entries)) {
            OrSetElementProto.Builder eb = OrSetElementProto.newBuilder().setElement(ByteString.copyFrom(e.getKey()));
            e.getValue().forEachDot(d -> {
                eb.addReplicas(d.replica().value());
                eb.addCounters(d.counter());
            });
            b.addElements(eb);
        }
        b.setContext(Wire.context(state.context()));
        if (store.isKeyComplete()) {
            b.setKeyComplete(true);
            List<byte[]> removed = new ArrayList<>();
            for (E e : store.removedKeys()) {
                removed.add(elements.encode(e));
            }
            for (byte[] r : Wire.sortedKeys(removed)) {
                b.addRemoved(ByteString.copyFrom(r));
            }
        }
        return b.build();
    }

    public OrSet<E> fromProto(OrSetProto p) throws CrdtDecodeException {
        CausalContext context = Wire.context(p.getContext());
        Map<E, DotSet> entries = new HashMap<>(p.getElementsCount() * 2);
        for (OrSetElementProto e : p.getElementsList()) {
            E element = elements.decode(Wire.bounded(e.getElement(), limits.maxKeyBytes(), "set element"));
            if (entries.put(element, dotSet(e.getReplicasList(), e.getCountersList(), limits)) != null) {
                throw new CrdtDecodeException("OR-set lists an element twice");
            }
        }
        Set<E> removed = null;
        if (p.getKeyComplete()) {
            removed = new HashSet<>();
            for (ByteString r : p.getRemovedList()) {
                if (!removed.add(elements.decode(Wire.bounded(r, limits.maxKeyBytes(), "removed element")))) {
                    throw new CrdtDecodeException("OR-set delta lists a removed element twice");
                }
            }
        } else if (p.getRemovedCount() > 0) {
            throw new CrdtDecodeException("removed elements listed in a state that is not a key-complete delta");
        }
        DotMap<E, DotSet> store = DotMap.of(entries, removed);
        Wire.requireCovered(store, context);
        return OrSet.of(store, context);
    }

    static DotSet dotSet(List<Long> replicas, List<Long> counters, DecodeLimits limits) throws CrdtDecodeException {
        if (replicas.size() != counters.size()) {
            throw new CrdtDecodeException("dot set has " + replicas.size() + " replicas and " + counters.size() + " counters");
        }
        if (replicas.isEmpty()) {
            throw new CrdtDecodeException("an entry without dots");
        }
        if (replicas.size() > limits.maxDotsPerEntry()) {
            throw new CrdtDecodeException("an entry with " + replicas.size() + " dots, over the limit of "
                + limits.maxDotsPerEntry());
        }
        List<Dot> dots = new ArrayList<>(replicas.size());
        Set<Dot> seen = new HashSet<>();
        for (int i = 0; i < replicas.size(); i++) {
            Dot d = Wire.dot(replicas.get(i), counters.get(i));
            if (!seen.add(d)) {
                throw new CrdtDecodeException("dot " + d + " listed twice");
            }
            dots.add(d);
        }
        return DotSet.of(dots);
    }
}
