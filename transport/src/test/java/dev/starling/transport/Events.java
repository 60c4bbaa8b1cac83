package dev.starling.transport;

import dev.starling.crdt.ReplicaId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records every event, for assertions from the test thread. */
final class Events implements TransportListener {

    enum Kind { CONNECTED, DISCONNECTED, BEHIND, DRAINED }

    record Event(Kind kind, ReplicaId peer, String reason) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void onConnected(ReplicaId peer) {
        events.add(new Event(Kind.CONNECTED, peer, null));
    }

    @Override
    public void onDisconnected(ReplicaId peer, String reason) {
        events.add(new Event(Kind.DISCONNECTED, peer, reason));
    }

    @Override
    public void onBehind(ReplicaId peer) {
        events.add(new Event(Kind.BEHIND, peer, null));
    }

    @Override
    public void onDrained(ReplicaId peer) {
        events.add(new Event(Kind.DRAINED, peer, null));
    }

    long count(Kind kind, ReplicaId peer) {
        return events.stream().filter(e -> e.kind() == kind && e.peer().equals(peer)).count();
    }

    List<Event> all() {
        return List.copyOf(events);
    }

    @Override
    public String toString() {
        return events.toString();
    }
}
