package dev.starling.node.membership;

import java.util.Locale;

/** What this node believes about a member (the {@code status} of {@code GET /v1/members}). */
public enum MemberStatus {
    /** Answers probes, or has refuted the last suspicion. */
    ALIVE,
    /** Did not answer a probe (directly or through others); declared dead unless it refutes in time. */
    SUSPECT,
    /** Did not refute a suspicion in time; listed for {@code deadRetention}, then removed. */
    DEAD,
    /** Announced a graceful leave; listed until SWIM removes it. */
    LEFT;

    /** The lower-case name used by the HTTP API. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
