package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code backprop4j serve [--port N] [SPEC...]}: a local page to work a training step in. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
            "Serves a page on 127.0.0.1 (this machine only) to work a training step in: pick exercise 6.1, a random "
                    + "network of a shape you choose, or one of the SPEC files named here; edit it and see the worked "
                    + "solution recomputed; type your own numbers into the fields and have each graded as you type.",
            "Only the files named here are ever read. Ctrl-C stops the server."
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8014", paramLabel = "N",
            description = "The port on 127.0.0.1 (default 8014; 0 picks a free one).")
    int port;

    @Parameters(arity = "0..*", paramLabel = "SPEC", description = "Spec files (YAML) the page may offer.")
    List<Path> specs = new ArrayList<>();

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 0 || port > 65535) throw new BackpropException("--port " + port + ": expected 0 to 65535");
        for (Path p : specs) {
            if (!Files.isRegularFile(p)) throw new BackpropException(p + ": " + (Files.isDirectory(p) ? "is a directory; expected a YAML file" : "no such file"));
        }
        Workbench w;
        try {
            w = Workbench.start(port, specs);
        } catch (BindException e) {
            throw new BackpropException("--port " + port + ": cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); is another serve running? try --port 0");
        }
        var out = command.commandLine().getOut();
        out.println("backprop4j serve: " + w.url() + " (Ctrl-C to stop)");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            w.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
