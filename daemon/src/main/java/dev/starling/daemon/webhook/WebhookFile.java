package dev.starling.daemon.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.starling.daemon.http.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The webhooks of a node in {@code <data-dir>/webhooks.json}:
 * {@code {"version":1,"webhooks":[{"id","url","secret","prefix","position"}]}}. Replaced atomically
 * on every save: written to {@code webhooks.json.tmp} (mode 600: it holds the secrets), fsynced,
 * renamed over the old file, then the directory fsynced, so a crash leaves the old file or the new
 * one, never a mix. Kept apart from the LMDB store on purpose: webhooks are this node's
 * configuration, not replicated state, and the file can be read and edited by hand while the node
 * is stopped.
 */
final class WebhookFile {

    static final String NAME = "webhooks.json";

    private final Path file;
    private final Path tmp;

    WebhookFile(Path dataDir) {
        this.file = dataDir.resolve(NAME);
        this.tmp = dataDir.resolve(NAME + ".tmp");
    }

    Path path() {
        return file;
    }

    List<Webhook> load() throws IOException {
        List<Webhook> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        JsonNode root = Json.MAPPER.readTree(file.toFile());
        if (root == null || root.path("version").asInt() != 1 || !root.path("webhooks").isArray()) {
            throw new IOException(file + " is not a webhooks file of version 1");
        }
        for (JsonNode w : root.path("webhooks")) {
            String id = w.path("id").asText("");
            String url = w.path("url").asText("");
            String secret = w.path("secret").asText("");
            if (id.isEmpty() || url.isEmpty() || secret.isEmpty() || !w.path("position").asText("").matches("[0-9]{1,19}")) {
                throw new IOException(file + ": webhook entry incomplete: " + w.path("id"));
            }
            out.add(new Webhook(id, URI.create(url), secret, w.path("prefix").asText(""),
                Long.parseLong(w.path("position").asText())));
        }
        return out;
    }

    void save(Collection<Webhook> webhooks) throws IOException {
        ObjectNode root = Json.object();
        root.put("version", 1);
        ArrayNode list = root.putArray("webhooks");
        for (Webhook w : webhooks) {
            ObjectNode o = list.addObject();
            o.put("id", w.id());
            o.put("url", w.url().toString());
            o.put("secret", w.secret());
            o.put("prefix", w.prefix());
            o.put("position", Long.toString(w.position()));
        }
        byte[] bytes = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open a directory; the rename is still atomic there
        }
    }
}
