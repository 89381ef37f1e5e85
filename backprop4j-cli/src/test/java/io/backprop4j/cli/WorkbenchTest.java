package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** serve over HTTP, without a browser: what it answers, what it refuses, and the command line's messages. */
class WorkbenchTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(Workbench w, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(w.url() + path.substring(1))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(Workbench w, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(w.url() + path.substring(1))).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static final String RAGGED = "input: [1, 2]\ntarget: [1]\nlayers:\n  - weights: [[0.5], [0.1, 0.2]]\n    activation: sigmoid\nloss: mse\n";

    @Test
    void answersThePageTheSpecsAndGradings(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("ragged.yaml");
        Files.writeString(bad, RAGGED);
        try (Workbench w = Workbench.start(0, List.of(bad))) {
            assertTrue(w.url().startsWith("http://127.0.0.1:"), w.url());
            HttpResponse<String> page = get(w, "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<textarea id=\"spec-text\""));
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
            // the first file does not work out: its message, as the command line prints it, above exercise 6.1
            String cli = CliRun.of("explain", bad.toString()).err().strip();
            assertTrue(page.body().contains(">" + cli.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;") + "</p>"), cli);
            assertEquals(SpecYaml.readResource(ExplainCommand.SEED), get(w, "/spec?source=exercise").body());
            assertEquals(RAGGED, get(w, "/spec?source=file:0").body());
            HttpResponse<String> other = get(w, "/spec?source=file:1");
            assertEquals(422, other.statusCode());
            assertTrue(other.body().startsWith("backprop4j: no spec 'file:1'"), other.body());
            assertEquals(422, get(w, "/spec?source=/etc/passwd").statusCode(), "only the files named are read");
            HttpResponse<String> refused = post(w, "/page?name=" + bad, RAGGED);
            assertEquals(422, refused.statusCode());
            assertEquals(cli, refused.body().strip(), "a bad spec gets the command line's one line");
            HttpResponse<String> random = get(w, "/random?shape=3-2-2&seed=4&hidden=tanh&output=sigmoid&bias=true");
            assertEquals(200, random.statusCode());
            HttpResponse<String> worked = post(w, "/page?name=random", random.body());
            assertEquals(200, worked.statusCode(), worked.body());
            assertEquals(7, HtmlPageTest.count(worked.body(), " data-unit=\""));
            assertEquals(10, HtmlPageTest.count(worked.body(), " data-weight=\""));
            assertEquals(422, get(w, "/random?shape=3-99").statusCode());
            String spec = SpecYaml.readResource(ExplainCommand.SEED);
            String grading = post(w, "/grade", "{\"name\": \"seed\", \"spec\": " + json(spec) + ", \"answers\": "
                    + json("{\"loss\": 0.125269, \"layers\": [{\"net\": [-0.5, 1.5, 3.4]}]}") + "}").body();
            assertTrue(grading.contains("\"loss\": {\"correct\": true"), grading);
            assertTrue(grading.contains("\"layers[0].net[2]\": {\"correct\": false, \"truth\": \"3.3\""), grading);
            assertEquals(404, get(w, "/etc/passwd").statusCode());
            assertEquals(405, get(w, "/page").statusCode());
        }
    }

    @Test
    void refusesLargeBodiesOtherHostsAndOtherSites() throws Exception {
        try (Workbench w = Workbench.start(0, List.of())) {
            HttpResponse<String> big = post(w, "/page", "a".repeat(Workbench.MAX_BODY + 1));
            assertEquals(413, big.statusCode());
            assertTrue(big.body().startsWith("backprop4j: the request is larger than 128 KiB"), big.body());
            // a page of another site reaching 127.0.0.1 through its own name (DNS rebinding)
            assertTrue(raw(w, "GET / HTTP/1.1\r\nHost: attacker.example:" + w.port() + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 403"));
            String body = "input: [1]";
            assertTrue(raw(w, "POST /page HTTP/1.1\r\nHost: 127.0.0.1:" + w.port() + "\r\nOrigin: http://attacker.example\r\nContent-Length: "
                    + body.length() + "\r\nConnection: close\r\n\r\n" + body).startsWith("HTTP/1.1 403"));
            assertTrue(raw(w, "GET / HTTP/1.1\r\nHost: localhost:" + w.port() + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200"));
        }
    }

    /** One request written by hand (the JDK's client will not send another Host). */
    private static String raw(Workbench w, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", w.port())) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Test
    void aRandomConvolutionalNetworkIsWorkedAndItsNestedNumbersGraded() throws Exception {
        try (Workbench w = Workbench.start(0, List.of())) {
            HttpResponse<String> random = get(w, "/random?kind=conv&image=2x5x4&filters=3&kernel=2&pool=avg&outputs=3&hidden=tanh&output=sigmoid&bias=true&seed=7");
            assertEquals(200, random.statusCode(), random.body());
            assertEquals(random.body(), get(w, "/random?kind=conv&image=2x5x4&filters=3&kernel=2&pool=avg&outputs=3&hidden=tanh&output=sigmoid&bias=true&seed=7").body(),
                    "the same seed, the same spec");
            HttpResponse<String> worked = post(w, "/page?name=random", random.body());
            assertEquals(200, worked.statusCode(), worked.body());
            // 2 x 5 x 4 in; conv 3 filters 2 x 2 x 2: 3 x 4 x 3; avg pool 2 x 2 at stride 1: 3 x 3 x 2; flatten 18; dense 3
            assertEquals(40 + 36 + 18 + 18 + 3, HtmlPageTest.count(worked.body(), " data-unit=\""));
            assertEquals(3 * 2 * 2 * 2 + 18 * 3, HtmlPageTest.count(worked.body(), " data-weight=\""));
            assertEquals(18, HtmlPageTest.count(worked.body(), " data-pool=\""));
            assertTrue(worked.body().contains("data-path=\"layers[0].net[2][3][1]\""), "a field per feature-map number");
            // the numbers as the page sends them: nested as their paths, blanks null
            Path spec = Files.createTempFile("conv", ".yaml");
            Files.writeString(spec, random.body());
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> truth = (java.util.Map<String, Object>) Json.parse(CliRun.of("explain", spec.toString(), "--format", "json").out(), "truth");
            Files.delete(spec);
            @SuppressWarnings("unchecked")
            List<Object> net = (List<Object>) ((List<java.util.Map<String, Object>>) truth.get("layers")).get(0).get("net");
            double right = ((Number) HtmlPageTest.flat(net).get(0)).doubleValue();
            String typed = "[" + String.join(", ", java.util.Collections.nCopies(3, "[" + String.join(", ", java.util.Collections.nCopies(4, "[null, null, null]")) + "]")) + "]";
            typed = typed.replaceFirst("\\[null, null, null\\]", "[" + HtmlPageTest.six(right) + ", 0.5, null]");
            String grading = post(w, "/grade", "{\"name\": \"random\", \"spec\": " + json(random.body()) + ", \"answers\": "
                    + json("{\"layers\": [{\"net\": " + typed + "}]}") + "}").body();
            assertTrue(grading.contains("\"layers[0].net[0][0][0]\": {\"correct\": true"), grading);
            assertTrue(grading.contains("\"layers[0].net[0][0][1]\": {\"correct\": false"), grading);
            assertTrue(grading.contains("2 numbers: 1 correct, 1 wrong"), grading);
            HttpResponse<String> bad = get(w, "/random?kind=conv&image=1x3x3&kernel=3&pool=max");
            assertEquals(422, bad.statusCode());
            assertTrue(bad.body().startsWith("backprop4j: kernel 3 leaves a 1 x 1 map"), bad.body());
            assertEquals(422, get(w, "/random?kind=conv&image=1x9x4").statusCode());
        }
    }

    @Test
    void badCommandLines(@TempDir Path dir) {
        CliRun port = CliRun.of("serve", "--port", "70000");
        assertEquals(2, port.status());
        assertEquals("backprop4j: --port 70000: expected 0 to 65535\n", port.err());
        CliRun missing = CliRun.of("serve", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().endsWith("nope.yaml: no such file\n"), missing.err());
        assertTrue(missing.noStackTrace());
        CliRun help = CliRun.of("serve", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("127.0.0.1"), help.out());
    }
}
