package dev.starling.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Whatever arrives, the handler either reports it or drops and counts it, and never throws; what a
 * node advertises parses back to the same fields.
 */
class AdvertisementFuzzTest {

    private static final ReplicaId SELF = ReplicaId.parse("00000000000000aa");

    @Property(tries = 300)
    void shouldReportOrCountAnyBytesWithoutThrowing(@ForAll @Size(max = 1400) byte[] txt, @ForAll String name,
            @ForAll @IntRange(max = 65535) int srvPort) {
        assertAccountedFor(name, srvPort, txt);
    }

    @Property(tries = 300)
    void shouldReportOrCountAValidRecordWithOneByteChanged(@ForAll @IntRange(max = 200) int position,
            @ForAll byte value) {
        byte[] txt = AnnouncementHandlerTest.txt(AnnouncementHandlerTest.valid());
        txt[position % txt.length] = value;
        assertAccountedFor("peer-0123456789abcdef", 7946, txt);
    }

    @Property(tries = 200)
    void shouldParseBackWhatANodeAdvertises(@ForAll("advertisements") Advertisement advertisement) throws Exception {
        assertThat(Advertisement.parse(advertisement.toTxt())).isEqualTo(advertisement);
    }

    private static void assertAccountedFor(String name, int srvPort, byte[] txt) {
        List<DiscoveredPeer> reported = new ArrayList<>();
        AnnouncementHandler handler = new AnnouncementHandler("alpha", SELF, "self-00000000000000aa", reported::add);
        handler.onResolved(name, srvPort, txt);
        MdnsCounters counters = handler.counters();
        assertThat(counters.announcementsSeen()).isEqualTo(1);
        assertThat(counters.peersReported() + counters.malformedIgnored() + counters.otherClusterIgnored())
                .isLessThanOrEqualTo(1);
        assertThat(reported).hasSize((int) counters.peersReported());
    }

    @Provide
    Arbitrary<Advertisement> advertisements() {
        Arbitrary<String> cluster = Arbitraries.strings().withChars("abcXYZ019._-").ofMinLength(1).ofMaxLength(64);
        Arbitrary<ReplicaId> replica = Arbitraries.longs().filter(v -> v != 0L).map(ReplicaId::new);
        return Combinators.combine(cluster, replica, hostPorts(), hostPorts()).as(Advertisement::new);
    }

    private static Arbitrary<HostPort> hostPorts() {
        Arbitrary<String> ipv4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(octets -> octets.get(0) + "." + octets.get(1) + "." + octets.get(2) + "." + octets.get(3));
        Arbitrary<String> label = Arbitraries.strings().withChars("abcz09").ofMinLength(1).ofMaxLength(63);
        Arbitrary<String> name = label.list().ofMinSize(1).ofMaxSize(3).map(labels -> String.join(".", labels) + ".lan");
        Arbitrary<String> ipv6 = Arbitraries.of("fd00::1", "::1", "fe80::a:b:c:d", "2001:db8::8a2e:370:7334");
        return Combinators.combine(Arbitraries.oneOf(ipv4, name, ipv6), Arbitraries.integers().between(1, 65535))
                .as(HostPort::new);
    }
}
