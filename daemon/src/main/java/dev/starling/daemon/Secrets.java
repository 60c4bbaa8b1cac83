package dev.starling.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** The cluster secret and the API token, read from files. */
final class Secrets {

    private Secrets() {
    }

    /**
     * The bytes of {@code file} without trailing whitespace (so {@code echo ... > file} works).
     *
     * @throws UsageException if the file cannot be read or holds fewer than {@code minBytes}
     */
    static byte[] read(Path file, String what, int minBytes) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException("cannot read the " + what + " file " + file + ": " + e.getMessage());
        }
        int end = b.length;
        while (end > 0 && Character.isWhitespace(b[end - 1])) {
            end--;
        }
        if (end < minBytes) {
            throw new UsageException("the " + what + " file " + file + " must hold at least " + minBytes + " bytes");
        }
        return Arrays.copyOf(b, end);
    }

    /**
     * The fixed secret of a node run without {@code --secret-file}: derived from the cluster name,
     * so every such node of that cluster on this machine can join the others. It proves nothing.
     */
    static byte[] developmentSecret(String cluster) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(
                ("starling insecure development secret of cluster " + cluster).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
