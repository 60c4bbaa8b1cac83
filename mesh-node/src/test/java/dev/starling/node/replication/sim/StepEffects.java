package dev.starling.node.replication.sim;

import dev.starling.crdt.ReplicaId;
import dev.starling.node.replication.Change;
import dev.starling.node.replication.Effects;
import dev.starling.node.replication.StateWriter;
import java.util.ArrayList;
import java.util.List;

/** The outputs of one replicator step, collected for the caller to commit, then deliver. */
public final class StepEffects implements Effects {

    /** A message queued by the step. */
    public record Sent(ReplicaId to, int type, byte[] payload) {
    }

    /** A write completion reported by the step. */
    public record Completion(long writeId, int ackedPeers, boolean levelMet) {
    }

    private final StateWriter writer;
    public final List<Sent> sent = new ArrayList<>();
    public final List<Change> changes = new ArrayList<>();
    public final List<Completion> completions = new ArrayList<>();

    public StepEffects(StateWriter writer) {
        this.writer = writer;
    }

    @Override
    public void send(ReplicaId peer, int type, byte[] payload) {
        sent.add(new Sent(peer, type, payload));
    }

    @Override
    public StateWriter store() {
        return writer;
    }

    @Override
    public void changed(Change change) {
        changes.add(change);
    }

    @Override
    public void writeCompleted(long writeId, int ackedPeers, boolean levelMet) {
        completions.add(new Completion(writeId, ackedPeers, levelMet));
    }
}
