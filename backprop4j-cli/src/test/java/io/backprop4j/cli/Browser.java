package io.backprop4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Headless Chromium through chromedriver, for the tests of the HTML pages: started with a fresh
 * profile and nothing that reaches the network (the test machines have none).
 */
final class Browser implements AutoCloseable {
    private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    private static String find(String env, List<String> candidates) {
        String e = System.getenv(env);
        if (e != null && !e.isBlank()) return Files.isExecutable(Path.of(e)) ? e : null;
        for (String c : candidates) if (Files.isExecutable(Path.of(c))) return c;
        return null;
    }

    private static String where(String env, List<String> candidates) {
        String e = System.getenv(env);
        return e != null && !e.isBlank() ? env + "=" + e + " is not executable" : "looked for " + String.join(", ", candidates);
    }

    /** Why the browser tests cannot run here, or null when they can. */
    static String missing() {
        String c = find("BACKPROP4J_CHROMIUM", CHROMIUM);
        String d = find("BACKPROP4J_CHROMEDRIVER", DRIVER);
        if (c != null && d != null) return null;
        return "no " + (c == null ? "Chromium (" + where("BACKPROP4J_CHROMIUM", CHROMIUM) + ")" : "")
                + (c == null && d == null ? " and no " : "") + (d == null ? "chromedriver (" + where("BACKPROP4J_CHROMEDRIVER", DRIVER) + ")" : "")
                + ": the browser tests are skipped; apt-get install chromium chromium-driver (.ci/run installs them), "
                + "or set BACKPROP4J_CHROMIUM and BACKPROP4J_CHROMEDRIVER";
    }

    /** Starts Chromium headless, 1280 x 900 CSS pixels, with a fresh profile. */
    static Browser start() throws IOException {
        Path profile = Files.createTempDirectory("backprop4j-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(find("BACKPROP4J_CHROMIUM", CHROMIUM));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-default-apps", "--user-data-dir=" + profile, "--window-size=1280,900", "--force-device-scale-factor=1",
                "--hide-scrollbars", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(find("BACKPROP4J_CHROMEDRIVER", DRIVER))).usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return new Browser(d, profile);
    }

    @SuppressWarnings("unchecked")
    <T> T js(String script, Object... args) {
        return (T) ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The console messages at level error (and uncaught exceptions) since the last call. */
    List<String> consoleErrors() {
        List<String> out = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) out.add(e.getMessage());
        }
        return out;
    }

    /** Waits up to 10 s for a condition. */
    void waitFor(String what, BooleanSupplier ok) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** A screenshot of the viewport into a PNG file. */
    void screenshot(Path file) throws IOException {
        Number y = js("return window.scrollY;");
        screenshot(file, y.doubleValue(), 0);
    }

    /**
     * A screenshot of the page from {@code y} (CSS pixels from the top of the document), {@code height}
     * pixels tall (0: the viewport's height; at most the page's), into a PNG file.
     */
    void screenshot(Path file, double y, int height) throws IOException {
        Files.createDirectories(file.getParent());
        Number page = js("return document.documentElement.scrollHeight;");
        Number view = js("return window.innerHeight;");
        int h = (int) Math.min(height > 0 ? height : view.intValue(), page.doubleValue() - y);
        Map<String, Object> args = Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", y, "width", 1280, "height", h, "scale", 1));
        Map<String, Object> r = driver.executeCdpCommand("Page.captureScreenshot", args);
        Files.write(file, Base64.getDecoder().decode((String) r.get("data")));
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary profile left behind is harmless
            }
        }
    }
}
