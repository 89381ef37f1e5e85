package io.backprop4j.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.backprop4j.BackpropException;
import io.backprop4j.explain.Answers;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.HtmlRenderer;
import io.backprop4j.explain.SpecException;
import io.backprop4j.explain.StepSolution;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The local web page of {@code backprop4j serve}: a spec editor over the workbench page of
 * {@link HtmlRenderer#workbench}, on 127.0.0.1 only.
 *
 * <ul>
 *   <li>{@code GET /}: the page, with the first spec (the first file named, else exercise 6.1);
 *   <li>{@code GET /spec?source=exercise|file:N}: the text of exercise 6.1 or of the N-th file
 *       named on the command line (read when asked, so that edits on disk show); no other file
 *       is ever read;
 *   <li>{@code GET /random?shape=4-3-2&hidden=relu&output=softmax&bias=false&seed=1}: a random spec;
 *       {@code GET /random?kind=conv&image=1x4x4&filters=2&kernel=2&pool=max&outputs=2&...}: a random
 *       convolutional one ({@link RandomSpec#convYaml});
 *   <li>{@code POST /page?name=NAME}, the spec's text as the body: the page's content, worked out;
 *   <li>{@code POST /grade}, a JSON body {@code {"name", "spec", "answers"}}: the grading of the
 *       answers ({@link HtmlRenderer#grading}).
 * </ul>
 *
 * Bodies over {@link #MAX_BODY} bytes are refused (413); a request whose Host is not this server's
 * own address (another site's page reaching it through DNS) is refused (403), as is a POST from a
 * page of another origin. A spec or answers that cannot be used is answered 422 with the one line
 * the command line prints for it ({@code backprop4j: spec.yaml: line 3, column 5: ...}).
 */
final class Workbench implements AutoCloseable {
    /** The largest request body: specs worked by hand are a few kilobytes. */
    static final int MAX_BODY = 128 * 1024;

    private final HttpServer server;
    private final ExecutorService pool;
    private final List<Path> files;
    private final int port;

    private Workbench(HttpServer server, ExecutorService pool, List<Path> files) {
        this.server = server;
        this.pool = pool;
        this.files = List.copyOf(files);
        this.port = server.getAddress().getPort();
    }

    /** Starts serving on 127.0.0.1:{@code port} (0: any free port). */
    static Workbench start(int port, List<Path> files) throws IOException {
        // requests that hang are dropped (the JDK server reads these once)
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "60"));
        InetAddress loopback = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, port), 16);
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "backprop4j-serve");
            t.setDaemon(true);
            return t;
        });
        Workbench w = new Workbench(server, pool, files);
        server.createContext("/", w::handle);
        server.setExecutor(pool);
        server.start();
        return w;
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    // ------------------------------------------------------------------------------ requests

    /** A response: status, content type, body. */
    private record Reply(int status, String type, String body) {
        static Reply text(int status, String body) {
            return new Reply(status, "text/plain; charset=utf-8", body + "\n");
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        Reply reply;
        try {
            reply = route(ex);
        } catch (RuntimeException e) {
            reply = e instanceof TooLarge ? Reply.text(413, Main.oneLine(e))
                    : Main.isUsage(e) ? Reply.text(422, Main.oneLine(e))
                    : Reply.text(500, "backprop4j: internal error: " + e + " (please report it)");
        }
        send(ex, reply);
    }

    private Reply route(HttpExchange ex) throws IOException {
        if (!ownHost(ex.getRequestHeaders().getFirst("Host"))) return Reply.text(403, "backprop4j: this server answers only to 127.0.0.1:" + port);
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        boolean post = method.equals("POST");
        if (post) {
            String origin = ex.getRequestHeaders().getFirst("Origin");
            if (origin != null && !origin.equals("null") && !ownHost(origin.replaceFirst("^http://", ""))) {
                return Reply.text(403, "backprop4j: requests from other sites are refused");
            }
        }
        switch (path) {
            case "/" -> {
                if (!method.equals("GET") && !method.equals("HEAD")) return notAllowed("GET");
                return new Reply(200, "text/html; charset=utf-8", page());
            }
            case "/spec" -> {
                if (!method.equals("GET")) return notAllowed("GET");
                Source src = source(query.getOrDefault("source", "exercise"));
                return new Reply(200, "text/plain; charset=utf-8", src.text());
            }
            case "/random" -> {
                if (!method.equals("GET")) return notAllowed("GET");
                return new Reply(200, "text/plain; charset=utf-8", random(query));
            }
            case "/page" -> {
                if (!post) return notAllowed("POST");
                String body = body(ex);
                StepSolution s = ExplainCommand.solve(body, name(query.get("name")));
                return new Reply(200, "text/html; charset=utf-8", HtmlRenderer.workbenchMain(s));
            }
            case "/grade" -> {
                if (!post) return notAllowed("POST");
                return new Reply(200, "application/json; charset=utf-8", grade(body(ex)));
            }
            default -> {
                return Reply.text(404, "backprop4j: no such page: " + path);
            }
        }
    }

    private static Reply notAllowed(String allowed) {
        return Reply.text(405, "backprop4j: use " + allowed + " here");
    }

    /** Whether a Host header (or an origin without its scheme) names this server. */
    private boolean ownHost(String host) {
        return host != null && (host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port));
    }

    private static void send(HttpExchange ex, Reply r) throws IOException {
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        var h = ex.getResponseHeaders();
        h.set("Content-Type", r.type());
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(r.status(), head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    /** The request body as UTF-8, refused (413) beyond {@link #MAX_BODY} bytes. */
    private static String body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > MAX_BODY) throw new TooLarge();
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) throw new TooLarge();
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** A body over the limit; answered 413. */
    private static final class TooLarge extends BackpropException {
        TooLarge() {
            super("the request is larger than " + MAX_BODY / 1024 + " KiB; a spec worked by hand is a few kilobytes");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    private static String name(String n) {
        if (n == null || n.isBlank()) return "spec";
        return n.length() > 200 ? n.substring(0, 200) : n.replaceAll("[\\p{Cntrl}]", "");
    }

    // ------------------------------------------------------------------------------ content

    /** Where a spec comes from: its name in messages and its text. */
    private record Source(String key, String name, Path file) {
        String text() {
            return file == null ? SpecYaml.readResource(ExplainCommand.SEED) : SpecYaml.readText(file);
        }
    }

    private Source source(String key) {
        if (key.equals("exercise")) return new Source(key, ExplainCommand.SEED_NAME, null);
        if (key.matches("file:[0-9]{1,6}")) {
            int k = Integer.parseInt(key.substring(5));
            if (k < files.size()) return new Source(key, files.get(k).toString(), files.get(k));
        }
        throw new BackpropException("no spec '" + key + "': pick exercise 6.1, a random network or a file named on the command line");
    }

    private static String random(Map<String, String> q) {
        String seed = q.getOrDefault("seed", "1");
        if (!seed.matches("-?[0-9]{1,18}")) throw new BackpropException("seed '" + seed + "': expected a whole number");
        if ("conv".equals(q.get("kind"))) {
            return RandomSpec.convYaml(RandomSpec.image(q.getOrDefault("image", "1x4x4")), count(q, "filters", "2"), count(q, "kernel", "2"),
                    q.getOrDefault("pool", "max"), count(q, "outputs", "2"), q.getOrDefault("hidden", "relu"), q.getOrDefault("output", "softmax"),
                    "true".equals(q.get("bias")), Long.parseLong(seed));
        }
        int[] shape = RandomSpec.shape(q.getOrDefault("shape", "4-3-2"));
        return RandomSpec.yaml(shape, q.getOrDefault("hidden", "relu"), q.getOrDefault("output", "softmax"),
                "true".equals(q.get("bias")), Long.parseLong(seed));
    }

    /** A small whole number from the query. */
    private static int count(Map<String, String> q, String key, String otherwise) {
        String v = q.getOrDefault(key, otherwise).strip();
        if (!v.matches("[0-9]{1,3}")) throw new BackpropException(key + " '" + v + "': expected a whole number");
        return Integer.parseInt(v);
    }

    private String grade(String body) {
        Object parsed;
        try {
            parsed = new Load(LoadSettings.builder().setCodePointLimit(MAX_BODY).build()).loadFromString(body);
        } catch (RuntimeException e) {
            throw new BackpropException("the grading request is not valid JSON");
        }
        if (!(parsed instanceof Map<?, ?> m) || !(m.get("spec") instanceof String spec) || !(m.get("answers") instanceof String answers)) {
            throw new BackpropException("the grading request needs spec and answers");
        }
        String name = name(m.get("name") instanceof String n ? n : null);
        StepSolution s = ExplainCommand.solve(spec, name);
        SpecYaml.Read<Answers> read = SpecYaml.readAnswers(answers, "your numbers");
        Grader.Report report;
        try {
            report = Grader.grade(s, read.value());
        } catch (SpecException e) {
            throw read.locate(e);
        }
        return HtmlRenderer.grading(report);
    }

    private String page() {
        Source first = files.isEmpty() ? source("exercise") : source("file:0");
        String text = first.text();
        StepSolution s;
        String error = "";
        try {
            s = ExplainCommand.solve(text, first.name());
        } catch (RuntimeException e) {
            if (!Main.isUsage(e)) throw e;
            // a file that does not work out: say why, and show exercise 6.1 under it
            error = Main.oneLine(e);
            s = ExplainCommand.solve(null);
        }
        return HtmlRenderer.workbench(s, controls(first, text, error), SpecYaml.readResource("serve.js"));
    }

    private String controls(Source first, String text, String error) {
        StringBuilder sb = new StringBuilder();
        sb.append("<div class=\"bench\" role=\"region\" aria-label=\"The spec\"><form id=\"bench\" autocomplete=\"off\">\n")
                .append("<h1>backprop4j serve: work a training step by hand</h1>\n<div>\n")
                .append("<label for=\"source\">Spec</label><select id=\"source\" name=\"source\">\n");
        sb.append(option("exercise", "exercise 6.1", ExplainCommand.SEED_NAME, first.key()));
        for (int k = 0; k < files.size(); k++) sb.append(option("file:" + k, files.get(k).toString(), files.get(k).toString(), first.key()));
        sb.append(option("random", "a random network", "random network", first.key())).append("</select>\n");
        sb.append("<fieldset class=\"row random\" id=\"random\" hidden><legend>Random network</legend>")
                .append("<label>kind <select id=\"kind\"><option value=\"dense\">dense</option><option value=\"conv\">convolutional</option></select></label>")
                .append("<label class=\"dense-only\">shape <input id=\"shape\" value=\"4-3-2\" size=\"9\" pattern=\"[0-9]+(-[0-9]+)+\"></label>")
                .append("<label class=\"conv-only\" hidden>image <input id=\"image\" value=\"1x4x4\" size=\"6\" title=\"channels x height x width\"></label>")
                .append("<label class=\"conv-only\" hidden>filters <input id=\"filters\" type=\"number\" value=\"2\" min=\"1\" max=\"")
                .append(RandomSpec.MAX_FILTERS).append("\" style=\"width:4em\"></label>")
                .append("<label class=\"conv-only\" hidden>kernel <input id=\"kernel\" type=\"number\" value=\"2\" min=\"1\" max=\"")
                .append(RandomSpec.MAX_SIDE).append("\" style=\"width:4em\"></label>")
                .append("<label class=\"conv-only\" hidden>pool <select id=\"pool\"><option>max</option><option>avg</option><option>none</option></select></label>")
                .append("<label class=\"conv-only\" hidden>outputs <input id=\"outputs\" type=\"number\" value=\"2\" min=\"1\" max=\"")
                .append(RandomSpec.MAX_UNITS).append("\" style=\"width:4em\"></label>")
                .append("<label>hidden <select id=\"hidden\">").append(activations("relu")).append("</select></label>")
                .append("<label>output <select id=\"output\"><option>softmax</option><option>sigmoid</option><option>identity</option></select></label>")
                .append("<label><input type=\"checkbox\" id=\"bias\"> bias</label>")
                .append("<label>seed <input id=\"seed\" type=\"number\" value=\"1\" min=\"0\" style=\"width:6em\"></label>")
                .append("<button type=\"button\" id=\"new-random\">New</button></fieldset>\n")
                .append("<p class=\"row\"><button type=\"submit\" id=\"apply\">Recompute</button> <span>after editing the spec (Ctrl+Enter)</span></p>\n")
                .append("</div>\n<div><label for=\"spec-text\">The spec (YAML): input, target, layers, loss, learning_rate</label>")
                .append("<textarea id=\"spec-text\" spellcheck=\"false\" data-name=\"").append(esc(first.name())).append("\">")
                .append(esc(text)).append("</textarea></div>\n")
                .append("<p class=\"error\" id=\"error\" role=\"alert\">").append(esc(error)).append("</p>\n</form></div>");
        return sb.toString();
    }

    private static String option(String value, String label, String name, String selected) {
        return "<option value=\"" + esc(value) + "\" data-name=\"" + esc(name) + "\"" + (value.equals(selected) ? " selected" : "") + ">"
                + esc(label) + "</option>\n";
    }

    private static String activations(String selected) {
        StringBuilder sb = new StringBuilder();
        for (String a : io.backprop4j.explain.NetworkSpec.ACTIVATIONS) {
            if (a.equals("softmax")) continue;
            sb.append("<option").append(a.equals(selected) ? " selected" : "").append('>').append(a).append("</option>");
        }
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
