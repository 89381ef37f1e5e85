package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.train.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --data text:FILE for every text model, generate, resume, and the text's bad input. */
class TextCommandTest {
    @TempDir
    static Path dir;
    static Path text;

    /** 120 made-up words of a-h (seeded): a vocabulary of 9 tokens, quick to train on. */
    @BeforeAll
    static void words() throws Exception {
        SplittableRandom rng = new SplittableRandom(16);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + rng.nextInt(7);
            for (int j = 0; j < len; j++) w.append((char) ('a' + (j % 2 == 0 ? rng.nextInt(3) : 3 + rng.nextInt(5))));
            lines.add(w.toString());
        }
        text = dir.resolve("words.txt");
        Files.write(text, lines);
    }

    /** The options of a quick run: small batches, a few steps. */
    static List<String> quick(String model, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", "text:" + text, "--model", model, "--epochs", "2",
                "--steps-per-epoch", "3", "--batch", "8"));
        for (int i = 0; i < more.length; i++) {
            int at = a.indexOf(more[i]);
            boolean valued = i + 1 < more.length && !more[i + 1].startsWith("--");
            if (at >= 0 && valued) a.set(at + 1, more[++i]);   // the default's value replaced
            else {
                a.add(more[i]);
                if (valued) a.add(more[++i]);
            }
        }
        return a;
    }

    static double testLoss(CliRun r) {
        Matcher m = Pattern.compile("test loss: (\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out() + r.err());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void everyModelTrainsAndReportsItsTestLossInNatsPerCharacter() {
        for (String model : TextTraining.MODELS) {
            CliRun r = CliRun.of(quick(model).toArray(String[]::new));
            assertEquals(0, r.status(), model + ": " + r.err());
            assertTrue(r.out().contains("data: " + text + " (120 lines;"), r.out());
            assertTrue(r.out().contains("9 tokens)"), r.out());
            assertTrue(r.out().contains("model: " + model + " [" + TextTraining.Recipe.of(model).context() + "] embedding 9-"), r.out());
            double loss = testLoss(r);
            // Six steps from a random start: finite, and no better than a perfect model, no worse than a wild guess.
            assertTrue(loss > 0.5 && loss < 6, model + ": " + loss);
        }
    }

    @Test
    void moreTrainingLowersTheTestLoss() {
        double brief = testLoss(CliRun.of(quick("bigram", "--epochs", "1", "--steps-per-epoch", "1").toArray(String[]::new)));
        double longer = testLoss(CliRun.of(quick("bigram", "--epochs", "4", "--steps-per-epoch", "25").toArray(String[]::new)));
        assertTrue(longer < brief - 0.2, brief + " -> " + longer);
    }

    @Test
    void aSavedModelGeneratesTheSameWordsForTheSameSeed() throws Exception {
        Path file = dir.resolve("lstm.safetensors");
        CliRun t = CliRun.of(quick("lstm", "--save", file.toString()).toArray(String[]::new));
        assertEquals(0, t.status(), t.err());
        ModelFile m = ModelFile.load(file);
        assertEquals(9, m.vocabulary().size());
        assertEquals(16, m.spec().inputs());
        CliRun a = CliRun.of("generate", "--model", file.toString(), "--count", "6", "--seed", "3", "--prompt", "ba");
        CliRun b = CliRun.of("generate", "--model", file.toString(), "--count", "6", "--seed", "3", "--prompt", "ba");
        CliRun c = CliRun.of("generate", "--model", file.toString(), "--count", "6", "--seed", "4", "--prompt", "ba");
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out(), b.out());
        assertNotEquals(a.out(), c.out());
        List<String> lines = a.out().lines().toList();
        assertEquals(6, lines.size());
        for (String line : lines) assertTrue(line.matches("ba[a-h]*"), line);
    }

    @Test
    void aResumedRunEndsBitForBitWhereTheWholeRunEnds() throws Exception {
        // The cosine schedule's shape depends on the epoch count: a run of 1 epoch cannot be resumed to 3...
        Path cp = dir.resolve("gru-cp");
        assertEquals(0, CliRun.of(quick("gru", "--epochs", "1", "--checkpoint-dir", cp.toString()).toArray(String[]::new)).status());
        CliRun refused = CliRun.of(quick("gru", "--epochs", "3", "--checkpoint-dir", cp.toString(), "--resume").toArray(String[]::new));
        assertEquals(2, refused.status(), refused.out());
        assertTrue(refused.err().contains("cannot resume") && refused.err().contains("--epochs 1"), refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());
        // ...so the interrupted run is one without a schedule: killed after epoch 1 of 3.
        Path whole = dir.resolve("ns-whole.safetensors"), resumed = dir.resolve("ns-resumed.safetensors");
        CliRun w = CliRun.of(quick("transformer", "--schedule", "none", "--epochs", "3", "--checkpoint-dir", dir.resolve("ns-a").toString(),
                "--save", whole.toString()).toArray(String[]::new));
        assertEquals(0, w.status(), w.err());
        List<String> one = quick("transformer", "--schedule", "none", "--epochs", "3", "--checkpoint-dir", dir.resolve("ns-b").toString());
        one.set(one.indexOf("--epochs") + 1, "1");
        assertEquals(0, CliRun.of(one.toArray(String[]::new)).status());
        CliRun r = CliRun.of(quick("transformer", "--schedule", "none", "--epochs", "3", "--checkpoint-dir", dir.resolve("ns-b").toString(),
                "--resume", "--save", resumed.toString()).toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("resuming after epoch 1 of 3"), r.out());
        assertEquals(testLoss(w), testLoss(r));
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(resumed));
        // Another context is another model: refused, naming the option.
        CliRun other = CliRun.of(quick("transformer", "--schedule", "none", "--epochs", "3", "--context", "8", "--checkpoint-dir",
                dir.resolve("ns-b").toString(), "--resume").toArray(String[]::new));
        assertEquals(2, other.status());
        assertTrue(other.err().contains("cannot resume"), other.err());
    }

    @Test
    void aTextFileThatIsNotUtf8OrEmptyIsRefusedNamingTheFileAndLine() throws Exception {
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, "abc\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        CliRun r = CliRun.of("train", "--data", "text:" + latin1);
        assertEquals(2, r.status(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(latin1.toString()) && r.err().contains("line 2") && r.err().contains("not UTF-8"), r.err());
        assertTrue(r.noStackTrace(), r.err());
        Path empty = dir.resolve("empty.txt");
        Files.write(empty, new byte[0]);
        CliRun e = CliRun.of("train", "--data", "text:" + empty);
        assertEquals(2, e.status());
        assertEquals(1, e.err().lines().count(), e.err());
        assertTrue(e.err().contains(empty.toString()) && e.err().contains("empty"), e.err());
        // lines, but every one empty: no text to learn from
        Path blank = dir.resolve("blank.txt");
        Files.writeString(blank, "\n\n\n");
        CliRun b = CliRun.of("train", "--data", "text:" + blank);
        assertEquals(2, b.status());
        assertEquals(1, b.err().lines().count(), b.err());
        assertTrue(b.err().contains(blank + ": no text: every line is empty"), b.err());
        assertTrue(b.noStackTrace(), b.err());
        // valid UTF-8 before the bad byte (a 3-byte character on line 2): the line and the byte are named
        Path late = dir.resolve("late.txt");
        Files.write(late, new byte[] {'a', 'b', '\n', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, 'o', 'k', '\n', 'b', 'a', 'd', (byte) 0xC3, '\n'});
        CliRun l = CliRun.of("train", "--data", "text:" + late);
        assertEquals(2, l.status());
        assertEquals(1, l.err().lines().count(), l.err());
        assertTrue(l.err().contains(late + ", line 3: not UTF-8 text: byte 4 of the line is 0xC3 (byte 13 of the file)"), l.err());
        CliRun missing = CliRun.of("train", "--data", "text:" + dir.resolve("nothing.txt"));
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("nothing.txt") && missing.err().contains("no such file"), missing.err());
    }

    @Test
    void aPromptWithCharactersOutsideTheVocabularyIsRefusedNamingTheCharacter() throws Exception {
        Path file = dir.resolve("bigram.safetensors");
        assertEquals(0, CliRun.of(quick("bigram", "--save", file.toString()).toArray(String[]::new)).status());
        for (String command : new String[] {"predict", "evaluate"}) {   // they take models of features
            CliRun other = command.equals("predict") ? CliRun.of("predict", "--model", file.toString(), "--input", file.toString())
                    : CliRun.of("evaluate", "--model", file.toString());
            assertEquals(2, other.status(), other.err());
            assertEquals(1, other.err().lines().count(), other.err());
            assertTrue(other.err().contains(file + ": a character model (trained on text): " + command + " takes models of features"), other.err());
            assertTrue(other.noStackTrace());
        }
        CliRun r = CliRun.of("generate", "--model", file.toString(), "--prompt", "abz");
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("'z' (character 3 of the prompt) is not in the vocabulary of " + file + " (8 characters: abcdefgh)"), r.err());
        assertTrue(r.noStackTrace());
        // A model of another kind: no vocabulary to sample from.
        Path digits = dir.resolve("digits.safetensors");
        assertEquals(0, CliRun.of("train", "--epochs", "1", "--save", digits.toString()).status());
        CliRun notText = CliRun.of("generate", "--model", digits.toString());
        assertEquals(2, notText.status());
        assertTrue(notText.err().contains("not a character model"), notText.err());
    }

    @Test
    void aWindowLongerThanThePositionalTableIsRefusedNamingTheLayer() throws Exception {
        Path yaml = dir.resolve("short-table.yaml");
        Files.writeString(yaml, """
                layers:
                  - {type: embedding, vocabulary: 9, dim: 8}
                  - {type: positional_embedding, max_length: 4}
                  - {type: transformer_block, heads: 2}
                  - {type: linear, out: 9}
                """);
        CliRun r = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "6");
        assertEquals(2, r.status(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(yaml + ", line 3, column 5: layers[1] (positional_embedding): a sequence of 6 positions"), r.err());
        assertTrue(r.err().contains("table of 4"), r.err());
        // The same file at a context the table holds trains.
        CliRun ok = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "4", "--epochs", "1",
                "--steps-per-epoch", "2", "--batch", "4");
        assertEquals(0, ok.status(), ok.err());
        // An embedding of the wrong vocabulary: the count of tokens is named.
        Files.writeString(yaml, "layers:\n  - {type: embedding, vocabulary: 30, dim: 8}\n  - {type: linear, out: 9}\n");
        CliRun v = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "4");
        assertEquals(2, v.status());
        assertTrue(v.err().contains("has 9 tokens") && v.err().contains("vocabulary: 9"), v.err());
        assertTrue(v.err().startsWith("backprop4j: " + yaml + ", line 2, column 35: "), v.err());
        // The last layer's out of the wrong size: its line and field.
        Files.writeString(yaml, "layers:\n  - {type: embedding, vocabulary: 9, dim: 8}\n  - {type: linear, out: 7}\n");
        CliRun out = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "4");
        assertEquals(2, out.status());
        assertTrue(out.err().startsWith("backprop4j: " + yaml + ", line 3, column 25: ") && out.err().contains("[N, 4, 7]"), out.err());
        // A layer whose input size does not fit the layer before it: its line, and both shapes.
        Files.writeString(yaml, "layers:\n  - {type: embedding, vocabulary: 9, dim: 8}\n  - {type: linear, in: 5, out: 9}\n");
        CliRun in = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "4");
        assertEquals(2, in.status());
        assertEquals(1, in.err().strip().lines().count(), in.err());
        assertTrue(in.noStackTrace(), in.err());
        assertTrue(in.err().startsWith("backprop4j: " + yaml + ", line 3, column 5: layers[1] (linear): in 5 does not fit its input [N, 4, 8] (8 features), the output of layers[0] (embedding)"),
                in.err());
        // A vocabulary smaller than the text's: indices past the table are refused before training, naming the file and the count.
        Files.writeString(yaml, "layers:\n  - {type: embedding, vocabulary: 5, dim: 8}\n  - {type: linear, out: 5}\n");
        CliRun small = CliRun.of("train", "--data", "text:" + text, "--model", yaml.toString(), "--context", "4");
        assertEquals(2, small.status(), small.out());
        assertEquals(1, small.err().lines().count(), small.err());
        assertTrue(small.err().startsWith("backprop4j: " + yaml + ", line 2, column 35: the text ") && small.err().contains("has 9 tokens") && small.err().contains("vocabulary: 9"), small.err());
        assertTrue(small.noStackTrace(), small.err());
    }

    @Test
    void optionsOfOtherModelsAreRefusedForText() {
        CliRun r = CliRun.of("train", "--data", "text:" + text, "--layers", "64");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--layers is not for text data"), r.err());
        CliRun c = CliRun.of("train", "--context", "4");
        assertEquals(2, c.status());
        assertTrue(c.err().contains("--context is for text data"), c.err());
        CliRun m = CliRun.of("train", "--data", "text:" + text, "--model", "cnn");
        assertEquals(2, m.status());
        assertTrue(m.err().contains("unknown --model 'cnn' for text; valid: bigram, mlp, lstm, gru, transformer"), m.err());
    }
}
