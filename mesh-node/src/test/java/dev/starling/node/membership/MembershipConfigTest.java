package dev.starling.node.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.crdt.ReplicaId;
import io.scalecube.cluster.ClusterMath;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipConfigTest {

    private static MembershipConfig.Builder valid() {
        return MembershipConfig.lan()
            .secret(new byte[16])
            .replicaId(new ReplicaId(1))
            .dataAddress(new InetSocketAddress("127.0.0.1", 7947));
    }

    @Test
    void shouldComputeSuspicionTimeoutAsScalecubeDoes() {
        MembershipConfig lan = valid().build();
        MembershipConfig local = MembershipConfig.local().secret(new byte[16]).replicaId(new ReplicaId(1))
            .dataAddress(new InetSocketAddress("127.0.0.1", 1)).build();
        for (int n = 1; n <= 64; n++) {
            for (MembershipConfig c : List.of(lan, local)) {
                assertThat(c.suspicionTimeout(n).toMillis()).isEqualTo(
                    ClusterMath.suspicionTimeout(c.suspicionMult(), n, c.pingInterval().toMillis()));
                assertThat(c.gossipDisseminationTime(n).toMillis()).isEqualTo(
                    ClusterMath.gossipDisseminationTime(c.gossipRepeatMult(), n, c.gossipInterval().toMillis()));
            }
        }
    }

    @Test
    void shouldDeclareDeadWithinAboutTenSecondsOnALan() {
        MembershipConfig lan = valid().build();
        assertThat(lan.deadDetectionTime(3)).isEqualTo(Duration.ofMillis(6400));
        assertThat(lan.deadDetectionTime(7)).isEqualTo(Duration.ofMillis(8800));
        assertThat(lan.deadDetectionTime(15)).isEqualTo(Duration.ofMillis(11200));
        assertThat(lan.gossipPort()).isEqualTo(7946);
        assertThat(lan.nodeName()).isEqualTo("node-0000000000000001");
    }

    @Test
    void shouldRefuseInvalidSettings() {
        assertThatThrownBy(() -> valid().secret(new byte[15]).build()).hasMessageContaining("secret");
        assertThatThrownBy(() -> valid().secret(null).build()).hasMessageContaining("secret");
        assertThatThrownBy(() -> valid().replicaId(new ReplicaId(0)).build()).hasMessageContaining("replicaId");
        assertThatThrownBy(() -> valid().clusterName("").build()).hasMessageContaining("clusterName");
        assertThatThrownBy(() -> valid().seed("no-port").build()).hasMessageContaining("seed");
        assertThatThrownBy(() -> valid().seed("h:99999").build()).hasMessageContaining("seed");
        assertThatThrownBy(() -> valid().pingTimeout(Duration.ofSeconds(1)).build()).hasMessageContaining("pingTimeout");
        assertThatThrownBy(() -> valid().dataAddress(null).build()).hasMessageContaining("dataAddress");
        assertThatThrownBy(() -> valid().gossipPort(70000).build()).hasMessageContaining("gossipPort");
        assertThat(valid().seed("10.0.0.1:7946").seed("[::1]:7946").seed("host.lan:1").build().seeds()).hasSize(3);
    }

    @Test
    void shouldCopyTheSecret() {
        byte[] secret = new byte[16];
        MembershipConfig c = valid().secret(secret).build();
        secret[0] = 1;
        assertThat(c.secret()[0]).isZero();
        c.secret()[1] = 1;
        assertThat(c.secret()[1]).isZero();
        assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString()).doesNotContain("secret=");
    }
}
