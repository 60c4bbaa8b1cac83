package dev.starling.node.discovery;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The validation of announcements, fed as jmdns hands them over (instance name, SRV port, raw TXT
 * bytes): what is reported, what is dropped, and that every drop of a malformed one is counted.
 */
class AnnouncementHandlerTest {

    private static final ReplicaId SELF = ReplicaId.parse("00000000000000aa");
    private static final String SELF_NAME = "self-00000000000000aa";
    private static final String PEER_ID = "0123456789abcdef";
    private static final String PEER_NAME = "peer-0123456789abcdef";

    private final List<DiscoveredPeer> reported = new ArrayList<>();
    private final AnnouncementHandler handler = new AnnouncementHandler("alpha", SELF, SELF_NAME, reported::add);

    @Test
    void shouldReportAPeerOfItsClusterWithTheAddressesItAdvertised() {
        handler.onResolved(PEER_NAME, 7946, txt(valid()));

        assertThat(reported).containsExactly(new DiscoveredPeer(PEER_NAME, "alpha", ReplicaId.parse(PEER_ID),
                "10.0.0.7:7946", new InetSocketAddress("10.0.0.7", 7947)));
        assertThat(reported.get(0).data().isUnresolved()).isFalse();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(1, 1, 0, 0));
    }

    @Test
    void shouldReportHostNamesUnresolvedAndIpv6LiteralsInBrackets() {
        Map<String, String> entries = valid();
        entries.put("gossip", "[fd00::7]:7946");
        entries.put("data", "edge-7.lan:7947");
        handler.onResolved(PEER_NAME, 7946, txt(entries));

        assertThat(reported).hasSize(1);
        DiscoveredPeer peer = reported.get(0);
        assertThat(peer.gossip()).isEqualTo("[fd00::7]:7946");
        assertThat(peer.data().isUnresolved()).isTrue();
        assertThat(peer.data().getHostString()).isEqualTo("edge-7.lan");
        assertThat(peer.data().getPort()).isEqualTo(7947);
    }

    @Test
    void shouldIgnoreItsOwnAnnouncementWithoutCountingItAsDropped() {
        Map<String, String> entries = valid();
        entries.put("replica", SELF.toString());
        handler.onResolved(SELF_NAME, 7946, txt(entries));

        assertThat(reported).isEmpty();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(1, 0, 0, 0));
    }

    @Test
    void shouldIgnoreAndCountAnotherCluster() {
        Map<String, String> entries = valid();
        entries.put("cluster", "beta");
        handler.onResolved(PEER_NAME, 7946, txt(entries));
        entries.put("cluster", "Alpha");
        handler.onResolved(PEER_NAME, 7946, txt(entries));

        assertThat(reported).isEmpty();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(2, 0, 0, 2));
    }

    @Test
    void shouldIgnoreUnknownKeysAndKeepTheFirstOfARepeatedKey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(txt(valid()));
        out.writeBytes(entry("future=x"));
        out.writeBytes(entry("flag"));
        out.writeBytes(entry("CLUSTER=beta"));
        out.writeBytes(new byte[] {0});
        handler.onResolved(PEER_NAME, 7946, out.toByteArray());

        assertThat(reported).extracting(DiscoveredPeer::cluster).containsExactly("alpha");
        assertThat(handler.counters().malformedIgnored()).isZero();
    }

    @Test
    void shouldReportAgainWhenAnnouncedAgain() {
        handler.onResolved(PEER_NAME, 7946, txt(valid()));
        handler.onResolved(PEER_NAME, 7946, txt(valid()));

        assertThat(reported).hasSize(2).containsOnly(reported.get(0));
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(2, 2, 0, 0));
    }

    @Test
    void shouldReportNothingOnceClosed() {
        handler.close();
        handler.onResolved(PEER_NAME, 7946, txt(valid()));

        assertThat(reported).isEmpty();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(0, 0, 0, 0));
    }

    @Test
    void shouldKeepGoingWhenTheCallbackThrows() {
        AnnouncementHandler throwing = new AnnouncementHandler("alpha", SELF, SELF_NAME, peer -> {
            throw new IllegalStateException("membership is busy");
        });
        throwing.onResolved(PEER_NAME, 7946, txt(valid()));
        throwing.onResolved(PEER_NAME, 7946, txt(valid()));

        assertThat(throwing.counters()).isEqualTo(new MdnsCounters(2, 2, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTxtRecords")
    void shouldIgnoreAndCountAMalformedTxtRecord(String what, byte[] txt) {
        handler.onResolved(PEER_NAME, 7946, txt);

        assertThat(reported).as(what).isEmpty();
        assertThat(handler.counters()).as(what).isEqualTo(new MdnsCounters(1, 0, 1, 0));
    }

    static Stream<Arguments> malformedTxtRecords() {
        List<Arguments> cases = new ArrayList<>();
        for (String key : List.of("v", "cluster", "replica", "gossip", "data")) {
            Map<String, String> entries = valid();
            entries.remove(key);
            cases.add(Arguments.of("no " + key, txt(entries)));
        }
        cases.add(Arguments.of("boolean version", with("v", null)));
        cases.add(Arguments.of("version 2", with("v", "2")));
        cases.add(Arguments.of("empty cluster", with("cluster", "")));
        cases.add(Arguments.of("cluster of 65 characters", with("cluster", "a".repeat(65))));
        cases.add(Arguments.of("cluster with a space", with("cluster", "al pha")));
        cases.add(Arguments.of("cluster with a slash", with("cluster", "al/pha")));
        cases.add(Arguments.of("replica of 15 digits", with("replica", "123456789abcdef")));
        cases.add(Arguments.of("replica of 17 digits", with("replica", "0123456789abcdef0")));
        cases.add(Arguments.of("replica not hex", with("replica", "0123456789abcdeg")));
        cases.add(Arguments.of("replica with a sign", with("replica", "+123456789abcdef")));
        cases.add(Arguments.of("replica zero", with("replica", "0000000000000000")));
        cases.add(Arguments.of("gossip without a port", with("gossip", "10.0.0.7")));
        cases.add(Arguments.of("gossip with an empty port", with("gossip", "10.0.0.7:")));
        cases.add(Arguments.of("gossip port 0", with("gossip", "10.0.0.7:0")));
        cases.add(Arguments.of("gossip port 65536", with("gossip", "10.0.0.7:65536")));
        cases.add(Arguments.of("gossip port with a sign", with("gossip", "10.0.0.7:+7946")));
        cases.add(Arguments.of("gossip port with a leading zero", with("gossip", "10.0.0.7:07946")));
        cases.add(Arguments.of("gossip without a host", with("gossip", ":7946")));
        cases.add(Arguments.of("IPv4 octet over 255", with("gossip", "10.0.0.256:7946")));
        cases.add(Arguments.of("IPv4 octet with a leading zero", with("gossip", "10.0.0.07:7946")));
        cases.add(Arguments.of("IPv6 without brackets", with("gossip", "fd00::7:7946")));
        cases.add(Arguments.of("IPv6 bracket not closed", with("gossip", "[fd00::7:7946")));
        cases.add(Arguments.of("IPv6 invalid", with("gossip", "[fd00:::7:::]:7946")));
        cases.add(Arguments.of("IPv6 with a zone", with("gossip", "[fe80::1%eth0]:7946")));
        cases.add(Arguments.of("host with an underscore", with("data", "edge_7.lan:7947")));
        cases.add(Arguments.of("host with a trailing dot", with("data", "edge-7.lan.:7947")));
        cases.add(Arguments.of("host with an empty label", with("data", "edge-7..lan:7947")));
        cases.add(Arguments.of("host label of 64 characters", with("data", "a".repeat(64) + ".lan:7947")));
        cases.add(Arguments.of("host all digits", with("data", "10.0.0.999:7947")));
        cases.add(Arguments.of("data as a URL", with("data", "tcp://10.0.0.7:7947")));
        cases.add(Arguments.of("key of 10 characters", concat(txt(valid()), entry("abcdefghij=1"))));
        cases.add(Arguments.of("empty key", concat(txt(valid()), entry("=1"))));
        cases.add(Arguments.of("byte 0x7f in a value", concat(entry("junk=a\u007fb"), txt(valid()))));
        cases.add(Arguments.of("UTF-8 in a value", concat(entry("junk=\u00e9"), txt(valid()))));
        cases.add(Arguments.of("control character in a value", concat(entry("junk=a\nb"), txt(valid()))));
        cases.add(Arguments.of("string running past the end", concat(txt(valid()), new byte[] {5, 'a', '=', 'b'})));
        cases.add(Arguments.of("record over 1300 bytes", concat(txt(valid()), padding(TxtCodec.MAX_TXT_BYTES))));
        cases.add(Arguments.of("no TXT record", null));
        cases.add(Arguments.of("empty TXT record", new byte[0]));
        cases.add(Arguments.of("only an empty string", new byte[] {0}));
        return cases.stream();
    }

    @Test
    void shouldIgnoreAndCountAnSrvPortThatIsNotTheGossipPort() {
        handler.onResolved(PEER_NAME, 7000, txt(valid()));

        assertThat(reported).isEmpty();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(1, 0, 1, 0));
    }

    @Test
    void shouldIgnoreAndCountABadInstanceName() {
        handler.onResolved("", 7946, txt(valid()));
        handler.onResolved(null, 7946, txt(valid()));
        handler.onResolved("p".repeat(64), 7946, txt(valid()));
        handler.onResolved("\u00e9".repeat(32), 7946, txt(valid()));
        handler.onResolved("peer\u0007", 7946, txt(valid()));

        assertThat(reported).isEmpty();
        assertThat(handler.counters()).isEqualTo(new MdnsCounters(5, 0, 5, 0));
    }

    @Test
    void shouldAcceptTheLongestValidFields() {
        String cluster = "a.B_c-9".repeat(9) + "x";
        AnnouncementHandler longCluster = new AnnouncementHandler(cluster, SELF, SELF_NAME, reported::add);
        Map<String, String> entries = valid();
        entries.put("cluster", cluster);
        // The longest host that fits in a TXT string (255 bytes) with "gossip=" and ":65535".
        entries.put("gossip", ("a".repeat(62) + ".").repeat(3) + "a".repeat(53) + ":65535");
        entries.put("replica", "FFFFFFFFFFFFFFFF");
        longCluster.onResolved("p".repeat(63), 65535, txt(entries));

        assertThat(reported).hasSize(1);
        assertThat(reported.get(0).cluster()).hasSize(64);
        assertThat(reported.get(0).replicaId()).isEqualTo(new ReplicaId(-1L));
    }

    /** The fields of a valid announcement, in the order a node writes them; a fresh copy each time. */
    static Map<String, String> valid() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("v", "1");
        entries.put("cluster", "alpha");
        entries.put("replica", PEER_ID);
        entries.put("gossip", "10.0.0.7:7946");
        entries.put("data", "10.0.0.7:7947");
        return entries;
    }

    private static byte[] with(String key, String value) {
        Map<String, String> entries = valid();
        entries.put(key, value);
        return txt(entries);
    }

    /** TXT bytes of {@code entries}; a null value is a boolean attribute (no '='). */
    static byte[] txt(Map<String, String> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : entries.entrySet()) {
            out.writeBytes(entry(e.getValue() == null ? e.getKey() : e.getKey() + '=' + e.getValue()));
        }
        return out.toByteArray();
    }

    private static byte[] entry(String text) {
        byte[] bytes = text.getBytes(text.chars().allMatch(c -> c < 0x80) ? US_ASCII : UTF_8);
        if (bytes.length > 255) {
            throw new IllegalArgumentException("a TXT string holds at most 255 bytes: " + text);
        }
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) bytes.length;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }

    private static byte[] padding(int bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; out.size() < bytes; i++) {
            out.writeBytes(entry("p" + i + "=" + "x".repeat(200)));
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
