package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
    static Path seed(Path dir) throws Exception {
        Path p = dir.resolve("seed-6.1.yaml");
        Files.writeString(p, SpecYaml.readResource(ExplainCommand.SEED));
        return p;
    }

    static Path seedAnswers(Path dir) throws Exception {
        Path p = dir.resolve("seed-6.1-answers.yaml");
        try (var in = CheckCommandTest.class.getResourceAsStream("seed-6.1-answers.yaml")) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void seedAnswersForwardPassAcceptedEveryWrongNumberFound(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("check", seed(dir).toString(), seedAnswers(dir).toString(), "--format", "json");
        assertEquals(1, r.status(), r.err());
        Map<String, Object> root = (Map<String, Object>) Json.parse(r.out(), "out");
        List<Map<String, Object>> entries = (List<Map<String, Object>>) root.get("entries");
        for (Map<String, Object> e : entries) {
            String path = (String) e.get("path");
            boolean correct = (Boolean) e.get("correct");
            boolean forward = path.matches("layers\\[\\d]\\.(net|output)\\[.*");
            // The engine's loss is −(1/2)[ln(1 − 0.117741) + ln(0.882259)] = 0.125269: the hand value is right.
            boolean expectCorrect = forward || path.equals("loss") || path.startsWith("layers[1].output_grad");
            assertEquals(expectCorrect, correct, path + " " + e);
            if (!correct) assertNotNull(e.get("kind"), "every wrong number of the seed is diagnosed: " + e);
        }
        Map<String, Object> first = (Map<String, Object>) root.get("first_mistake");
        assertEquals("layers[1].net_grad[0]", first.get("path"));
        assertEquals("missing_coupling", first.get("kind"));
        assertEquals(41, ((Map<String, Object>) root.get("summary")).get("wrong"));
        Map<String, String> kinds = new java.util.HashMap<>();
        for (Map<String, Object> e : entries) kinds.put((String) e.get("path"), (String) e.get("kind"));
        assertEquals("sign_flipped", kinds.get("layers[1].weights_grad[0][0]"));
        assertEquals("carried_over", kinds.get("layers[1].weights_grad[1][0]"));
        assertEquals("carried_over", kinds.get("layers[0].output_grad[0]"));
        assertEquals("carried_over", kinds.get("layers[0].weights_updated[0][1]"));
        assertEquals("digit_slip", kinds.get("layers[0].weights_updated[0][0]"));
    }

    @Test
    void textReportHasMarksAndTheFirstMistakeFirst(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("check", seed(dir).toString(), seedAnswers(dir).toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.out().contains("-0.5 ✓"), r.out());
        assertTrue(r.out().contains("0.058871 ✗"), r.out());
        assertTrue(r.out().contains("1. FIRST MISTAKE layers[1].net_grad[0]"), r.out());
        assertTrue(r.out().contains("softmax coupling"), r.out());
    }

    /** Issue 15: every table shows the true value under each wrong number, in a "true" row under its row. */
    @Test
    void everyTableShowsTheTrueValueUnderEachWrongNumber(@TempDir Path dir) throws Exception {
        CliRun text = CliRun.of("check", seed(dir).toString(), seedAnswers(dir).toString());
        assertTrue(text.out().contains("""
                layers[1].weights_grad (inputs x units)
                          [0]           [1]
                    ────  ────────────  ───────────
                    [0]   0.000294 ✗    -0.000294 ✗
                    true  -0.000588704  0.000588704
                    [1]   0.088306 ✗    -0.088306 ✗
                    true  0.176611      -0.176611
                    [2]   0.194273 ✗    -0.194273 ✗
                    true  0.388545      -0.388545
                """), text.out());
        // The README's one-row table is as it was.
        assertTrue(text.out().contains("""
                layers[1].net_grad
                          [0]         [1]
                    ────  ──────────  ───────────
                          0.058871 ✗  -0.058871 ✗
                    true  0.117741    -0.117741
                """), text.out());

        // And for every wrong number of the report: the line under its row is a "true" row holding,
        // in the number's column, its true value; rows without a wrong number have none.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(
                CliRun.of("check", seed(dir).toString(), seedAnswers(dir).toString(), "--format", "json").out(), "out")).get("entries");
        List<String> lines = text.out().lines().toList();
        int checked = 0;
        for (Map<String, Object> e : entries) {
            String path = (String) e.get("path");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.*?)((?:\\[\\d+])*)").matcher(path);
            assertTrue(m.matches(), path);
            String quantity = m.group(1);
            List<Integer> idx = java.util.regex.Pattern.compile("\\d+").matcher(m.group(2)).results()
                    .map(r -> Integer.parseInt(r.group())).toList();
            int head = lines.indexOf(lines.stream().filter(l -> l.equals(quantity) || l.startsWith(quantity + " (")).findFirst().orElseThrow());
            String header = lines.get(head + 1);
            int col = idx.isEmpty() ? 0 : idx.getLast();
            int start = header.indexOf(quantity.equals("loss") ? "given" : "[" + col + "]");
            int end = header.indexOf("  [", start) < 0 ? Integer.MAX_VALUE : header.indexOf("  [", start) + 2;
            int row = head + 3 + (idx.size() == 2 ? idx.getFirst() : 0);
            while (idx.size() == 2 && !lines.get(row).strip().startsWith("[" + idx.getFirst() + "]")) row++;
            String under = row + 1 < lines.size() ? lines.get(row + 1) : "";
            if ((Boolean) e.get("correct")) continue;
            assertTrue(under.startsWith("    true  "), path + ": no true row under\n" + lines.get(row));
            String cell = under.substring(start, Math.min(end, under.length())).strip();
            double expected = ((Number) e.get("expected")).doubleValue();
            assertEquals(expected, Double.parseDouble(cell), 1e-5 * Math.abs(expected) + 1e-12, path + ": " + under);
            checked++;
        }
        assertEquals(41, checked);
    }

    @Test
    void allCorrectExitsZero(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.yaml");
        Files.writeString(a, """
                loss: 0.1253
                layers:
                  - net: [-0.5, 1.5, 3.3]
                    weights_updated: [[-0.200283, 0.93179, 0.407064], [-0.1000942, 0.310597, 0.402355],
                                      [0.2000942, 0.489403, -0.702355], [0.199812, -0.478807, 0.50471]]
                  - net_grad: [0.1177, -0.1177]
                """);
        CliRun r = CliRun.of("check", seed(dir).toString(), a.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("No mistakes found."), r.out());
    }

    @Test
    void anUpdateWhoseStepHasTooFewDigitsIsNotEnough(@TempDir Path dir) throws Exception {
        // w = 0.2 − 0.1·0.000941927 = 0.2000941927: 0.200094 implies a step of 0.000094, two digits of the gradient
        Path a = dir.resolve("a.yaml");
        Files.writeString(a, """
                layers:
                  - weights_updated: [[null, null, null], [null, null, null], [0.200094, null, null], [null, null, null]]
                """);
        CliRun r = CliRun.of("check", seed(dir).toString(), a.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("layers[0].weights_updated[2][0]: 0.200094, true 0.200094 (a step of -0.00094·η where the "
                + "gradient is -0.000941927): not enough digits: the step old − new it implies has 2 significant digits"), r.out());
    }

    static Path tooFewDigits(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        try (var in = CheckCommandTest.class.getResourceAsStream("check-too-few-digits/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void zerosForTheSoftmaxOutputsAreNotEnoughDigits(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("check", seed(dir).toString(), tooFewDigits(dir, "softmax-zeros.yaml").toString(), "--format", "json");
        assertEquals(1, r.status(), r.out() + r.err());
        Map<String, Object> root = (Map<String, Object>) Json.parse(r.out(), "out");
        List<Map<String, Object>> entries = (List<Map<String, Object>>) root.get("entries");
        assertEquals(2, entries.size());
        for (Map<String, Object> e : entries) {
            assertEquals(false, e.get("correct"), e.toString());
            assertEquals("not_enough_digits", e.get("kind"), e.toString());
        }
        CliRun text = CliRun.of("check", seed(dir).toString(), tooFewDigits(dir, "softmax-zeros.yaml").toString());
        assertTrue(text.out().contains("0 ✗"), text.out());
        assertTrue(text.out().contains("is marked not enough digits, and is not correct."), text.out());
        assertTrue(text.out().contains("layers[1].output[0]: 0, true 0.117741: not enough digits: written with 0 significant digits, "
                + "3 needed to judge it at the relative tolerance 0.001"), text.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aHugeNegativeExponentIsNotTheLoss(@TempDir Path dir) throws Exception {
        CliRun r = CliRun.of("check", seed(dir).toString(), tooFewDigits(dir, "loss-huge-exponent.yaml").toString(), "--format", "json");
        assertEquals(1, r.status(), r.out() + r.err());
        Map<String, Object> root = (Map<String, Object>) Json.parse(r.out(), "out");
        Map<String, Object> loss = ((List<Map<String, Object>>) root.get("entries")).get(0);
        assertEquals("loss", loss.get("path"));
        assertEquals(false, loss.get("correct"), loss.toString());
    }

    @Test
    void toleranceOptionIsUsed(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.yaml");
        Files.writeString(a, "loss: 0.1262438\n");
        assertEquals(1, CliRun.of("check", seed(dir).toString(), a.toString()).status());
        assertEquals(0, CliRun.of("check", seed(dir).toString(), a.toString(), "--tolerance", "0.01").status());
        CliRun bad = CliRun.of("check", seed(dir).toString(), a.toString(), "--tolerance", "-1");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--tolerance"), bad.err());
    }
}
