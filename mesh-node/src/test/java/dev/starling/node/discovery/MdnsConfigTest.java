package dev.starling.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ReplicaId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MdnsConfigTest {

    private static final InetAddress LAN = address("192.168.1.20");

    @Test
    void shouldAdvertiseTheBindAddressForAWildcardAddress() {
        MdnsConfig config = valid().gossip(new InetSocketAddress(7946)).build();

        assertThat(config.advertisedGossip()).isEqualTo("192.168.1.20:7946");
        assertThat(config.advertisedData()).isEqualTo("192.168.1.20:7947");
        assertThat(config.requeryInterval()).isEqualTo(MdnsConfig.DEFAULT_REQUERY_INTERVAL);
        assertThat(config.closeTimeout()).isEqualTo(MdnsConfig.DEFAULT_CLOSE_TIMEOUT);
    }

    @Test
    void shouldAdvertiseAHostNameAsGiven() {
        MdnsConfig config = valid().gossip(InetSocketAddress.createUnresolved("edge-7.lan", 7946)).build();

        assertThat(config.advertisedGossip()).isEqualTo("edge-7.lan:7946");
    }

    @Test
    void shouldMakeAnInstanceNameOfAtMost63CharactersWithoutDots() {
        assertThat(valid().nodeName("jetson.local").build().instanceName()).isEqualTo("jetson-local-0123456789abcdef");
        assertThat(valid().nodeName("caméra 2").build().instanceName()).isEqualTo("cam-ra-2-0123456789abcdef");
        String longName = valid().nodeName("n".repeat(200)).build().instanceName();
        assertThat(longName).hasSize(63).endsWith("n-0123456789abcdef");
    }

    @Test
    void shouldRejectWhatCannotBeAdvertised() {
        assertThatThrownBy(() -> valid().bindAddress(address("0.0.0.0")).build()).hasMessageContaining("bindAddress");
        assertThatThrownBy(() -> valid().bindAddress(address("224.0.0.251")).build()).hasMessageContaining("bindAddress");
        assertThatThrownBy(() -> valid().cluster("al pha").build()).hasMessageContaining("cluster");
        assertThatThrownBy(() -> valid().cluster("a".repeat(65)).build()).hasMessageContaining("cluster");
        assertThatThrownBy(() -> valid().nodeName(" ").build()).hasMessageContaining("nodeName");
        assertThatThrownBy(() -> valid().replicaId(new ReplicaId(0)).build()).hasMessageContaining("replicaId");
        assertThatThrownBy(() -> valid().replicaId("xyz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> valid().gossip(new InetSocketAddress(LAN, 0)).build()).hasMessageContaining("gossip port");
        assertThatThrownBy(() -> valid().data(InetSocketAddress.createUnresolved("edge_7", 1)).build())
                .hasMessageContaining("data address cannot be advertised");
        assertThatThrownBy(() -> valid().requeryInterval(Duration.ofMillis(999)).build()).hasMessageContaining("requeryInterval");
        assertThatThrownBy(() -> valid().requeryInterval(Duration.ofHours(2)).build()).hasMessageContaining("requeryInterval");
        assertThatThrownBy(() -> valid().closeTimeout(Duration.ofMillis(10)).build()).hasMessageContaining("closeTimeout");
        assertThatThrownBy(() -> valid().data(null).build()).isInstanceOf(NullPointerException.class).hasMessage("data");
    }

    private static MdnsConfig.Builder valid() {
        return MdnsConfig.builder()
                .bindAddress(LAN)
                .nodeName("edge-7")
                .cluster("alpha")
                .replicaId("0123456789abcdef")
                .gossip(new InetSocketAddress(LAN, 7946))
                .data(new InetSocketAddress("0.0.0.0", 7947));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
