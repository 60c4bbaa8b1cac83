package dev.starling.crdt.codec;

import dev.starling.crdt.PnCounter;
import dev.starling.crdt.ReplicaId;
import dev.starling.crdt.proto.v1.PnCounterEntryProto;
import dev.starling.crdt.proto.v1.PnCounterProto;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Codec of {@link PnCounter}: one entry per replica, in replica order. */
public final class PnCounterCodec implements StateCodec<PnCounter> {

    private final DecodeLimits limits;

    public PnCounterCodec(DecodeLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public byte[] encode(PnCounter state) {
        return toProto(state).toByteArray();
    }

    @Override
    public PnCounter decode(byte[] bytes) throws CrdtDecodeException {
        return fromProto(Wire.parse(PnCounterProto.parser(), bytes, limits));
    }

    public PnCounterProto toProto(PnCounter state) {
        PnCounterProto.Builder b = PnCounterProto.newBuilder();
        for (int i = 0; i < state.replicaCount(); i++) {
            b.addEntries(PnCounterEntryProto.newBuilder()
                .setReplica(state.replicaAt(i).value())
                .setIncrements(state.incrementsAt(i))
                .setDecrements(state.decrementsAt(i)));
        }
        return b.build();
    }

    public PnCounter fromProto(PnCounterProto p) throws CrdtDecodeException {
        Map<ReplicaId, long[]> totals = new HashMap<>();
        for (PnCounterEntryProto e : p.getEntriesList()) {
            long inc = e.getIncrements();
            long dec = e.getDecrements();
            if (inc < 0 || dec < 0) {
                throw new CrdtDecodeException("counter total over 2^63-1");
            }
            if (totals.put(Wire.replica(e.getReplica()), new long[] {inc, dec}) != null) {
                throw new CrdtDecodeException("counter lists a replica twice");
            }
        }
        return PnCounter.of(totals);
    }
}
