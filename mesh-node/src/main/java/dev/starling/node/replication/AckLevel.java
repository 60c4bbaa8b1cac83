package dev.starling.node.replication;

/**
 * How many confirmations a write waits for. {@code local}: durable on this node per its sync
 * policy. {@code peers(n)}: additionally applied (and stored per their policy) by {@code n} peers.
 * {@code all}: by every peer that membership showed alive when the write was made. The count never
 * includes this node.
 */
public record AckLevel(int peers, boolean all) {

    public static final AckLevel LOCAL = new AckLevel(0, false);
    public static final AckLevel ALL = new AckLevel(0, true);

    public AckLevel {
        if (peers < 0) {
            throw new IllegalArgumentException("peers must be >= 0: " + peers);
        }
        if (all && peers != 0) {
            throw new IllegalArgumentException("all takes no peer count");
        }
    }

    public static AckLevel peers(int n) {
        return n == 0 ? LOCAL : new AckLevel(n, false);
    }

    /** Parses the API's {@code local}, {@code all} or a non-negative integer. */
    public static AckLevel parse(String s) {
        if ("local".equals(s)) {
            return LOCAL;
        }
        if ("all".equals(s)) {
            return ALL;
        }
        try {
            return peers(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ack must be local, all or a number of peers: " + s);
        }
    }

    public boolean isLocal() {
        return !all && peers == 0;
    }

    @Override
    public String toString() {
        return all ? "all" : peers == 0 ? "local" : Integer.toString(peers);
    }
}
