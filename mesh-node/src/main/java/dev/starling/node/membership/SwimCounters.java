package dev.starling.node.membership;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link MembershipStats}; incremented from Netty and scalecube threads. */
final class SwimCounters {
    final LongAdder received = new LongAdder();
    final LongAdder unsigned = new LongAdder();
    final LongAdder badSignature = new LongAdder();
    final LongAdder replayed = new LongAdder();
    final LongAdder undecodable = new LongAdder();
    final LongAdder byFaults = new LongAdder();
    final LongAdder rejoinAttempts = new LongAdder();

    MembershipStats snapshot() {
        return new MembershipStats(received.sum(), unsigned.sum(), badSignature.sum(), replayed.sum(),
            undecodable.sum(), byFaults.sum(), rejoinAttempts.sum());
    }
}
