package dev.starling.node.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every listener call, as {@code "<KIND> <name>"}, with the member and the thread. */
final class RecordingListener implements MembershipListener {

    record Event(String kind, Member member, String thread) {
        @Override
        public String toString() {
            return kind + " " + member.name();
        }
    }

    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void onAlive(Member member) {
        add("ALIVE", member);
    }

    @Override
    public void onSuspect(Member member) {
        add("SUSPECT", member);
    }

    @Override
    public void onDead(Member member) {
        add("DEAD", member);
    }

    @Override
    public void onLeft(Member member) {
        add("LEFT", member);
    }

    @Override
    public void onRemoved(Member member) {
        add("REMOVED", member);
    }

    private void add(String kind, Member member) {
        events.add(new Event(kind, member, Thread.currentThread().getName()));
    }

    /** The kinds of event seen for the member called {@code name}, in order. */
    List<String> kindsFor(String name) {
        List<String> kinds = new ArrayList<>();
        for (Event e : events) {
            if (e.member().name().equals(name)) {
                kinds.add(e.kind());
            }
        }
        return kinds;
    }
}
