package io.backprop4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    private static final Csv.Options DEFAULTS = Csv.Options.defaults();

    private static Table parse(String text) {
        return Csv.parse(text, "t.csv", DEFAULTS);
    }

    private static String refusal(String text) {
        return refusal(text, DEFAULTS);
    }

    private static String refusal(String text, Csv.Options options) {
        return assertThrows(FormatException.class, () -> Csv.parse(text, "t.csv", options)).getMessage();
    }

    @Test
    void readsAHeaderlessTableWithTheLabelLast() {
        Table t = parse("1,2,0\n3.5,-4e-1,2\n");
        assertEquals(2, t.rows());
        assertEquals(2, t.cols());
        assertArrayEquals(new float[] {1, 2, 3.5f, -0.4f}, t.features());
        assertArrayEquals(new int[] {0, 2}, t.labels());
        assertArrayEquals(new String[] {"0", "1", "2"}, t.classNames());
        assertArrayEquals(new String[] {"x0", "x1"}, t.featureNames());
        assertNull(t.targets());
    }

    @Test
    void detectsHeadersCommentsBlankLinesAndDelimiters() {
        String text = "\uFEFF# a comment\n\n a , \"b, quoted\" ,label\r\n  # indented comment\n1,2,1\n\n3,4,0\n";
        Table t = parse(text);
        assertArrayEquals(new String[] {"a", "b, quoted"}, t.featureNames());
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.features());
        assertArrayEquals(new int[] {1, 0}, t.labels());
        Table semi = parse("a;b;y\n1.5;2;1\n");
        assertArrayEquals(new float[] {1.5f, 2}, semi.features());
        Table tabs = parse("a\tb\ty\n1\t2\t1\n");
        assertArrayEquals(new float[] {1, 2}, tabs.features());
        assertArrayEquals(new String[] {"a", "b"}, tabs.featureNames());
    }

    @Test
    void readsScikitLearnsLayoutWithClassNames() {
        Table t = parse("3,2,setosa,versicolor,virginica\n1,2,0\n3,4,2\n5,6,1\n");
        assertArrayEquals(new String[] {"setosa", "versicolor", "virginica"}, t.classNames());
        assertArrayEquals(new int[] {0, 2, 1}, t.labels());
        assertEquals("t.csv, line 3, column 5: expected a class index from 0 to 1, found '2'",
                refusal("2,2,malignant,benign\n1,2,0\n3,4,2\n"));
        assertEquals("t.csv, line 1: the first line declares 3 rows but the file holds 2",
                refusal("3,2,a,b\n1,2,0\n3,4,1\n"));
        assertEquals("t.csv: line 3 has 4 fields, the first line declares 2 features and a label (3 fields)",
                refusal("2,2,a,b\n1,2,0\n3,4,5,1\n"));
        // a huge declared feature count is checked against the rows before anything is allocated for it
        assertEquals("t.csv: line 2 has 3 fields, the first line declares 999999999 features and a label (1000000000 fields)",
                refusal("1,999999999,a,b\n1,2,0\n"));
    }

    @Test
    void labelColumnByIndexOrNameAndTextLabels() {
        Table first = Csv.parse("0,1,2\n1,3,4\n", "t.csv", DEFAULTS.labelColumn(0));
        assertArrayEquals(new int[] {0, 1}, first.labels());
        assertArrayEquals(new float[] {1, 2, 3, 4}, first.features());
        Table named = Csv.parse("x,kind,z\n1,cat,2\n3,dog,4\n5,cat,6\n", "t.csv", DEFAULTS.labelColumn("kind"));
        assertArrayEquals(new int[] {0, 1, 0}, named.labels());
        assertArrayEquals(new String[] {"cat", "dog"}, named.classNames());
        assertArrayEquals(new String[] {"x", "z"}, named.featureNames());
        Table textLast = parse("1,2,setosa\n3,4,virginica\n");
        assertArrayEquals(new String[] {"setosa", "virginica"}, textLast.classNames());
        assertEquals("t.csv, line 1: no column named \"y\"; the header has a, b",
                refusal("a,b\n1,2\n", DEFAULTS.labelColumn("y")));
        assertEquals("t.csv, line 1: label column 5 is out of range for rows of 2 fields",
                refusal("1,2\n", DEFAULTS.labelColumn(5)));
    }

    @Test
    void regressionAndNoLabel() {
        Table r = Csv.parse("a,b,price\n1,2,3.25\n4,5,-6\n", "t.csv", DEFAULTS.asRegression());
        assertArrayEquals(new float[] {3.25f, -6}, r.targets());
        assertNull(r.labels());
        assertNull(r.classNames());
        Table none = Csv.parse("1,2\n3,4\n", "t.csv", DEFAULTS.noLabel());
        assertEquals(2, none.cols());
        assertNull(none.labels());
        assertNull(none.targets());
    }

    @Test
    void errorsSayWhereAndWhat() {
        assertEquals("t.csv, line 3, column 3: expected a number, found 'abc'", refusal("a,b,y\n1,2,0\n3,abc,1\n"));
        assertEquals("t.csv: line 7 has 5 fields, the header has 6",
                refusal("a,b,c,d,e,y\n1,2,3,4,5,0\n# c\n\n1,2,3,4,5,1\n1,2,3,4,5,1\n1,2,3,4,1\n"));
        assertEquals("t.csv: line 2 has 1 field, the first row has 2", refusal("1,2\n3\n"));
        assertEquals("t.csv: empty file: no rows", refusal(""));
        assertEquals("t.csv: empty file: no rows", refusal("# only a comment\n\n"));
        assertEquals("t.csv: no data rows after the first line", refusal("a,b,y\n"));
        assertEquals("t.csv, line 2, column 3: expected a number, found ''", refusal("a,b,y\n1,,0\n"));
        assertTrue(refusal("a,b,y\n1,NaN,0\n").contains("expected a number, found 'NaN'"));
        assertTrue(refusal("a,b,y\n1,Infinity,0\n").contains("expected a number, found 'Infinity'"));
        assertTrue(refusal("a,b,y\n1,0x10,0\n").contains("found '0x10'"));
        assertTrue(refusal("1,1e39,0\n").contains("number '1e39' is beyond the range of float32"));
        assertTrue(refusal("1,2,0.5\n").contains("expected a class index from 0 to 65535, found '0.5' (for numeric targets"));
        assertTrue(refusal("1,2,-1\n").contains("found '-1'"));
        assertTrue(refusal("1,2,0\n3,4,cat\n").contains("line 2, column 5: expected a class index"));
        assertTrue(refusal("1,\"2,0\n").contains("line 1, column 3: the quoted field is not closed on this line"));
        assertTrue(refusal("1,\"2\"x,0\n").contains("expected ',' after a quoted field, found 'x'"));
        assertTrue(refusal("1,2,setosa\n3,4,\n").contains("expected a class label, found an empty field"));
    }

    @Test
    void refusesInvalidUtf8AndCorruptGzip() {
        byte[] bad = {'1', ',', (byte) 0xff, '\n'};
        assertTrue(assertThrows(FormatException.class, () -> Csv.read(bad, "t.csv", DEFAULTS)).getMessage()
                .contains("invalid UTF-8"));
        byte[] gz = {0x1f, (byte) 0x8b, 8, 0, 0, 0};
        assertTrue(assertThrows(FormatException.class, () -> Csv.read(gz, "t.csv.gz", DEFAULTS)).getMessage()
                .contains("corrupt or truncated gzip data"));
    }

    /** A crafted input of issue 18, from src/test/resources/io/backprop4j/data/issue18/. */
    static byte[] issue18(String name) throws java.io.IOException {
        try (var in = CsvTest.class.getResourceAsStream("issue18/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void invalidUtf8IsReportedOnItsOwnLine() throws Exception {
        // Issue 18, item 10: the decoder ran ahead of the parser, so a bad byte on line 1501 was "line 1".
        byte[] bytes = issue18("invalid-utf8-at-line-1501.csv");
        FormatException e = assertThrows(FormatException.class, () -> Csv.read(bytes, "t.csv", DEFAULTS));
        assertEquals("t.csv, line 1501, column 3: invalid UTF-8 text (byte 0xe9); expected a CSV file in UTF-8", e.getMessage());
        byte[] gz;
        var out = new ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(bytes);
        }
        gz = out.toByteArray();
        e = assertThrows(FormatException.class, () -> Csv.read(gz, "t.csv.gz", DEFAULTS));
        assertTrue(e.getMessage().startsWith("t.csv.gz, line 1501, column 3: invalid UTF-8"), e.getMessage());
    }

    @Test
    void aQuotedFieldWithALineBreakIsNamedAsSuch() throws Exception {
        // Issue 18, item 10: it said "unterminated quoted field", as if the closing quote were missing.
        FormatException e = assertThrows(FormatException.class, () -> Csv.read(issue18("quoted-field-with-newline.csv"), "t.csv", DEFAULTS));
        assertEquals("t.csv, line 1, column 3: the quoted field is not closed on this line (a quoted field cannot span lines;"
                + " a line break inside quotes is not supported)", e.getMessage());
    }

    @Test
    void everyKindOfLineEndSplitsLines() {
        for (String end : new String[] {"\n", "\r\n", "\r"}) {
            byte[] bytes = ("a,b,y" + end + "1,2,0" + end + end + "3,4,1" + end).getBytes(StandardCharsets.UTF_8);
            Table t = Csv.read(bytes, "t.csv", DEFAULTS);
            assertEquals(2, t.rows(), "line end " + end.replace("\r", "CR").replace("\n", "LF"));
            assertArrayEquals(new int[] {0, 1}, t.labels());
        }
        Table last = Csv.read("1,2,0\n3,4,1".getBytes(StandardCharsets.UTF_8), "t.csv", DEFAULTS);
        assertEquals(2, last.rows(), "a last line without a line break");
    }

    @Test
    void readsGzippedFiles(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write("1,2,1\n3,4,0\n".getBytes(StandardCharsets.UTF_8));
        }
        Path file = dir.resolve("x.csv.gz");
        Files.write(file, bytes.toByteArray());
        Table t = Csv.read(file);
        assertArrayEquals(new int[] {1, 0}, t.labels());
        BackpropException missing = assertThrows(BackpropException.class, () -> Csv.read(dir.resolve("none.csv")));
        assertTrue(missing.getMessage().contains("none.csv"));
    }

    @Test
    void readsTheSharedDataFiles() {
        Table iris = Csv.read(Path.of("src/main/resources/io/backprop4j/data/iris.csv"));
        assertEquals(150, iris.rows());
        assertEquals(4, iris.cols());
        assertEquals(3, iris.classNames().length);
        assertEquals(50, Arrays.stream(iris.labels()).filter(l -> l == 2).count());
        Table digits = Csv.read(Path.of("src/main/resources/io/backprop4j/data/digits.csv.gz"));
        assertEquals(1797, digits.rows());
        assertEquals(64, digits.cols());
        assertEquals(10, digits.classNames().length);
    }
}
