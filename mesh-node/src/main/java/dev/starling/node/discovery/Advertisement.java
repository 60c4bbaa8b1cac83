package dev.starling.node.discovery;

import dev.starling.crdt.ReplicaId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one node advertises in the TXT record of its {@code _starling._tcp.local.} instance, version
 * 1. Keys, all required:
 * <pre>
 *   v=1                        format version; another version is not parsed (counted as malformed)
 *   cluster=NAME               [A-Za-z0-9._-]{1,64}
 *   replica=HEX                16 hex digits, not all zero
 *   gossip=HOST:PORT           the SWIM address (see {@link HostPort})
 *   data=HOST:PORT             the data-plane address
 * </pre>
 * Unknown keys are ignored, so a later version can add some without breaking version 1 readers.
 *
 * @param cluster the cluster name
 * @param replicaId the advertising node's replica id
 * @param gossip its SWIM address
 * @param data its data-plane address
 */
record Advertisement(String cluster, ReplicaId replicaId, HostPort gossip, HostPort data) {

    static final String VERSION = "1";
    static final String KEY_VERSION = "v";
    static final String KEY_CLUSTER = "cluster";
    static final String KEY_REPLICA = "replica";
    static final String KEY_GOSSIP = "gossip";
    static final String KEY_DATA = "data";

    /** Cluster names, as the CLI's {@code --cluster} accepts them. */
    static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern REPLICA = Pattern.compile("[0-9A-Fa-f]{16}");

    byte[] toTxt() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(KEY_VERSION, VERSION);
        entries.put(KEY_CLUSTER, cluster);
        entries.put(KEY_REPLICA, replicaId.toString());
        entries.put(KEY_GOSSIP, gossip.toString());
        entries.put(KEY_DATA, data.toString());
        return TxtCodec.encode(entries);
    }

    static Advertisement parse(byte[] txt) throws MalformedAdvertisementException {
        Map<String, String> entries = TxtCodec.decode(txt);
        String version = required(entries, KEY_VERSION);
        if (!VERSION.equals(version)) {
            throw new MalformedAdvertisementException("unsupported version");
        }
        String cluster = required(entries, KEY_CLUSTER);
        if (!CLUSTER.matcher(cluster).matches()) {
            throw new MalformedAdvertisementException("invalid cluster name");
        }
        String replica = required(entries, KEY_REPLICA);
        if (!REPLICA.matcher(replica).matches()) {
            throw new MalformedAdvertisementException("replica id is not 16 hex digits");
        }
        ReplicaId replicaId = ReplicaId.parse(replica);
        if (replicaId.value() == 0L) {
            throw new MalformedAdvertisementException("replica id zero");
        }
        return new Advertisement(cluster, replicaId,
                HostPort.parse(required(entries, KEY_GOSSIP)), HostPort.parse(required(entries, KEY_DATA)));
    }

    private static String required(Map<String, String> entries, String key) throws MalformedAdvertisementException {
        String value = entries.get(key);
        if (value == null) {
            throw new MalformedAdvertisementException("no value for " + key);
        }
        return value;
    }
}
