package dev.starling.daemon;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code starling node|demo|chaos}: the entry point of the runnable jar (bin/starling). Exit codes:
 * 0 done (or --help), 1 failed while running, 2 refused to start (a bad option or setting).
 */
@Command(name = "starling", mixinStandardHelpOptions = true, version = "starling 0.1.0-SNAPSHOT",
    description = "A peer-to-peer mesh that keeps AI state in sync across the machines of an edge LAN.",
    subcommands = {NodeCommand.class, DemoCommand.class, ChaosCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpAutoWidth(true);
        try {
            ConfigFile.apply(cl, args);
        } catch (UsageException e) {
            System.err.println("starling: " + e.getMessage());
            return 2;
        }
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof UsageException) {
                System.err.println("starling: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof StartupException || ex instanceof dev.starling.node.store.StoreException) {
                System.err.println("starling: cannot start: " + ex.getMessage());
                return 1;
            }
            if (causedByBind(ex)) {
                System.err.println("starling: cannot start: " + ex.getMessage()
                    + " (is something else using the gossip, data or HTTP port?)");
                return 1;
            }
            System.err.println("starling: " + ex);
            ex.printStackTrace(new PrintWriter(System.err, true));
            return 1;
        });
        return cl.execute(args);
    }

    private static boolean causedByBind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.BindException || c.getClass().getSimpleName().endsWith("BindException")
                    || String.valueOf(c.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
