package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads numeric CSV files into a {@link Table}.
 *
 * <h2>Format</h2>
 * <ul>
 *   <li>Fields are separated by commas, semicolons or tabs: whichever occurs most in the first row
 *       (commas win ties). Spaces around fields are ignored; a field may be double-quoted, with
 *       {@code ""} standing for a quote inside it (a quoted field cannot span lines: a line break
 *       inside quotes is refused, naming the line).</li>
 *   <li>Blank lines and lines starting with {@code #} are skipped. A UTF-8 byte-order mark is
 *       skipped. Gzipped files (starting with the bytes 1f 8b) are decompressed.</li>
 *   <li>The first row is a header when one of its feature fields (any field but the label's) is
 *       not a number; its fields name the columns. A label column chosen by name needs one.</li>
 *   <li>scikit-learn's layout is recognised: a first line such as
 *       {@code 150,4,setosa,versicolor,virginica} (rows, features, two or more class names), after which every
 *       row holds that many features and a class index in {@code [0, 3)}.</li>
 *   <li>Numbers are decimal ({@code -1.5}, {@code 2e-3}, {@code .5}); {@code NaN}, infinities,
 *       hexadecimal and empty fields are refused, as are numbers beyond float32's range.</li>
 *   <li>The label column is the last unless {@link Options} say otherwise. For classification, a
 *       label column of non-negative integers is read as class indices (class names "0", "1"...,
 *       up to the largest), and a label column whose first value is not a number is read as
 *       class names, numbered in the order they first appear. For regression
 *       ({@link Options#asRegression()}) labels are read as float targets.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * A {@link FormatException} naming the file, the line and the column and saying what was
 * expected: {@code data.csv, line 12, column 7: expected a number, found 'abc'};
 * {@code data.csv: line 7 has 5 fields, the header has 6}; an empty file, a file without
 * data rows, a class index out of range of the declared class names, a row count that differs
 * from the declared one; text that is not UTF-8 (naming the line and column of the first invalid
 * byte); a line longer than {@link #MAX_LINE_BYTES} bytes.
 *
 * <pre>{@code
 * Table t = Csv.read(Path.of("iris.csv"));                      // label: last column
 * Table r = Csv.read(Path.of("houses.csv"), Csv.Options.defaults().labelColumn("price").asRegression());
 * }</pre>
 */
public final class Csv {
    /** The largest class index accepted in a numeric label column. */
    public static final int MAX_CLASSES = 1 << 16;

    private Csv() {}

    /**
     * How to read the label column.
     *
     * @param labelIndex the label column, 0-based, negative counting from the end (-1 = the last);
     *     used when {@code labelName} is null
     * @param labelName the label column's name in the header, or null to use {@code labelIndex}
     * @param hasLabel false when every column is a feature (no labels, no targets)
     * @param regression true to read the label column as float targets, false for class labels
     */
    public record Options(int labelIndex, String labelName, boolean hasLabel, boolean regression) {
        /** Label: the last column; classification. */
        public static Options defaults() {
            return new Options(-1, null, true, false);
        }

        /** The label is column {@code index} (0-based; negative counts from the end). */
        public Options labelColumn(int index) {
            return new Options(index, null, true, regression);
        }

        /** The label is the column the header names {@code name}. */
        public Options labelColumn(String name) {
            if (name == null) throw new BackpropException("Csv.Options.labelColumn: name is null");
            return new Options(-1, name, true, regression);
        }

        /** Every column is a feature. */
        public Options noLabel() {
            return new Options(-1, null, false, false);
        }

        /** The label column holds float targets (regression). */
        public Options asRegression() {
            return new Options(labelIndex, labelName, true, true);
        }
    }

    /** Reads a CSV file with {@link Options#defaults()}. */
    public static Table read(Path file) {
        return read(file, Options.defaults());
    }

    /**
     * Reads a CSV file, gzipped or not.
     *
     * @throws FormatException when the file is not a numeric CSV as described in the class comment
     * @throws BackpropException when the file cannot be read
     */
    public static Table read(Path file, Options options) {
        if (file == null) throw new BackpropException("Csv.read: file is null");
        if (Files.isDirectory(file)) throw new BackpropException(file + ": is a directory; expected a CSV file");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), options);
        } catch (NoSuchFileException e) {
            throw new BackpropException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BackpropException(file + ": cannot read: " + io.backprop4j.io.AtomicFiles.reason(e), e);
        }
    }

    /** Reads CSV bytes (UTF-8, gzipped or not); {@code sourceName} names them in errors. */
    public static Table read(byte[] bytes, String sourceName, Options options) {
        try {
            return read(new ByteArrayInputStream(bytes), sourceName, options);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
    }

    /** Reads CSV text; {@code sourceName} names it in errors. */
    public static Table parse(String text, String sourceName, Options options) {
        try {
            BufferedReader reader = new BufferedReader(new StringReader(text));
            return new Parser(reader::readLine, sourceName, options).parse();
        } catch (IOException e) {
            throw new AssertionError("a string reader does not fail", e);
        }
    }

    /**
     * Reads a CSV stream (UTF-8, gzipped or not) to its end; does not close it.
     *
     * @throws IOException when the stream fails for reasons other than its content
     */
    public static Table read(InputStream in, String sourceName, Options options) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        boolean gzipped = b0 == 0x1f && b1 == 0x8b;
        try {
            InputStream data = gzipped ? new GZIPInputStream(buffered, 1 << 16) : buffered;
            return new Parser(new Utf8Lines(data)::next, sourceName, options).parse();
        } catch (ZipException | EOFException e) {
            if (!gzipped) throw e;
            throw new FormatException(sourceName, null, "corrupt or truncated gzip data: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------ parsing

    private record Field(String text, int column) {}

    /** The longest line read, in bytes: a file without line breaks is refused before it fills the heap. */
    public static final int MAX_LINE_BYTES = 1 << 28;

    /** Lines of a source, without their terminators; null at the end. */
    private interface Lines {
        String next() throws IOException;
    }

    /** A line that is not valid UTF-8: its column (1-based, in characters) and the offending byte. */
    private static final class BadUtf8 extends IOException {
        final int column;
        final int value;

        BadUtf8(int column, int value) {
            super("invalid UTF-8");
            this.column = column;
            this.value = value;
        }
    }

    /** A line longer than {@link #MAX_LINE_BYTES}. */
    private static final class LineTooLong extends IOException {
        LineTooLong() {
            super("line too long");
        }
    }

    /**
     * Splits a byte stream into lines (ending at \n, \r\n or \r) and decodes each one as strict
     * UTF-8 on its own, so that an invalid byte is reported on its own line (a decoder ahead of
     * the parser reported the first buffer's line, "line 1", for a byte on line 1501).
     */
    private static final class Utf8Lines {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int limit;
        private byte[] line = new byte[256];
        private final java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        Utf8Lines(InputStream in) {
            this.in = in;
        }

        String next() throws IOException {
            int n = 0;
            boolean any = false;
            while (true) {
                if (pos == limit) {
                    limit = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return any ? decode(n) : null;
                    }
                }
                any = true;
                byte b = buf[pos++];
                if (b == '\n') return decode(n);
                if (b == '\r') {
                    if (pos == limit) {
                        limit = Math.max(0, in.read(buf, 0, buf.length));
                        pos = 0;
                    }
                    if (pos < limit && buf[pos] == '\n') pos++;
                    return decode(n);
                }
                if (n == line.length) {
                    if (n >= MAX_LINE_BYTES) throw new LineTooLong();
                    line = Arrays.copyOf(line, (int) Math.min(MAX_LINE_BYTES, 2L * n));
                }
                line[n++] = b;
            }
        }

        private String decode(int n) throws IOException {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(line, 0, n);
            java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(n);
            decoder.reset();
            java.nio.charset.CoderResult r = decoder.decode(bytes, chars, true);
            if (!r.isError()) r = decoder.flush(chars);
            if (r.isError()) throw new BadUtf8(chars.position() + 1, line[bytes.position()] & 0xff);
            return chars.flip().toString();
        }
    }

    private static final class Parser {
        private final Lines reader;
        private final String source;
        private final Options options;
        private int lineNumber;
        private char delimiter;

        Parser(Lines reader, String source, Options options) {
            this.reader = reader;
            this.source = source;
            this.options = options == null ? Options.defaults() : options;
        }

        private String nextLine() throws IOException {
            while (true) {
                String line;
                try {
                    line = reader.next();
                } catch (BadUtf8 e) {
                    throw new FormatException(source, "line " + (lineNumber + 1) + ", column " + e.column,
                            String.format("invalid UTF-8 text (byte 0x%02x); expected a CSV file in UTF-8", e.value));
                } catch (LineTooLong e) {
                    throw new FormatException(source, "line " + (lineNumber + 1), "longer than " + MAX_LINE_BYTES
                            + " bytes; expected a CSV file (one example per line)");
                }
                if (line == null) return null;
                lineNumber++;
                if (lineNumber == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
                return line;
            }
        }

        Table parse() throws IOException {
            String first = nextLine();
            if (first == null) throw new FormatException(source, null, "empty file: no rows");
            delimiter = detectDelimiter(first);
            int firstLine = lineNumber;
            List<Field> firstRow = split(first);

            // scikit-learn's layout: "150,4,setosa,versicolor,virginica"
            String[] declaredClasses = null;
            long declaredRows = -1;
            int declaredFeatures = -1;
            if (firstRow.size() >= 4 && isCount(firstRow.get(0).text) && isCount(firstRow.get(1).text)
                    && firstRow.subList(2, firstRow.size()).stream().allMatch(f -> !f.text.isEmpty() && !isNumber(f.text))) {
                declaredRows = Long.parseLong(firstRow.get(0).text);
                declaredFeatures = Integer.parseInt(firstRow.get(1).text);
                declaredClasses = firstRow.subList(2, firstRow.size()).stream().map(Field::text).toArray(String[]::new);
                if (options.labelName != null) {
                    throw new FormatException(source, "line " + firstLine, "the file has no header to find the label column \""
                            + options.labelName + "\" in (its first line declares rows, features and class names)");
                }
                if (!options.hasLabel || options.regression) {
                    throw new FormatException(source, "line " + firstLine,
                            "the first line declares class names, so the last column holds class labels; read it as classification");
                }
                if (declaredFeatures == Integer.MAX_VALUE) {
                    throw new FormatException(source, "line " + firstLine, "declares too many features: " + declaredFeatures);
                }
            }

            String[] header = null;
            int columns;
            List<Field> pending = null; // the first data row, when the first row is data
            if (declaredClasses != null) {
                columns = declaredFeatures + 1;
            } else {
                columns = firstRow.size();
                int labelForHeader = options.labelName != null ? -2 : resolveIndex(columns, firstLine);
                boolean isHeader = options.labelName != null;
                for (int c = 0; c < columns && !isHeader; c++) {
                    if (c != labelForHeader && !isNumber(firstRow.get(c).text)) isHeader = true;
                }
                if (columns == 1 && !isNumber(firstRow.get(0).text)) isHeader = true;
                if (isHeader) header = firstRow.stream().map(Field::text).toArray(String[]::new);
                else pending = firstRow;
            }

            int labelColumn;
            if (!options.hasLabel) {
                labelColumn = -1;
            } else if (declaredClasses != null) {
                labelColumn = columns - 1;
                if (options.labelIndex != -1 && options.labelIndex != columns - 1) {
                    throw new FormatException(source, "line " + firstLine,
                            "the first line declares rows, features and class names, so the label is the last column");
                }
            } else if (options.labelName != null) {
                labelColumn = Arrays.asList(header).indexOf(options.labelName);
                if (labelColumn < 0) {
                    throw new FormatException(source, "line " + firstLine, "no column named \"" + options.labelName
                            + "\"; the header has " + String.join(", ", header));
                }
            } else {
                labelColumn = resolveIndex(columns, firstLine);
            }
            int featureCount = columns - (labelColumn >= 0 ? 1 : 0);

            String shapeSource = declaredClasses != null
                    ? "the first line declares " + declaredFeatures + " features and a label (" + columns + " fields)"
                    : header != null ? "the header has " + columns : "the first row has " + columns;

            FloatList features = new FloatList();
            IntList labels = options.hasLabel && !options.regression ? new IntList() : null;
            FloatList targets = options.hasLabel && options.regression ? new FloatList() : null;
            Map<String, Integer> classIndex = null; // labels given as names
            List<String> classNames = declaredClasses != null ? List.of(declaredClasses) : new ArrayList<>();
            int maxLabel = -1;
            long rows = 0;

            while (true) {
                List<Field> row;
                if (pending != null) {
                    row = pending;
                    pending = null;
                } else {
                    String line = nextLine();
                    if (line == null) break;
                    row = split(line);
                }
                if (row.size() != columns) {
                    throw new FormatException(source, null,
                            "line " + lineNumber + " has " + row.size() + " field" + (row.size() == 1 ? "" : "s") + ", " + shapeSource);
                }
                if ((rows + 1) * featureCount > Integer.MAX_VALUE - 8) {
                    throw new FormatException(source, "line " + lineNumber, "more values than a Java array holds");
                }
                for (int c = 0; c < columns; c++) {
                    Field f = row.get(c);
                    if (c != labelColumn) {
                        features.add(number(f));
                    } else if (targets != null) {
                        targets.add(number(f));
                    } else if (declaredClasses != null) {
                        labels.add(classIndex(f, declaredClasses.length));
                    } else if (classIndex != null || (rows == 0 && !isNumber(f.text))) {
                        if (classIndex == null) classIndex = new HashMap<>();
                        if (f.text.isEmpty()) throw error(f, "expected a class label, found an empty field");
                        Integer index = classIndex.get(f.text);
                        if (index == null) {
                            if (classIndex.size() >= MAX_CLASSES) throw error(f, "more than " + MAX_CLASSES + " distinct class names");
                            index = classIndex.size();
                            classIndex.put(f.text, index);
                            classNames.add(f.text);
                        }
                        labels.add(index);
                    } else {
                        int label = classIndex(f, MAX_CLASSES);
                        maxLabel = Math.max(maxLabel, label);
                        labels.add(label);
                    }
                }
                rows++;
            }
            if (rows == 0) {
                String why = "";
                // a "header" holding numbers is more likely a data row with a typo or a label in it: say why it was taken
                if (header != null && declaredClasses == null && Arrays.stream(header).anyMatch(Csv::isNumber)) {
                    for (String h : header) {
                        if (!isNumber(h)) {
                            why = " (line " + firstLine + " is taken as a header because '" + abbreviate(h)
                                    + "' is not a number; expected rows of numbers after it)";
                            break;
                        }
                    }
                }
                throw new FormatException(source, null, header != null || declaredClasses != null
                        ? "no data rows after the first line" + why : "no data rows");
            }
            if (declaredRows >= 0 && declaredRows != rows) {
                throw new FormatException(source, "line " + firstLine,
                        "the first line declares " + declaredRows + " rows but the file holds " + rows);
            }
            // only now: a declared feature count is trusted once the rows have confirmed it
            String[] featureNames = new String[featureCount];
            for (int c = 0, k = 0; c < columns; c++) {
                if (c == labelColumn) continue;
                featureNames[k] = header != null ? header[c] : "x" + k;
                k++;
            }
            String[] names = null;
            if (labels != null) {
                if (classIndex == null && declaredClasses == null) {
                    names = new String[maxLabel + 1];
                    for (int i = 0; i < names.length; i++) names[i] = Integer.toString(i);
                } else {
                    names = classNames.toArray(String[]::new);
                }
            }
            return new Table(features.toArray(), (int) rows, featureCount,
                    labels == null ? null : labels.toArray(), targets == null ? null : targets.toArray(),
                    featureNames, names);
        }

        private int resolveIndex(int columns, int line) {
            int index = options.labelIndex < 0 ? columns + options.labelIndex : options.labelIndex;
            if (!options.hasLabel) return -1;
            if (index < 0 || index >= columns) {
                throw new FormatException(source, "line " + line, "label column " + options.labelIndex
                        + " is out of range for rows of " + columns + " field" + (columns == 1 ? "" : "s"));
            }
            return index;
        }

        private float number(Field f) {
            if (!isNumber(f.text)) {
                throw error(f, "expected a number, found '" + abbreviate(f.text) + "'");
            }
            float value = Float.parseFloat(f.text);
            if (Float.isInfinite(value)) throw error(f, "number '" + abbreviate(f.text) + "' is beyond the range of float32");
            return value;
        }

        private int classIndex(Field f, int classes) {
            if (!isNumber(f.text)) {
                throw error(f, "expected a class index from 0 to " + (classes - 1) + ", found '" + abbreviate(f.text) + "'");
            }
            double value = Double.parseDouble(f.text);
            if (value != Math.rint(value) || value < 0 || value >= classes) {
                String hint = classes == MAX_CLASSES ? " (for numeric targets read the file as regression)" : "";
                throw error(f, "expected a class index from 0 to " + (classes - 1) + ", found '" + abbreviate(f.text) + "'" + hint);
            }
            return (int) value;
        }

        private FormatException error(Field f, String message) {
            return new FormatException(source, "line " + lineNumber + ", column " + f.column, message);
        }

        private char detectDelimiter(String line) {
            int commas = 0;
            int semicolons = 0;
            int tabs = 0;
            for (int i = 0; i < line.length(); i++) {
                switch (line.charAt(i)) {
                    case ',' -> commas++;
                    case ';' -> semicolons++;
                    case '\t' -> tabs++;
                    default -> { }
                }
            }
            if (semicolons > commas && semicolons >= tabs) return ';';
            if (tabs > commas && tabs > semicolons) return '\t';
            return ',';
        }

        /** Splits one line into trimmed fields, each with its 1-based column. */
        private List<Field> split(String line) {
            List<Field> fields = new ArrayList<>();
            int n = line.length();
            int i = 0;
            while (true) {
                while (i < n && line.charAt(i) == ' ') i++;
                int column = i + 1;
                if (i < n && line.charAt(i) == '"') {
                    StringBuilder sb = new StringBuilder();
                    int j = i + 1;
                    while (true) {
                        if (j >= n) {
                            throw new FormatException(source, "line " + lineNumber + ", column " + column,
                                    "the quoted field is not closed on this line (a quoted field cannot span lines;"
                                            + " a line break inside quotes is not supported)");
                        }
                        char c = line.charAt(j);
                        if (c == '"') {
                            if (j + 1 < n && line.charAt(j + 1) == '"') {
                                sb.append('"');
                                j += 2;
                                continue;
                            }
                            j++;
                            break;
                        }
                        sb.append(c);
                        j++;
                    }
                    while (j < n && line.charAt(j) == ' ') j++;
                    if (j < n && line.charAt(j) != delimiter) {
                        throw new FormatException(source, "line " + lineNumber + ", column " + (j + 1),
                                "expected '" + printable(delimiter) + "' after a quoted field, found '" + printable(line.charAt(j)) + "'");
                    }
                    fields.add(new Field(sb.toString(), column));
                    if (j >= n) return fields;
                    i = j + 1;
                } else {
                    int end = line.indexOf(delimiter, i);
                    if (end < 0) end = n;
                    fields.add(new Field(line.substring(i, end).strip(), column));
                    if (end >= n) return fields;
                    i = end + 1;
                }
            }
        }
    }

    private static String printable(char c) {
        return c == '\t' ? "\\t" : c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    /** Digits only, a non-negative integer that fits an int. */
    private static boolean isCount(String s) {
        if (s.isEmpty() || s.length() > 9) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** A decimal number: {@code [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?}. */
    static boolean isNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int intDigits = 0;
        while (i < n && isDigit(s.charAt(i))) { i++; intDigits++; }
        int fracDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) { i++; fracDigits++; }
        }
        if (intDigits + fracDigits == 0) return false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) { i++; expDigits++; }
            if (expDigits == 0) return false;
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] data = new float[1024];
        private int size;

        void add(float v) {
            if (size == data.length) data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 8, data.length * 2L));
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] data = new int[256];
        private int size;

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 8, data.length * 2L));
            data[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
