package dev.starling.index.encoder;

/**
 * Puts DJL in offline mode before its tokenizer library is first touched. Offline, DJL
 * (1) loads the tokenizer's native library from the {@code tokenizers} jar (linux/macOS/Windows
 * natives ship inside it) instead of looking for a CUDA build to download, and (2) skips its
 * usage "call home" ({@code Ec2Utils.callHome}), which otherwise probes the EC2 metadata address and
 * posts a telemetry request. Both are network traffic a LAN node must never make.
 *
 * <p>DJL reads the {@code DJL_OFFLINE} environment variable before the {@code ai.djl.offline}
 * property, so an environment that says {@code DJL_OFFLINE=false} is refused rather than obeyed.
 */
final class DjlOffline {

    static final String OFFLINE_PROPERTY = "ai.djl.offline";
    static final String TRACKING_PROPERTY = "OPT_OUT_TRACKING";

    private DjlOffline() {
    }

    static synchronized void ensure() {
        System.setProperty(OFFLINE_PROPERTY, "true");
        System.setProperty(TRACKING_PROPERTY, "true");
        String env = System.getenv("DJL_OFFLINE");
        if (env != null && !Boolean.parseBoolean(env)) {
            throw new IllegalStateException("the environment sets DJL_OFFLINE=" + env
                + ": the encoder only runs with DJL offline (it must never download); unset it");
        }
        String flavor = System.getenv("RUST_FLAVOR");
        if (flavor != null && !flavor.isEmpty() && !"cpu".equals(flavor)) {
            throw new IllegalStateException("the environment sets RUST_FLAVOR=" + flavor
                + ": DJL would download that tokenizer build; unset it (the bundled CPU build is used)");
        }
    }
}
