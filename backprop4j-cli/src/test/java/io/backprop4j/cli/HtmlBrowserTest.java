package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The HTML pages of explain and check, and the page of serve, in a real browser (headless
 * Chromium): no console errors, no raw TeX, one element per unit and weight, a weight's path lit up
 * exactly, the check page's marks, the keyboard, and serve recomputing an edited spec. A
 * screenshot of each page goes to target/screenshots/. Skipped, saying why, without Chromium.
 */
class HtmlBrowserTest {
    static final Path SHOTS = Path.of("target/screenshots");
    static Browser browser;
    static Path dir;

    /** Why there is no browser here, or null. */
    static String missing;

    @BeforeAll
    static void start() throws Exception {
        missing = Browser.missing();
        if (missing != null) {
            System.err.println("HtmlBrowserTest: " + missing);
            return;
        }
        dir = Files.createDirectories(Path.of("target/browser-test"));
        browser = Browser.start();
    }

    /** Each test is skipped, saying why, without Chromium. */
    @BeforeEach
    void needsTheBrowser() {
        Assumptions.assumeTrue(missing == null, missing);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
    }

    private static Path page(String name, String... args) throws Exception {
        Path out = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--format", "html", "--out", out.toString()));
        CliRun r = CliRun.of(a.toArray(String[]::new));
        assertTrue(r.status() == 0 || r.status() == 1, r.err());
        return out;
    }

    private static void open(Path file) {
        browser.consoleErrors(); // what earlier pages said is theirs
        browser.driver.get(file.toAbsolutePath().toUri().toString());
        browser.waitFor("the page script", () -> Boolean.TRUE.equals(browser.js("return !!window.backprop4j && document.readyState === 'complete';")));
        instantScrolling();
    }

    /** Scrolling without animation, so that a point computed for a click is still the point when the click lands. */
    private static void instantScrolling() {
        browser.js("const s = document.createElement('style'); s.textContent = 'html { scroll-behavior: auto !important; }'; document.head.appendChild(s);");
    }

    /** The checks every page passes: the script ran without errors, nothing fetched, every formula laid out as MathML, no TeX. */
    private static void healthy(String what) {
        assertEquals(List.of(), browser.consoleErrors(), what + ": console errors");
        // nothing fetched (serve's page talks to its own server only)
        List<String> fetched = browser.js("return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin + '/'));");
        assertEquals(List.of(), fetched, what + ": the page fetched something");
        String text = browser.js("return document.body.innerText;");
        var tex = java.util.regex.Pattern.compile("\\\\[a-zA-Z]+|[_^]\\{|\\$").matcher(text);
        assertFalse(tex.find(), what + ": raw TeX in the page: " + (tex.hitEnd() ? "" : text.substring(Math.max(0, tex.start() - 40), Math.min(text.length(), tex.end() + 40))));
        Boolean mathml = browser.js("return Array.from(document.querySelectorAll('math')).every(m => m instanceof MathMLElement);");
        assertTrue(mathml, what + ": math elements are MathML");
        Number flat = browser.js("""
                return Array.from(document.querySelectorAll('math')).filter(m => !m.closest('details:not([open]), [hidden]')
                    && m.getBoundingClientRect().height === 0).length;""");
        assertEquals(0, flat.intValue(), what + ": formulas laid out with no height");
    }

    private static int count(String css) {
        return browser.driver.findElements(By.cssSelector(css)).size();
    }

    // ------------------------------------------------------------------------------ explain

    @Test
    void explainPageOfExercise61() throws Exception {
        open(page("explain-6.1.html", "explain"));
        healthy("explain");
        assertEquals(9, count("[data-unit]"));
        assertEquals(18, count("[data-weight]"));
        assertTrue(count("math") >= 20, "typeset formulas: " + count("math"));
        assertEquals(4, count("section.step[id=forward], section.step[id=loss], section.step[id=backward], section.step[id=update]"));
        browser.screenshot(SHOTS.resolve("explain-6.1.png"));
        browser.screenshot(SHOTS.resolve("explain-6.1-full.png"), 0, 6000);
    }

    @Test
    @SuppressWarnings("unchecked")
    void clickingAWeightLightsUpExactlyItsPath() throws Exception {
        open(page("explain-6.1.html", "explain"));
        Map<String, Object> spec = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('spec').textContent;"), "spec");
        Map<String, Object> solution = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('solution').textContent;"), "solution");
        List<String> ids = browser.js("return Array.from(document.querySelectorAll('[data-weight]')).map(e => e.getAttribute('data-weight'));");
        assertEquals(18, ids.size());
        for (String id : ids) {
            click(id);
            assertEquals(expectedPath(spec, id), lit(), "weight " + id);
            // one round trip: whether the weight says it is pressed, and the panel's text
            List<String> state = browser.js("return [document.querySelector('[data-weight=\"' + arguments[0] + '\"]').getAttribute('aria-pressed'),"
                    + " document.getElementById('chain-panel').textContent];", id);
            assertEquals("true", state.get(0), id);
            // the panel works out this weight's gradient: its value is there
            int[] p = ints(id);
            List<Object> grads = (List<Object>) ((List<Map<String, Object>>) solution.get("layers")).get(p[0]).get("weights_grad");
            double g = ((Number) ((List<Object>) grads.get(p[1])).get(p[2])).doubleValue();
            String panel = state.get(1).replace('−', '-').replaceAll("\\s+", "");
            assertTrue(panel.contains("=" + six(g)), id + ": the panel shows " + six(g) + ": " + panel);
        }
        click("0,1,1");
        new Actions(browser.driver).moveToLocation(1, 1).perform(); // no weight under the pointer in the picture
        Number top = browser.js("return document.getElementById('network').getBoundingClientRect().top + window.scrollY - 8;");
        Number bottom = browser.js("const r = document.getElementById('chain-panel').getBoundingClientRect(); return r.bottom + window.scrollY + 8;");
        browser.screenshot(SHOTS.resolve("explain-6.1-path.png"), top.doubleValue(), bottom.intValue() - top.intValue());
        new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
        assertEquals(Set.of(), lit(), "Escape clears the path");
        healthy("explain after clicks");
    }

    /** Clicks weight "L,i,j" with the mouse at a point of its line that no other weight covers. */
    private static void click(String id) {
        List<Number> at = browser.js("""
                const g = document.querySelector('[data-weight="' + arguments[0] + '"]');
                g.scrollIntoView({block: 'center', behavior: 'instant'});
                const l = g.querySelector('line.wire');
                const r = l.getBoundingClientRect();
                const a = l.ownerSVGElement.createSVGPoint(), b = l.ownerSVGElement.createSVGPoint();
                a.x = l.x1.baseVal.value; a.y = l.y1.baseVal.value; b.x = l.x2.baseVal.value; b.y = l.y2.baseVal.value;
                const m = l.getScreenCTM(); const p = a.matrixTransform(m), q = b.matrixTransform(m);
                for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88]) {
                  const x = p.x + t * (q.x - p.x), y = p.y + t * (q.y - p.y);
                  const e = document.elementFromPoint(x, y);
                  if (e && e.closest('[data-weight]') === g) return [x, y];
                }
                return null;""", id);
        assertNotNull(at, "weight " + id + " has a point of its own to click");
        new Actions(browser.driver).moveToLocation(at.get(0).intValue(), at.get(1).intValue()).click().perform();
    }

    /** The units and weights lit up, as "u L,j" and "w L,i,j". */
    private static Set<String> lit() {
        List<String> on = browser.js("""
                return Array.from(document.querySelectorAll('svg.net .on-path')).filter(e => e.hasAttribute('data-unit') || e.hasAttribute('data-weight'))
                  .map(e => e.hasAttribute('data-unit') ? 'u ' + e.getAttribute('data-unit') : 'w ' + e.getAttribute('data-weight'));""");
        return new TreeSet<>(on);
    }

    /**
     * The chain-rule path of weight (L, i, j) by its definition: the weight, the unit it leaves, the
     * unit it enters (every unit of the layer when the layer is a softmax: its outputs are coupled),
     * and from there every weight leaving a unit on the path and every unit after it, to the loss.
     */
    @SuppressWarnings("unchecked")
    static Set<String> expectedPath(Map<String, Object> spec, String id) {
        List<Map<String, Object>> layers = (List<Map<String, Object>>) spec.get("layers");
        int[] p = ints(id);
        int l = p[0];
        Set<String> on = new TreeSet<>();
        on.add("w " + id);
        on.add("u " + (l == 0 ? "in," + p[1] : (l - 1) + "," + p[1]));
        Set<Integer> units = new HashSet<>();
        if ("softmax".equals(layers.get(l).get("activation"))) for (int k = 0; k < width(layers, l); k++) units.add(k);
        else units.add(p[2]);
        for (int k : units) on.add("u " + l + "," + k);
        for (int m = l + 1; m < layers.size(); m++) {
            for (int a : units) for (int b = 0; b < width(layers, m); b++) on.add("w " + m + "," + a + "," + b);
            units = new HashSet<>();
            for (int b = 0; b < width(layers, m); b++) {
                units.add(b);
                on.add("u " + m + "," + b);
            }
        }
        return on;
    }

    @SuppressWarnings("unchecked")
    private static int width(List<Map<String, Object>> layers, int l) {
        return ((List<Object>) ((List<Object>) layers.get(l).get("weights")).get(0)).size();
    }

    private static int[] ints(String id) {
        String[] s = id.split(",");
        int[] r = new int[s.length];
        for (int k = 0; k < s.length; k++) r[k] = Integer.parseInt(s[k]);
        return r;
    }

    /** Six significant digits, as the page prints numbers. */
    static String six(double v) {
        return HtmlPageTest.six(v);
    }

    @Test
    void keyboardReachesTheStepperAndTheWeightsAndTheDrawingHasTextAlternatives() throws Exception {
        open(page("explain-6.1.html", "explain"));
        browser.js("window.scrollTo({top: 0, behavior: 'instant'}); document.activeElement && document.activeElement.blur();");
        // Tab from the top: the stepper's Next button, then on to the first weight
        WebElement next = tabTo("button.next", 20);
        assertEquals("forward", browser.js("return document.querySelector('nav.stepper a[aria-current]').getAttribute('href').slice(1);"));
        next.sendKeys(Keys.ENTER);
        assertEquals("loss", browser.js("return document.querySelector('nav.stepper a[aria-current]').getAttribute('href').slice(1);"));
        WebElement first = tabTo("[data-weight]", 40);
        assertEquals("0,0,0", first.getAttribute("data-weight"));
        // the drawing is one Tab stop; the arrow keys move between its weights
        new Actions(browser.driver).sendKeys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform();
        WebElement edge = browser.driver.switchTo().activeElement();
        String id = edge.getAttribute("data-weight");
        assertEquals("0,0,2", id);
        new Actions(browser.driver).sendKeys(Keys.END).perform();
        assertEquals("1,2,1", browser.driver.switchTo().activeElement().getAttribute("data-weight"));
        new Actions(browser.driver).sendKeys(Keys.HOME).perform();
        new Actions(browser.driver).sendKeys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform();
        edge = browser.driver.switchTo().activeElement();
        edge.sendKeys(Keys.ENTER);
        assertTrue(lit().contains("w " + id), "Enter on a focused weight selects it: " + lit());
        edge.sendKeys(Keys.ESCAPE);
        assertEquals(Set.of(), lit());
        // text alternatives
        String title = browser.js("return document.getElementById(document.querySelector('svg.net').getAttribute('aria-labelledby')).textContent;");
        assertTrue(title.contains("4-3-2"), title);
        Number unlabelled = browser.js("return Array.from(document.querySelectorAll('[data-unit], [data-weight]')).filter(e => !(e.getAttribute('aria-label') || '').trim()).length;");
        assertEquals(0, unlabelled.intValue(), "every unit and weight has a text alternative");
        assertEquals(18, count("details.diagram-table tbody tr"), "the drawing as a table: a row per weight");
        assertFalse(browser.driver.findElement(By.cssSelector("figure.diagram figcaption")).getText().isBlank());
        healthy("keyboard");
    }

    /** Presses Tab until the focused element matches {@code css}. */
    private static WebElement tabTo(String css, int most) {
        for (int k = 0; k < most; k++) {
            new Actions(browser.driver).sendKeys(Keys.TAB).perform();
            Boolean at = browser.js("return !!(document.activeElement && document.activeElement.matches(arguments[0]));", css);
            if (at) return browser.driver.switchTo().activeElement();
        }
        throw new AssertionError("Tab did not reach " + css + " in " + most + " presses");
    }

    // ------------------------------------------------------------------------------ check

    @Test
    @SuppressWarnings("unchecked")
    void checkPageMarksExactlyTheWrongNumbersAndGroupsThemUnderTheirMistakes() throws Exception {
        Path spec = CheckCommandTest.seed(dir);
        Path answers = CheckCommandTest.seedAnswers(dir);
        open(page("check-6.1.html", "check", spec.toString(), answers.toString()));
        healthy("check");
        Map<String, Object> report = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('report').textContent;"), "report");
        Set<String> wrong = new TreeSet<>();
        Set<String> right = new TreeSet<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) report.get("entries")) {
            ((Boolean) e.get("correct") ? right : wrong).add((String) e.get("path"));
        }
        assertEquals(41, wrong.size());
        List<String> marked = browser.js("return Array.from(document.querySelectorAll('[data-correct=\"false\"]')).map(e => e.getAttribute('data-path'));");
        List<String> ok = browser.js("return Array.from(document.querySelectorAll('[data-correct=\"true\"]')).map(e => e.getAttribute('data-path'));");
        assertEquals(41, marked.size());
        assertEquals(wrong, new TreeSet<>(marked));
        assertEquals(right, new TreeSet<>(ok));
        Number bare = browser.js("""
                return Array.from(document.querySelectorAll('[data-correct="false"]')).filter(e => {
                  const c = e.closest('td'); return !c.querySelector('.truth').textContent.startsWith('true ') || !c.querySelector('.why').textContent.trim(); }).length;""");
        assertEquals(0, bare.intValue(), "each wrong number has its true value and its diagnosis beside it");
        String verdict = browser.driver.findElement(By.cssSelector("#summary .verdict-line")).getText();
        assertEquals("4 mistakes (6 numbers); 35 numbers carried over from them.", verdict);
        assertTrue(CliRun.of("check", spec.toString(), answers.toString()).out().contains(verdict), "the text says the same");
        assertEquals(4, count("ol.causes > li"));
        assertTrue(browser.driver.findElement(By.cssSelector("ol.causes > li")).getText().startsWith("FIRST MISTAKE layers[1].net_grad[0]"));
        browser.screenshot(SHOTS.resolve("check-6.1.png"));
        browser.js("document.querySelector('[data-quantity=\"layers[1].net_grad\"]').scrollIntoView({block: 'start', behavior: 'instant'}); window.scrollBy({top: -60, behavior: 'instant'});");
        browser.screenshot(SHOTS.resolve("check-6.1-numbers.png"));
    }

    // ------------------------------------------------------------------------------ fixtures

    @Test
    @SuppressWarnings("unchecked")
    void pagesOfFixtureNetworks() throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(ExplainFixtureTest.FIXTURE), "fixtures");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        for (int k = 1; k < cases.size(); k += 24) {
            Map<String, Object> c = cases.get(k);
            String name = (String) c.get("name");
            Path spec = dir.resolve(name + ".json");
            Files.writeString(spec, Json.write(c.get("spec")));
            open(page(name + ".html", "explain", spec.toString()));
            healthy(name);
            int[] shape = HtmlPageTest.shape((Map<String, Object>) c.get("spec"));
            assertEquals(HtmlPageTest.units(shape), count("[data-unit]"), name);
            assertEquals(HtmlPageTest.weights(shape), count("[data-weight]"), name);
            Map<String, Object> s = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('spec').textContent;"), "spec");
            String id = "0,0,0";
            click(id);
            assertEquals(expectedPath(s, id), lit(), name + ": weight " + id);
            Path answers = HtmlPageTest.misreadAnswers(dir, c, name);
            open(page(name + "-check.html", "check", spec.toString(), answers.toString()));
            healthy(name + " check");
            Map<String, Object> report = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('report').textContent;"), "report");
            long wrong = ((List<Map<String, Object>>) report.get("entries")).stream().filter(e -> !(Boolean) e.get("correct")).count();
            assertEquals(wrong, (long) count("[data-correct=\"false\"]"), name);
        }
    }

    // ------------------------------------------------------------------------------ networks with image layers

    /** Clicks the cell or kernel weight matching {@code css} in the middle of its square. */
    private static void clickCell(String css) {
        List<Number> at = browser.js("""
                const g = document.querySelector(arguments[0]);
                g.scrollIntoView({block: 'center', behavior: 'instant'});
                const r = g.querySelector('rect').getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                const e = document.elementFromPoint(x, y);
                return e && e.closest('[data-weight], [data-unit]') === g ? [x, y] : null;""", css);
        assertNotNull(at, css + " has a point of its own to click");
        new Actions(browser.driver).moveToLocation(at.get(0).intValue(), at.get(1).intValue()).click().perform();
    }

    /**
     * The cells kernel weight "L,o,c,u,v" lights up, by the definition of its gradient,
     * Σ_{i,j} ∂L/∂net_{o,i,j} · in_{c, i·s − p + u, j·s − p + v}: the weight, every input cell
     * (c, y, x) inside the input, and the ∂L/∂net cells (o, i, j) of those terms.
     */
    @SuppressWarnings("unchecked")
    static Set<String> expectedTaps(Map<String, Object> spec, String id) {
        int[] p = ints(id);
        Map<String, Object> layer = ((List<Map<String, Object>>) spec.get("layers")).get(p[0]);
        List<int[]> shapes = HtmlPageTest.convShapes(spec);
        int[] is = shapes.get(p[0]);
        int[] os = shapes.get(p[0] + 1);
        int s = ((Number) layer.getOrDefault("stride", 1)).intValue();
        int pad = ((Number) layer.getOrDefault("padding", 0)).intValue();
        String in = p[0] == 0 ? "in" : String.valueOf(p[0] - 1);
        Set<String> on = new TreeSet<>(Set.of("w " + id));
        for (int i = 0; i < os[1]; i++) {
            for (int j = 0; j < os[2]; j++) {
                int y = i * s - pad + p[3];
                int x = j * s - pad + p[4];
                if (y < 0 || y >= is[1] || x < 0 || x >= is[2]) continue;
                on.add("u " + in + "," + p[2] + "," + y + "," + x);
                on.add("u " + p[0] + "," + p[1] + "," + i + "," + j);
            }
        }
        return on;
    }

    /** weights_grad[o][c][u][v] of layer L from the solution's JSON. */
    @SuppressWarnings("unchecked")
    private static double kernelGrad(Map<String, Object> solution, int[] p) {
        Object at = ((List<Map<String, Object>>) solution.get("layers")).get(p[0]).get("weights_grad");
        for (int k = 1; k < p.length; k++) at = ((List<Object>) at).get(p[k]);
        return ((Number) at).doubleValue();
    }

    private static String panelText() {
        return browser.<String>js("return document.getElementById('chain-panel').textContent;").replace('−', '-').replaceAll("\\s+", "");
    }

    @Test
    @SuppressWarnings("unchecked")
    void convPageDrawsItsMapsAndAKernelWeightLightsUpExactlyItsCells() throws Exception {
        open(page("explain-conv.html", "explain", HtmlPageTest.CONV.toString()));
        healthy("explain conv");
        Map<String, Object> spec = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('spec').textContent;"), "spec");
        Map<String, Object> solution = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('solution').textContent;"), "solution");
        assertEquals(HtmlPageTest.convUnits(spec), count("[data-unit]"));
        assertEquals(HtmlPageTest.convWeights(spec), count("[data-weight]"));
        assertTrue(count("math") >= 20, "typeset formulas: " + count("math"));
        browser.js("document.getElementById('network').scrollIntoView({block: 'start', behavior: 'instant'});");
        browser.screenshot(SHOTS.resolve("explain-conv.png"));
        List<String> kernels = browser.js("return Array.from(document.querySelectorAll('.kcell')).map(e => e.getAttribute('data-weight'));");
        assertEquals(8, kernels.size());
        for (String id : kernels) {
            clickCell("[data-weight=\"" + id + "\"]");
            assertEquals(expectedTaps(spec, id), lit(), "kernel weight " + id);
            String panel = panelText();
            assertTrue(panel.contains("=" + six(kernelGrad(solution, ints(id)))), id + ": the panel works out " + six(kernelGrad(solution, ints(id))) + ": " + panel);
        }
        // the last one, selected, for the picture
        clickCell("[data-weight=\"0,1,0,1,0\"]");
        new Actions(browser.driver).moveToLocation(1, 1).perform();
        Number top = browser.js("return document.getElementById('network').getBoundingClientRect().top + window.scrollY - 8;");
        Number bottom = browser.js("const r = document.getElementById('chain-panel').getBoundingClientRect(); return r.bottom + window.scrollY + 8;");
        browser.screenshot(SHOTS.resolve("explain-conv-kernel.png"), top.doubleValue(), bottom.intValue() - top.intValue());
        // a max-pool cell: its window lights up, and the input that won it
        List<Object> out0 = HtmlPageTest.flat(((List<Map<String, Object>>) solution.get("layers")).get(0).get("output"));
        for (String cell : List.of("1,0,0,0", "1,1,1,1", "1,0,1,0")) {
            int[] p = ints(cell);
            clickCell("[data-unit=\"" + cell + "\"]");
            Set<String> window = new TreeSet<>();
            String best = null;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 2; b++) {
                    String key = "0," + p[1] + "," + (p[2] + a) + "," + (p[3] + b);
                    window.add("u " + key);
                    double v = ((Number) out0.get((p[1] * 3 + p[2] + a) * 3 + p[3] + b)).doubleValue();
                    if (v > bestV) {
                        bestV = v;
                        best = key;
                    }
                }
            }
            assertEquals(window, lit(), "pooling cell " + cell);
            assertEquals(List.of(best), browser.js("return Array.from(document.querySelectorAll('svg.net .winner')).map(e => e.getAttribute('data-unit'));"), cell);
            assertTrue(panelText().contains("=max("), panelText());
        }
        // a dense weight after the flatten: its chain-rule path, from the flatten's cell
        click("3,2,1");
        assertEquals(expectedPath(spec, "3,2,1"), lit(), "dense weight 3,2,1");
        assertTrue(panelText().contains("=" + six(((Number) ((List<Object>) ((List<Object>) ((List<Map<String, Object>>) solution.get("layers")).get(3)
                .get("weights_grad")).get(2)).get(1)).doubleValue())), panelText());
        new Actions(browser.driver).sendKeys(Keys.ESCAPE).perform();
        assertEquals(Set.of(), lit(), "Escape clears");
        // the gradients view: the conv's cells show ∂L/∂net, the kernels ∂L/∂w
        browser.driver.findElement(By.cssSelector("input[name=view][value=g]")).click();
        List<Object> netGrad = HtmlPageTest.flat(((List<Map<String, Object>>) solution.get("layers")).get(0).get("net_grad"));
        assertEquals(brief(((Number) netGrad.get(4)).doubleValue()), browser.js("return document.querySelector('[data-unit=\"0,0,1,1\"] .cv').textContent;"));
        assertEquals(brief(kernelGrad(solution, ints("0,1,0,0,1"))), browser.js("return document.querySelector('[data-weight=\"0,1,0,0,1\"] .cv').textContent;"));
        // the keyboard: one Tab stop for the drawing, the arrow keys between the kernel weights, pooling cells and dense weights
        browser.js("window.scrollTo({top: 0, behavior: 'instant'}); document.activeElement && document.activeElement.blur();");
        WebElement first = tabTo("[data-weight], [data-pool]", 40);
        assertEquals("0,0,0,0,0", first.getAttribute("data-weight"));
        new Actions(browser.driver).sendKeys(Keys.ARROW_RIGHT).perform();
        WebElement next = browser.driver.switchTo().activeElement();
        assertEquals("0,0,0,0,1", next.getAttribute("data-weight"));
        next.sendKeys(Keys.ENTER);
        assertEquals(expectedTaps(spec, "0,0,0,0,1"), lit());
        next.sendKeys(Keys.ESCAPE);
        assertEquals(Set.of(), lit());
        Number unlabelled = browser.js("return Array.from(document.querySelectorAll('[data-unit], [data-weight]')).filter(e => !(e.getAttribute('aria-label') || '').trim()).length;");
        assertEquals(0, unlabelled.intValue(), "every cell, unit and weight has a text alternative");
        assertEquals(HtmlPageTest.convWeights(spec), count("details.diagram-table tbody tr"), "the drawing as a table: a row per weight");
        healthy("explain conv after clicks");
    }

    /** Three significant digits, as a cell shows a number. */
    static String brief(double v) {
        if (v == 0) return "0";
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3, java.math.RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString();
    }

    @Test
    @SuppressWarnings("unchecked")
    void convCheckPageMarksExactlyTheWrongNumbersAndOutlinesTheirCells() throws Exception {
        open(page("check-conv.html", "check", HtmlPageTest.CONV.toString(), HtmlPageTest.CONV_ANSWERS.toString()));
        healthy("check conv");
        Map<String, Object> report = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('report').textContent;"), "report");
        Set<String> wrong = new TreeSet<>();
        Set<String> right = new TreeSet<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) report.get("entries")) ((Boolean) e.get("correct") ? right : wrong).add((String) e.get("path"));
        List<String> marked = browser.js("return Array.from(document.querySelectorAll('[data-correct=\"false\"]')).map(e => e.getAttribute('data-path'));");
        List<String> ok = browser.js("return Array.from(document.querySelectorAll('[data-correct=\"true\"]')).map(e => e.getAttribute('data-path'));");
        assertEquals(wrong.size(), marked.size(), "each wrong number marked once");
        assertEquals(wrong, new TreeSet<>(marked));
        assertEquals(right, new TreeSet<>(ok));
        Set<String> keys = new TreeSet<>();
        for (String p : wrong) if (HtmlPageTest.drawingKey(p, false) != null) keys.add(HtmlPageTest.drawingKey(p, false));
        List<String> outlined = browser.js("return Array.from(document.querySelectorAll('svg.net .wrong')).map(e => e.getAttribute('data-unit') || e.getAttribute('data-weight'));");
        assertEquals(keys, new TreeSet<>(outlined), "the drawing outlines exactly the cells and kernel weights of the wrong numbers");
        browser.js("document.getElementById('network').scrollIntoView({block: 'start', behavior: 'instant'});");
        browser.screenshot(SHOTS.resolve("check-conv.png"));
        browser.js("window.scrollTo({top: 0, behavior: 'instant'});");
        browser.screenshot(SHOTS.resolve("check-conv-summary.png"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void pagesOfConvFixtureNetworks() throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(ExplainConvFixtureTest.FIXTURE), "fixtures");
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        for (int k = 2; k < cases.size(); k += 20) {
            Map<String, Object> c = cases.get(k);
            String name = ((String) c.get("name")).replace('/', '_');
            Path spec = dir.resolve(name + ".json");
            Files.writeString(spec, Json.write(c.get("spec")));
            open(page(name + ".html", "explain", spec.toString()));
            healthy(name);
            Map<String, Object> s = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('spec').textContent;"), "spec");
            assertEquals(HtmlPageTest.convUnits(s), count("[data-unit]"), name);
            assertEquals(HtmlPageTest.convWeights(s), count("[data-weight]"), name);
            String last = browser.js("const k = document.querySelectorAll('.kcell'); return k[k.length - 1].getAttribute('data-weight');");
            for (String id : List.of("0,0,0,0,0", last)) {
                clickCell("[data-weight=\"" + id + "\"]");
                assertEquals(expectedTaps(s, id), lit(), name + ": kernel weight " + id);
            }
            Path answers = HtmlPageTest.convMisreadAnswers(dir, c, name);
            open(page(name + "-check.html", "check", spec.toString(), answers.toString()));
            healthy(name + " check");
            Map<String, Object> report = (Map<String, Object>) Json.parse(browser.<String>js("return document.getElementById('report').textContent;"), "report");
            long wrong = ((List<Map<String, Object>>) report.get("entries")).stream().filter(e -> !(Boolean) e.get("correct")).count();
            assertTrue(wrong > 0, name);
            assertEquals(wrong, (long) count("[data-correct=\"false\"]"), name);
        }
    }

    // ------------------------------------------------------------------------------ serve

    @Test
    @SuppressWarnings("unchecked")
    void serveRecomputesAnEditedSpecAndGradesTypedNumbers() throws Exception {
        Path bad = dir.resolve("ragged.yaml");
        Files.writeString(bad, "input: [1, 2]\ntarget: [1]\nlayers:\n  - weights: [[0.5], [0.1, 0.2]]\n    activation: sigmoid\nloss: mse\n");
        try (Workbench w = Workbench.start(0, List.of(CheckCommandTest.seed(dir), bad))) {
            browser.consoleErrors();
            browser.driver.get(w.url());
            browser.waitFor("the page", () -> Boolean.TRUE.equals(browser.js("return !!window.backprop4jServe;")));
            instantScrolling();
            assertEquals(9, count("[data-unit]"));
            healthy("serve");
            // edit the spec: a 2-2-1 network
            String edited = """
                    input: [1, -2]
                    target: [1]
                    layers:
                      - weights: [[0.5, -0.3], [0.2, 0.4]]
                        activation: tanh
                      - weights: [[0.7], [-0.6]]
                        activation: sigmoid
                    loss: binary_cross_entropy
                    learning_rate: 0.5
                    """;
            WebElement text = browser.driver.findElement(By.id("spec-text"));
            browser.js("arguments[0].value = arguments[1];", text, edited);
            browser.driver.findElement(By.id("apply")).click();
            browser.waitFor("the recomputed page", () -> count("[data-unit]") == 5);
            assertEquals(6, count("[data-weight]"));
            Path specFile = dir.resolve("edited.yaml");
            Files.writeString(specFile, edited);
            Map<String, Object> truth = (Map<String, Object>) Json.parse(CliRun.of("explain", specFile.toString(), "--format", "json").out(), "truth");
            List<Object> net0 = (List<Object>) ((List<Map<String, Object>>) truth.get("layers")).get(0).get("net");
            String shown = browser.driver.findElement(By.cssSelector("[data-unit=\"0,0\"] .net")).getText();
            assertEquals("net " + six(((Number) net0.get(0)).doubleValue()), shown);
            // type one right and one wrong number
            browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[0]\"]")).sendKeys(six(((Number) net0.get(0)).doubleValue()));
            browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[1]\"]")).sendKeys("0.11");
            browser.waitFor("the grading", () -> count("input[data-correct]") == 2);
            assertEquals("true", browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[0]\"]")).getAttribute("data-correct"));
            assertEquals("false", browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[1]\"]")).getAttribute("data-correct"));
            assertTrue(browser.driver.findElement(By.id("summary")).getText().contains("2 numbers: 1 correct, 1 wrong"));
            healthy("serve, graded");
            browser.js("window.scrollTo({top: 0, behavior: 'instant'});");
            browser.screenshot(SHOTS.resolve("serve.png"), 0, 1250);
            browser.js("document.querySelector('[data-quantity=\"layers[0].net\"]').scrollIntoView({block: 'center', behavior: 'instant'});");
            browser.screenshot(SHOTS.resolve("serve-fields.png"));
            // a random convolutional network: its drawing, and a feature-map number typed and graded
            browser.js("const s = document.getElementById('source'); s.value = 'random'; s.dispatchEvent(new Event('change'));");
            browser.waitFor("the random 4-3-2 network", () -> count("[data-unit]") == 9);
            browser.js("const k = document.getElementById('kind'); k.value = 'conv'; k.dispatchEvent(new Event('change'));");
            browser.waitFor("the convolutional network", () -> count(".kcell") == 8);
            assertEquals(16 + 18 + 8 + 8 + 2, count("[data-unit]"));
            healthy("serve, conv");
            Path convFile = dir.resolve("random-conv.yaml");
            Files.writeString(convFile, browser.<String>js("return document.getElementById('spec-text').value;"));
            Map<String, Object> convTruth = (Map<String, Object>) Json.parse(CliRun.of("explain", convFile.toString(), "--format", "json").out(), "truth");
            List<Object> convNet = HtmlPageTest.flat(((List<Map<String, Object>>) convTruth.get("layers")).get(0).get("net"));
            browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[0][0][0]\"]")).sendKeys(six(((Number) convNet.get(0)).doubleValue()));
            browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[1][2][2]\"]")).sendKeys("12.5");
            browser.waitFor("the conv grading", () -> count("input[data-correct]") == 2);
            assertEquals("true", browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[0][0][0]\"]")).getAttribute("data-correct"));
            assertEquals("false", browser.driver.findElement(By.cssSelector("input[data-path=\"layers[0].net[1][2][2]\"]")).getAttribute("data-correct"));
            browser.js("window.scrollTo({top: 0, behavior: 'instant'});");
            browser.screenshot(SHOTS.resolve("serve-conv.png"), 0, 1250);
            // a bad spec: the command line's one-line message
            browser.js("const s = document.getElementById('source'); s.value = 'file:1'; s.dispatchEvent(new Event('change'));");
            String cli = CliRun.of("explain", bad.toString()).err().strip();
            browser.waitFor("the error", () -> !browser.driver.findElement(By.id("error")).getText().isBlank());
            assertEquals(cli, browser.driver.findElement(By.id("error")).getText());
            assertEquals(52, count("[data-unit]"), "the page stays as it was");
        }
    }
}
