package dev.starling.node.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void shouldBoundTheHostNameTo253Characters() throws Exception {
        String host253 = ("a".repeat(62) + ".").repeat(4) + "a";
        assertThat(HostPort.parse(host253 + ":1").host()).hasSize(253);
        assertThatThrownBy(() -> HostPort.parse(host253 + "a:1")).isInstanceOf(MalformedAdvertisementException.class);
        assertThatThrownBy(() -> HostPort.parse("a".repeat(300) + ":1")).isInstanceOf(MalformedAdvertisementException.class)
                .hasMessageContaining("over 261");
    }

    @Test
    void shouldNeverLookANameUp() throws Exception {
        InetSocketAddress name = HostPort.parse("no-such-host.invalid:7947").toSocketAddress();
        InetSocketAddress v4 = HostPort.parse("10.1.2.3:7947").toSocketAddress();
        InetSocketAddress v6 = HostPort.parse("[fd00::1]:7947").toSocketAddress();

        assertThat(name.isUnresolved()).isTrue();
        assertThat(v4.getAddress().getHostAddress()).isEqualTo("10.1.2.3");
        assertThat(v6.getAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
    }

    @Test
    void shouldWriteWhatItParses() throws Exception {
        for (String text : new String[] {"10.1.2.3:1", "[fd00::1]:65535", "edge-7.lan:7946", "localhost:80"}) {
            assertThat(HostPort.parse(text)).hasToString(text);
        }
        assertThat(HostPort.of(new InetSocketAddress("::1", 7946))).hasToString("[0:0:0:0:0:0:0:1]:7946");
    }
}
