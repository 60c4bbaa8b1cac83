package dev.starling.daemon.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhooksTest {

    @TempDir
    Path tmp;

    @Test
    void shouldDoubleTheBackoffUpToTheCapWithJitterInTheUpperHalf() {
        assertThat(Webhooks.backoffMs(1, 500, 60_000, 0.0)).isEqualTo(250);
        assertThat(Webhooks.backoffMs(1, 500, 60_000, 0.999)).isBetween(490L, 500L);
        assertThat(Webhooks.backoffMs(2, 500, 60_000, 0.0)).isEqualTo(500);
        assertThat(Webhooks.backoffMs(4, 500, 60_000, 0.5)).isEqualTo(3000);
        for (int failures : new int[] {8, 9, 31, 32, 1000, Integer.MAX_VALUE}) {
            assertThat(Webhooks.backoffMs(failures, 500, 60_000, 0.0)).isEqualTo(30_000);
            assertThat(Webhooks.backoffMs(failures, 500, 60_000, 0.999)).isBetween(59_900L, 60_000L);
        }
    }

    @Test
    void shouldSignAsTheDocumentedExample() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"secret",b"{\"changes\":[]}",hashlib.sha256).hexdigest())'
        assertThat(Signature.of("secret", "{\"changes\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .isEqualTo("sha256=3a6fdf1c137113d4b27c25d2fc2c6fdb8a7d27e28cf6cf6fd5adac9084cb070b");
    }

    @Test
    void shouldReplaceTheFileAtomicallyAndReadBackWhatWasSaved() throws IOException {
        WebhookFile file = new WebhookFile(tmp);
        assertThat(file.load()).isEmpty();
        Webhook a = new Webhook("a1", URI.create("http://127.0.0.1:9/x?y=1"), "s\u00fc", "", 7);
        Webhook b = new Webhook("b2", URI.create("https://example.com/h"), "t", "cfg.", Long.MAX_VALUE);
        file.save(List.of(a, b));
        assertThat(file.load()).containsExactly(a, b);
        file.save(List.of(b.withPosition(9)));
        assertThat(file.load()).containsExactly(b.withPosition(9));
        assertThat(Files.exists(tmp.resolve(WebhookFile.NAME + ".tmp"))).isFalse();
        assertThat(Files.getPosixFilePermissions(tmp.resolve(WebhookFile.NAME)))
            .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);

        Files.writeString(tmp.resolve(WebhookFile.NAME), "{\"version\":2}");
        assertThatThrownBy(file::load).isInstanceOf(IOException.class);
    }
}
