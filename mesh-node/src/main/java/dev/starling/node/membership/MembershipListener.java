package dev.starling.node.membership;

/**
 * Told of every change of a member's status. All methods are called on the membership's own event
 * thread ({@code starling-membership-<node name>}), one at a time, in the order the changes happened, so
 * an implementation needs no locking of its own but must be quick: hand the event to the node's
 * agent (enqueue) and return. A method that throws is logged and does not stop later events.
 *
 * <p>For one member the sequence is: {@code onAlive}, then any of {@code onSuspect}/{@code onAlive}
 * (suspected, refuted), then {@code onDead} or {@code onLeft}, then {@code onRemoved}. A member
 * that comes back before it is removed gets {@code onAlive} again. A member that restarts with the
 * same replica id is first removed ({@code onRemoved} with the old member), then added again.
 * The local node is never reported.
 */
public interface MembershipListener {

    /** The member joined, or came back (refuted a suspicion, returned after a partition). */
    default void onAlive(Member member) {
    }

    /** The member did not answer probes; it is still a member. */
    default void onSuspect(Member member) {
    }

    /** The member was declared dead; it is removed after the configured retention. */
    default void onDead(Member member) {
    }

    /** The member announced it is leaving. */
    default void onLeft(Member member) {
    }

    /** The member is no longer listed (after {@link #onDead} or {@link #onLeft}). */
    default void onRemoved(Member member) {
    }
}
