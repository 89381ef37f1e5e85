package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.system.Backend;
import io.backprop4j.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code backprop4j} command. Exit status: 0 success, 1 a failed check, 2 unusable input.
 * Errors are one or two lines on stderr; {@code --debug} adds the stack trace.
 */
@Command(name = "backprop4j",
        mixinStandardHelpOptions = true,
        version = Main.VERSION,
        description = "Pure-Java deep learning: train networks, and see every step of backpropagation worked out.",
        subcommands = {BenchCommand.class, CommandLine.HelpCommand.class, ExplainCommand.class, CheckCommand.class,
            ServeCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ExportCommand.class,
            GenerateCommand.class})
public final class Main implements Runnable {
    /** The name and version printed by --version and the benchmarks. */
    public static final String VERSION = "backprop4j 0.1.0";

    /** Exit status for unusable input (bad file, bad option, bad shapes). */
    public static final int EXIT_USAGE = 2;
    /** Exit status for a check that found mistakes. */
    public static final int EXIT_FAILED = 1;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean debug;

    @Override
    public void run() {
        // No command: the embedded default job (see DefaultJob).
        DefaultJob.run(new PrintWriter(System.out, true));
    }

    /** Builds the command line with error handling wired in; tests use this too. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Their help names what the core lists (activations, losses, answer fields), so it is built from those lists.
        ExplainCommand.describe(cl.getSubcommands().get("explain").getCommandSpec());
        CheckCommand.describe(cl.getSubcommands().get("check").getCommandSpec());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            boolean debug = parseResult.matchedOption("--debug") != null
                    || parseResult.subcommands().stream().anyMatch(p -> p.matchedOption("--debug") != null)
                    || (parseResult.subcommand() != null && parseResult.subcommand().matchedOption("--debug") != null);
            return report(ex, cmd.getErr(), debug);
        });
        // Errors (out of memory) are not wrapped by picocli: report them here rather than as a stack trace.
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parseResult -> {
            try {
                // Environment knobs (BACKPROP4J_THREADS...) are checked like options, before any work.
                Backend.checkSettings();
            } catch (BackpropException e) {
                return report(e, cl.getErr(), false);
            }
            try {
                return run.execute(parseResult);
            } catch (OutOfMemoryError | StackOverflowError e) {
                boolean debug = parseResult.matchedOption("--debug") != null
                        || (parseResult.subcommand() != null && parseResult.subcommand().matchedOption("--debug") != null);
                return report(e, cl.getErr(), debug);
            }
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            if (ex.getCause() instanceof Choices.Unknown unknown) {
                // An unknown name: the one line naming it and the valid ones says all there is to say.
                err.println("backprop4j: " + unknown.getMessage());
                return EXIT_USAGE;
            }
            err.println("backprop4j: " + oneLine(String.valueOf(ex.getMessage())));
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        return cl;
    }

    /** Prints an exception as one or two lines (a stack trace only when debugging); returns the exit status. */
    static int report(Throwable ex, PrintWriter err, boolean debug) {
        if (debug) ex.printStackTrace(err);
        Throwable t = ex;
        if (isUsage(t)) {
            err.println(oneLine(t));
            err.flush();
            return EXIT_USAGE;
        }
        if (t instanceof OutOfMemoryError) {
            err.println("backprop4j: out of memory; try a smaller --batch or model, or raise the heap with BACKPROP4J_JAVA_OPTS=-Xmx8g");
            return EXIT_USAGE;
        }
        err.println("backprop4j: internal error: " + oneLine(t.toString()) + (debug ? "" : " (run with --debug for the stack trace, and please report it)"));
        err.flush();
        return 3;
    }

    /**
     * Refuses an output path that cannot be written before any work is done: a directory, a FIFO,
     * a device, a symbolic link loop ({@link AtomicFiles}), or a path under an existing file.
     * Missing parent directories are fine where the writer creates them.
     */
    static void checkOutput(String option, Path file, boolean createsParents) {
        if (file == null) return;
        if (Files.isDirectory(file)) {
            throw new BackpropException(option + " " + file + ": is a directory; expected a file name");
        }
        try {
            AtomicFiles.checkTarget(file); // a FIFO, a device, a link loop: never replaced
        } catch (BackpropException e) {
            throw new BackpropException(option + " " + e.getMessage()
                    + (file.startsWith("/dev/") ? "; to write to standard output, leave out " + option : ""), e);
        }
        Path parent = file.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            if (!createsParents) throw new BackpropException(option + " " + file + ": no such directory " + parent);
            parent = parent.getParent();
        }
        if (parent != null && !Files.isDirectory(parent)) {
            throw new BackpropException(option + " " + file + ": " + parent + " is a file, not a directory");
        }
    }

    /** Whether an exception is about the input (exit status 2, one line), not a bug. */
    static boolean isUsage(Throwable t) {
        return t instanceof BackpropException || t instanceof java.io.IOException || t instanceof IllegalArgumentException
                || t instanceof java.io.UncheckedIOException;
    }

    /** The one line the command prints for an exception about the input: {@code backprop4j: FILE: line 3, column 5: ...}. */
    static String oneLine(Throwable t) {
        return "backprop4j: " + oneLine(message(t));
    }

    /**
     * A message as one line of plain text: a line break or another control character from the
     * input it quotes (a YAML block scalar, a NUL in a CSV field, a terminal escape) is written as
     * an escape ({@code \n}, {@code \u0000}) rather than sent to the terminal.
     */
    static String oneLine(String message) {
        StringBuilder sb = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            boolean control = c < 0x20 && c != '\t' || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (control && sb == null) sb = new StringBuilder(message.substring(0, i));
            if (sb == null) continue;
            if (!control) sb.append(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else sb.append(String.format("\\u%04x", (int) c));
        }
        return sb == null ? message : sb.toString();
    }

    private static String message(Throwable t) {
        if (t instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": no such file";
        if (t instanceof java.nio.file.AccessDeniedException n) return n.getFile() + ": permission denied";
        if (t instanceof java.io.UncheckedIOException u && u.getCause() != null) return message(u.getCause());
        String m = t.getMessage();
        return m == null ? t.toString() : m;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
