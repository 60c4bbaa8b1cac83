package dev.starling.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE}: a YAML mapping whose keys are the sub-command's long option names without
 * the dashes ({@code data-dir: /var/lib/starling}, {@code seed: [a:7946, b:7946]}, {@code mdns: true}).
 * Its values become the options' defaults, so an option given on the command line wins. An unknown
 * key is refused (exit 2), as a mistyped flag would be.
 */
final class ConfigFile {

    private ConfigFile() {
    }

    /** Finds {@code --config} in {@code args} and installs the file's values as defaults. */
    static void apply(CommandLine root, String[] args) {
        if (args.length == 0 || !root.getSubcommands().containsKey(args[0])) {
            return;
        }
        CommandLine sub = root.getSubcommands().get(args[0]);
        if (sub.getCommandSpec().findOption("--config") == null) {
            return;
        }
        String file = null;
        for (int i = 1; i < args.length; i++) {
            if ("--".equals(args[i])) {
                break;
            }
            if ("--config".equals(args[i]) && i + 1 < args.length) {
                file = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                file = args[i].substring("--config=".length());
            }
        }
        if (file == null) {
            return;
        }
        Map<String, String> values = load(Path.of(file));
        for (String key : values.keySet()) {
            OptionSpec o = sub.getCommandSpec().findOption("--" + key);
            if (o == null || "config".equals(key) || o.usageHelp() || o.versionHelp()) {
                throw new UsageException("unknown setting \"" + key + "\" in " + file
                    + " (keys are the long option names of `starling " + args[0] + "`, without the dashes)");
            }
        }
        sub.setDefaultValueProvider((ArgSpec arg) -> {
            if (arg instanceof OptionSpec o) {
                return values.get(o.longestName().replaceFirst("^--", ""));
            }
            return null;
        });
    }

    static Map<String, String> load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new UsageException("cannot read the config file " + file + ": " + e.getMessage().split("\n")[0]);
        }
        Map<String, String> out = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new UsageException("the config file " + file + " must be a YAML mapping of option: value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode item : v) {
                    if (!item.isValueNode()) {
                        throw new UsageException("setting \"" + e.getKey() + "\" in " + file + " must be a list of values");
                    }
                    if (sb.length() > 0) {
                        sb.append(',');
                    }
                    sb.append(item.asText());
                }
                out.put(e.getKey(), sb.toString());
            } else if (v.isValueNode() && !v.isNull()) {
                out.put(e.getKey(), v.asText());
            } else if (!v.isNull()) {
                throw new UsageException("setting \"" + e.getKey() + "\" in " + file + " must be a value or a list");
            }
        }
        return out;
    }
}
