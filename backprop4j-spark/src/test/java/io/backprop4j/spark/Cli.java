package io.backprop4j.spark;

import io.backprop4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command line (with this module on the class path) with captured output. */
record Cli(int status, String out, String err, double seconds) {
    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        long t0 = System.nanoTime();
        int status = cl.execute(args);
        return new Cli(status, out.toString(), err.toString(), (System.nanoTime() - t0) / 1e9);
    }

    /** The number on the line "test accuracy: 0.9852". */
    double testAccuracy() {
        var m = java.util.regex.Pattern.compile("test accuracy: ([0-9.]+)").matcher(out);
        if (!m.find()) throw new AssertionError("no test accuracy in:\n" + out + err);
        return Double.parseDouble(m.group(1));
    }
}
