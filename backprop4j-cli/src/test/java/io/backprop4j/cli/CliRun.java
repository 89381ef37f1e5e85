package io.backprop4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command line with captured output, for tests. */
record CliRun(int status, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new CliRun(status, out.toString(), err.toString());
    }

    /** No stack trace: no "at pkg.Class(" frames, no exception class names. */
    boolean noStackTrace() {
        return !err.contains("\tat ") && !err.matches("(?s).*\\w+(Exception|Error):.*") && !err.contains("internal error");
    }
}
