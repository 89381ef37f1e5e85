package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDataTest {
    private static TextData text(String s) {
        return TextData.parse(s.getBytes(StandardCharsets.UTF_8), "t.txt");
    }

    @Test
    void linesAndVocabulary() {
        TextData t = text("\uFEFFemma\r\n\r\nava\nzoë 😀\n");
        assertEquals(List.of("emma", "ava", "zoë 😀"), t.lines());
        // end token, then ' ', a, e, m, o, v, z, ë, 😀 ascending
        assertEquals(10, t.vocabulary().size());
        assertArrayEquals(new int[] {3, 4, 4, 2}, t.vocabulary().encode("emma"));
        assertEquals("zoë 😀", t.vocabulary().decode(t.vocabulary().encode("zoë 😀")));
        assertEquals("av", t.vocabulary().decode(new int[] {2, 6, 0, 2}));
    }

    @Test
    void windowsPadWithTheEndTokenAndEndEachLine() {
        Vocabulary v = Vocabulary.of(List.of("emma", "bo"));   // E=0, a=1, b=2, e=3, m=4, o=5
        CharWindows w = CharWindows.of(List.of("emma", "bo"), v, 3);
        assertEquals(5 + 3, w.size());
        CharWindows.Batch b = w.batch(new int[] {0, 2, 4, 5, 7});
        assertArrayEquals(new int[] {5, 3}, b.inputs().shape());
        assertArrayEquals(new long[] {0, 0, 0, 0, 3, 4, 4, 4, 1, 0, 0, 0, 0, 2, 5}, b.inputs().toLongArray());
        assertArrayEquals(new long[] {3, 4, 0, 2, 0}, b.targets().toLongArray());
        assertThrows(BackpropException.class, () -> w.batch(new int[] {8}));
    }

    @Test
    void sequenceTargetsAtEveryPositionIgnoreThePadding() {
        Vocabulary v = Vocabulary.of(List.of("emma", "bo"));   // E=0, a=1, b=2, e=3, m=4, o=5
        CharWindows w = CharWindows.of(List.of("emma", "bo"), v, 3);
        CharWindows.Batch b = w.sequenceBatch(new int[] {0, 2, 4, 7});
        assertArrayEquals(new long[] {0, 0, 0, 0, 3, 4, 4, 4, 1, 0, 2, 5}, b.inputs().toLongArray());
        int i = CharWindows.IGNORE;
        assertArrayEquals(new long[] {i, i, 3, 3, 4, 4, 4, 1, 0, 2, 5, 0}, b.targets().toLongArray());
        // Every last position is the example's own character, as in batch().
        long[] own = w.batch(new int[] {0, 2, 4, 7}).targets().toLongArray(), seq = b.targets().toLongArray();
        for (int k = 0; k < 4; k++) assertEquals(own[k], seq[k * 3 + 2]);
    }

    @Test
    void splitIsSeededAndByLine() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) sb.append("line").append(i).append('\n');
        TextData t = text(sb.toString());
        TextData.Splits a = t.split(3, 4), b = t.split(3, 4), c = t.split(4, 4);
        // 80/10/10 lines of 5 or 6 characters (plus the end each): 6 or 7 examples a line
        assertEquals(a.train().size(), b.train().size());
        assertEquals(a.test().batch(new int[] {0, 1, 2}).inputs().toLongArray().length, 12);
        assertArrayEquals(a.test().batch(new int[] {0, 5}).targets().toLongArray(), b.test().batch(new int[] {0, 5}).targets().toLongArray());
        int total = a.train().size() + a.validation().size() + a.test().size();
        assertEquals(10 * 6 + 90 * 7, total);
        assertTrue(a.train().size() >= 80 * 6 && a.train().size() <= 80 * 7, "train " + a.train().size());
        assertTrue(a.validation().size() >= 60 && a.validation().size() <= 70);
        assertTrue(!java.util.Arrays.equals(a.test().batch(new int[] {0, 1, 2, 3, 4, 5, 6, 7}).targets().toLongArray(),
                c.test().batch(new int[] {0, 1, 2, 3, 4, 5, 6, 7}).targets().toLongArray()), "another seed, the same test lines");
    }

    @Test
    void badFilesNameTheFileAndLine(@TempDir Path dir) throws Exception {
        FormatException e = assertThrows(FormatException.class,
                () -> TextData.parse(new byte[] {'o', 'k', '\n', 'b', 'a', (byte) 0xFF, 'd', '\n'}, "bad.txt"));
        assertEquals("bad.txt, line 2: not UTF-8 text: byte 3 of the line is 0xFF (byte 6 of the file); save the file as UTF-8", e.getMessage());
        e = assertThrows(FormatException.class, () -> TextData.parse(new byte[0], "empty.txt"));
        assertEquals("empty.txt: the file is empty", e.getMessage());
        e = assertThrows(FormatException.class, () -> TextData.parse("\n\r\n\n".getBytes(StandardCharsets.UTF_8), "blank.txt"));
        assertEquals("blank.txt: no text: every line is empty", e.getMessage());
        Path missing = dir.resolve("nope.txt");
        e = assertThrows(FormatException.class, () -> TextData.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        e = assertThrows(FormatException.class, () -> TextData.words(missing));
        assertTrue(e.getMessage().contains("apt-get install wamerican"), e.getMessage());
        Path ok = dir.resolve("ok.txt");
        Files.writeString(ok, "hello\nworld\n");
        assertEquals(2, TextData.read(ok).lines().size());
    }

    /**
     * The words set, where installed: 104,334 words, and the add-0.1 n-gram baselines of issue 16
     * on the seeded 80/10/10 split (bigram 2.52, trigram 2.22, 4-gram 2.01 nats per character):
     * the split, the end tokens and the padded windows are those the targets were measured with.
     */
    @Test
    void wordsAndTheirNGramBaselines() {
        assumeTrue(Files.isRegularFile(TextData.WORDS_FILE), "no " + TextData.WORDS_FILE);
        TextData words = TextData.words();
        assertEquals(104_334, words.lines().size());
        double[] expected = {2.52, 2.22, 2.01};
        for (int n = 2; n <= 4; n++) {
            TextData.Splits s = words.split(0, n - 1);
            int v = words.vocabulary().size(), context = n - 1;
            java.util.Map<Long, double[]> counts = new java.util.HashMap<>();
            CharWindows.Batch train = s.train().batch(java.util.stream.IntStream.range(0, s.train().size()).toArray());
            long[] x = train.inputs().toLongArray(), y = train.targets().toLongArray();
            for (int i = 0; i < y.length; i++) counts.computeIfAbsent(key(x, i, context, v), k -> new double[v])[(int) y[i]]++;
            CharWindows.Batch test = s.test().batch(java.util.stream.IntStream.range(0, s.test().size()).toArray());
            long[] tx = test.inputs().toLongArray(), ty = test.targets().toLongArray();
            double nll = 0;
            for (int i = 0; i < ty.length; i++) {
                double[] row = counts.getOrDefault(key(tx, i, context, v), new double[v]);
                double sum = 0;
                for (double c : row) sum += c + 0.1;
                nll -= Math.log((row[(int) ty[i]] + 0.1) / sum);
            }
            assertEquals(expected[n - 2], nll / ty.length, 0.015, n + "-gram test loss in nats per character");
        }
    }

    /** Window i of x as one number in base v. */
    private static long key(long[] x, int i, int context, int v) {
        long k = 0;
        for (int j = 0; j < context; j++) k = k * v + x[i * context + j];
        return k;
    }
}
