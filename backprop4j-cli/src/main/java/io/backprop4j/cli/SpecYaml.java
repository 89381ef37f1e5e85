package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.explain.Answers;
import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Field;
import io.backprop4j.explain.NetworkSpec;
import io.backprop4j.explain.SpecException;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.io.FileKind;
import io.backprop4j.loss.Loss;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads network specs and answers files (YAML 1.2; JSON is YAML too) into {@link NetworkSpec}
 * and {@link Answers}. Every error is a {@link FormatException} naming the file, the line and
 * column (from the YAML node), the field, what was found and what was expected.
 *
 * <p>Limits, checked before the YAML parser sees the text, so that a file beyond them is refused at
 * once: at most {@link #MAX_BYTES} bytes, and no line longer than {@link #MAX_LINE_CHARS}
 * characters. Sizes are checked on the YAML nodes before any array is allocated, so a file
 * claiming a huge layer is refused without trying. A key given twice in one mapping, at any
 * level, is refused, naming the key and both lines (YAML forbids it; parsers differ on which one
 * wins).
 *
 * <p>Values echoed in messages are shortened and their control characters escaped
 * ({@code \n}, {@code \u0000}), so that every message stays on one line.
 */
final class SpecYaml {
    /** The largest file read, in bytes. */
    static final long MAX_BYTES = 8L << 20;
    /** The longest line read, in characters (a JSON spec on one line fits, a runaway one does not). */
    static final int MAX_LINE_CHARS = 1 << 20;

    private static final List<String> SPEC_KEYS = List.of("input", "target", "layers", "loss", "learning_rate");
    private static final List<String> LAYER_KEYS = List.of("type", "weights", "bias", "activation", "alpha", "units", "every_step");
    private static final List<String> CONV_KEYS = List.of("type", "weights", "bias", "stride", "padding", "activation", "alpha");
    private static final List<String> POOL_KEYS = List.of("type", "kernel", "stride");
    private static final List<String> RNN_KEYS = List.of("type", "weights_ih", "bias_ih", "weights_hh", "bias_hh", "initial_state", "activation");
    /** Keys of an rnn layer in explain's JSON that are for reading, not graded: skipped in answers. */
    private static final List<String> UNGRADED_KEYS = List.of("initial_state_grad");
    /**
     * The keys of an entry of an rnn's steps section (explain's JSON); the step's contributions
     * (weights_grad, weights_hh_grad, bias_grad) are graded, the others are for reading.
     */
    private static final List<String> STEP_KEYS = List.of("t", "x", "h_prev", "net", "h", "h_grad_from_above", "h_grad_recurrent", "h_grad",
            "tanh_derivative", "net_grad", "weights_grad", "weights_hh_grad", "bias_grad", "out_net", "out", "target", "loss", "out_grad",
            "out_net_grad", "out_weights_grad", "out_bias_grad");

    private final String source;
    private final Map<String, Mark> marks = new HashMap<>();

    private SpecYaml(String source) {
        this.source = source;
    }

    /** A value read from a file, with the positions of its fields for later error messages. */
    record Read<T>(T value, SpecYaml reader) {
        /** Turns a {@link SpecException} about this file into a {@link FormatException} with its line and column. */
        BackpropException locate(SpecException e) {
            return reader.locate(e);
        }
    }

    // ------------------------------------------------------------------------------ entry points

    static Read<NetworkSpec> readSpec(Path file) {
        return readSpec(readText(file), file.toString());
    }

    static Read<NetworkSpec> readSpec(String text, String source) {
        SpecYaml r = new SpecYaml(source);
        Node root = r.compose(text, "a network spec: a mapping with input, target, layers, loss and optionally learning_rate");
        try {
            return new Read<>(r.spec(root), r);
        } catch (SpecException e) {
            throw r.locate(e);
        }
    }

    /**
     * The top-level mapping of a YAML file of another kind ({@code train --model FILE.yaml}), read
     * with the same limits and checks (size, line length, UTF-8, duplicate keys).
     */
    static Node readMapping(Path file, String expected) {
        return new SpecYaml(file.toString()).compose(readText(file), expected);
    }

    static Read<Answers> readAnswers(Path file) {
        return readAnswers(readText(file), file.toString());
    }

    static Read<Answers> readAnswers(String text, String source) {
        SpecYaml r = new SpecYaml(source);
        Node root = r.compose(text, "answers: a mapping with loss and layers, as explain --format json writes them");
        try {
            return new Read<>(r.answers(root), r);
        } catch (SpecException e) {
            throw r.locate(e);
        }
    }

    static String readText(Path file) {
        String name = file.toString();
        FileKind kind = FileKind.of(file);
        if (kind == FileKind.MISSING) throw new FormatException(name, null, "no such file");
        if (kind == FileKind.DIRECTORY) throw new FormatException(name, null, "is a directory; expected a YAML file");
        if (kind == FileKind.LINK_LOOP || kind == FileKind.BROKEN_LINK) {
            throw new FormatException(name, null, "is " + kind.description() + "; expected a YAML file");
        }
        // A pipe or a device (explain <(...), /dev/stdin) is read too, but never past the limit.
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                String size = kind == FileKind.REGULAR ? "is " + Files.size(file) + " bytes" : "holds more";
                throw new FormatException(name, null, size + ", more than the limit of " + MAX_BYTES
                        + " bytes; explain is for networks a person can follow");
            }
            return decode(bytes, name);
        } catch (NoSuchFileException e) {
            throw new FormatException(name, null, "no such file");
        } catch (IOException e) {
            throw new FormatException(name, null, "cannot be read: " + AtomicFiles.reason(e));
        }
    }

    static String readResource(String name) {
        try (InputStream in = SpecYaml.class.getResourceAsStream(name)) {
            if (in == null) throw new BackpropException("missing resource " + name + " (a broken build)");
            return decode(in.readAllBytes(), name);
        } catch (IOException e) {
            throw new BackpropException("cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }

    /** Strict UTF-8; an invalid byte is reported with its line and column. */
    static String decode(byte[] bytes, String name) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
        if (r.isError()) {
            int at = in.position(); // the first byte of the invalid sequence
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int column = new String(bytes, lineStart, at - lineStart, StandardCharsets.UTF_8).length() + 1;
            throw new FormatException(name, "line " + line + ", column " + column, String.format(
                    "invalid UTF-8 (byte 0x%02x at byte offset %d); expected a YAML file in UTF-8", bytes[at] & 0xff, at));
        }
        return out.flip().toString();
    }

    /** Refuses a line longer than {@link #MAX_LINE_CHARS}, before the parser spends time on it. */
    private void checkLines(String text) {
        int line = 1;
        int start = 0;
        int n = text.length();
        for (int i = 0; i <= n; i++) {
            if (i == n || text.charAt(i) == '\n') {
                if (i - start > MAX_LINE_CHARS) {
                    throw new FormatException(source, "line " + line, "is " + (i - start) + " characters long, more than the limit of "
                            + MAX_LINE_CHARS + "; explain is for networks a person can follow");
                }
                line++;
                start = i + 1;
            }
        }
    }

    // ------------------------------------------------------------------------------ YAML

    private Node compose(String text, String expected) {
        if (text.isBlank()) throw new FormatException(source, null, "empty file; expected " + expected);
        if (text.length() > MAX_BYTES) {
            throw new FormatException(source, null, "is " + text.length() + " characters long, more than the limit of " + MAX_BYTES);
        }
        checkLines(text);
        // The whole text in one buffer: the reader's default of 1 KiB made a long token (a comment
        // line, a long scalar) cost time quadratic in its length (an 8 MB comment: 121 s, 6.3 GB).
        LoadSettings settings = LoadSettings.builder().setLabel(source).setSchema(new CoreSchema())
                .setAllowDuplicateKeys(false).setMaxAliasesForCollections(50).setCodePointLimit((int) MAX_BYTES + 1)
                .setBufferSize(text.length() + 1).setUseMarks(true).build();
        Optional<Node> node;
        try {
            node = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> m = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
            String what = (e.getContext() == null ? "" : e.getContext() + ": ") + (e.getProblem() == null ? "" : e.getProblem());
            throw new FormatException(source, m.map(SpecYaml::where).orElse(null), "not valid YAML: " + what.strip());
        } catch (YamlEngineException e) {
            throw new FormatException(source, null, "not valid YAML: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // The engine's own checks outside its parser, such as a tag that decodes to text with
            // spaces around it (`- !0%E`), throw this instead of a YamlEngineException.
            throw new FormatException(source, null, "not valid YAML: " + e.getMessage());
        } catch (StackOverflowError e) {
            throw new FormatException(source, null, "not usable YAML: nested too deeply");
        }
        if (node.isEmpty() || (node.get() instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) {
            throw new FormatException(source, null, "empty document; expected " + expected);
        }
        if (!(node.get() instanceof MappingNode)) {
            throw new FormatException(source, where(node.get()), "found " + describe(node.get()) + "; expected " + expected);
        }
        refuseDuplicateKeys(node.get());
        return node.get();
    }

    /**
     * Refuses a mapping, anywhere in the document, that has a key twice. The low-level composer
     * does not check (only the constructor does, which this reader does not use), and a repeated
     * key would silently win: a spec with two learning_rates ran with the second.
     */
    private void refuseDuplicateKeys(Node root) {
        java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue; // an alias of a node already checked
            if (n instanceof MappingNode m) {
                Map<String, Node> keys = new HashMap<>();
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k) {
                        Node first = keys.putIfAbsent(k.getValue(), k);
                        if (first != null) {
                            throw new FormatException(source, where(k), "duplicate key '" + printable(k.getValue()) + "'"
                                    + first.getStartMark().map(f -> " (first at line " + (f.getLine() + 1) + ")").orElse("")
                                    + "; each key may appear once in a mapping");
                        }
                    } else {
                        todo.push(t.getKeyNode());
                    }
                    todo.push(t.getValueNode());
                }
            } else if (n instanceof SequenceNode q) {
                for (Node item : q.getValue()) todo.push(item);
            }
        }
    }

    /** Text for a message: at most 40 characters, control characters escaped, so that it stays on one line. */
    static String printable(String v) {
        String cut = v.length() > 40 ? v.substring(0, 37) : v;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return v.length() > 40 ? sb + "..." : sb.toString();
    }

    static String where(Mark m) {
        return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    }

    static String where(Node n) {
        return n.getStartMark().map(SpecYaml::where).orElse(null);
    }

    private BackpropException locate(SpecException e) {
        String f = e.field();
        Mark m = null;
        while (f != null && m == null) {
            m = marks.get(f);
            int cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
            f = cut > 0 ? f.substring(0, cut) : null;
        }
        if (m == null) m = marks.get("");
        return new FormatException(source, m == null ? null : where(m), e.getMessage(), e);
    }

    private SpecException error(Node at, String field, String message) {
        at.getStartMark().ifPresent(m -> marks.put(field, m));
        return new SpecException(field, message);
    }

    private void mark(String field, Node n) {
        n.getStartMark().ifPresent(m -> marks.putIfAbsent(field, m));
    }

    /** The keys and values of a mapping, refusing keys not in {@code allowed}. */
    private Map<String, Node> mapping(Node n, String field, List<String> allowed, String what) {
        if (!(n instanceof MappingNode m)) throw error(n, field, "found " + describe(n) + "; expected " + what);
        Map<String, Node> out = new java.util.LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            String key = k instanceof ScalarNode s ? s.getValue() : null;
            String kf = field.isEmpty() ? String.valueOf(key) : field + "." + key;
            if (key == null || !allowed.contains(key)) {
                throw error(k, field.isEmpty() ? "(top level)" : field, "unknown key " + (key == null ? describe(k) : "'" + printable(key) + "'")
                        + "; expected " + String.join(", ", allowed));
            }
            mark(kf, t.getValueNode());
            out.put(key, t.getValueNode());
        }
        return out;
    }

    private static boolean isNull(Node n) {
        return n == null || (n instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    static String describe(Node n) {
        if (n instanceof ScalarNode s) {
            String v = printable(s.getValue());
            if (s.getTag().equals(Tag.NULL)) return "null";
            if (s.getTag().equals(Tag.BOOL)) return "'" + v + "' (a boolean)";
            if (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT)) return "'" + v + "' (a number)";
            return "'" + v + "' (a string)";
        }
        if (n instanceof SequenceNode q) return "a list of " + q.getValue().size();
        if (n instanceof MappingNode) return "a mapping";
        return "a " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A scalar number as written, with its text. */
    private record Num(double value, String text) {}

    private Num number(Node n, String field) {
        if (n instanceof ScalarNode s && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT))) {
            String v = s.getValue().strip();
            String t = v.replace("_", "");
            double d;
            try {
                if (s.getTag().equals(Tag.INT)) {
                    String sign = t.startsWith("-") ? "-" : "";
                    String body = t.replaceFirst("^[-+]", "");
                    if (body.startsWith("0x")) d = new BigInteger(sign + body.substring(2), 16).doubleValue();
                    else if (body.startsWith("0o")) d = new BigInteger(sign + body.substring(2), 8).doubleValue();
                    else d = new BigInteger(sign + body).doubleValue();
                } else {
                    String low = t.toLowerCase(java.util.Locale.ROOT);
                    if (low.endsWith(".inf")) d = low.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    else if (low.equals(".nan")) d = Double.NaN;
                    else d = Double.parseDouble(t);
                }
            } catch (NumberFormatException e) {
                throw error(n, field, "found '" + printable(v) + "', expected a number");
            }
            if (!Double.isFinite(d)) throw error(n, field, "found '" + printable(v) + "', expected a finite number");
            return new Num(d, v);
        }
        throw error(n, field, "found " + describe(n) + ", expected a number");
    }

    private List<Node> list(Node n, String field, String what) {
        if (!(n instanceof SequenceNode q)) throw error(n, field, "found " + describe(n) + "; expected " + what);
        return q.getValue();
    }

    /** A list of numbers or a list of equal-length lists of numbers, size-checked before allocation. */
    private interface Cell<T> {
        T read(Node n, String field);
    }

    private record Matrix<T>(List<List<T>> rows, boolean nested) {}

    private <T> Matrix<T> matrix(Node n, String field, Cell<T> cell, String what) {
        List<Node> items = list(n, field, what);
        if (items.isEmpty()) throw error(n, field, "empty list; expected " + what);
        boolean nested = items.get(0) instanceof SequenceNode;
        long rows = nested ? items.size() : 1;
        long cols = nested ? ((SequenceNode) items.get(0)).getValue().size() : items.size();
        long total = 0;
        if (nested) for (Node r : items) total += r instanceof SequenceNode q ? q.getValue().size() : 1;
        else total = items.size();
        try {
            NetworkSpec.checkSize(field, rows, Math.max(cols, (total + rows - 1) / rows));
        } catch (SpecException e) {
            throw error(n, field, e.detail());
        }
        List<List<T>> out = new ArrayList<>();
        if (!nested) {
            List<T> row = new ArrayList<>();
            for (int j = 0; j < items.size(); j++) {
                Node x = items.get(j);
                if (x instanceof SequenceNode) throw error(x, field + "[" + j + "]", "found a list among numbers; expected a number (or write every row as a list)");
                row.add(cell.read(x, field + "[" + j + "]"));
            }
            out.add(row);
            return new Matrix<>(out, false);
        }
        for (int i = 0; i < items.size(); i++) {
            Node r = items.get(i);
            String rf = field + "[" + i + "]";
            if (!(r instanceof SequenceNode q)) throw error(r, rf, "found " + describe(r) + " among rows; expected a list of numbers");
            if (q.getValue().size() != cols) {
                throw error(r, rf, "ragged rows: row " + i + " has " + q.getValue().size() + " values, row 0 has " + cols
                        + "; every row needs the same count");
            }
            List<T> row = new ArrayList<>();
            for (int j = 0; j < q.getValue().size(); j++) {
                Node x = q.getValue().get(j);
                if (x instanceof SequenceNode) throw error(x, rf + "[" + j + "]", "found a list; expected a number (nested too deeply)");
                row.add(cell.read(x, rf + "[" + j + "]"));
            }
            out.add(row);
        }
        return new Matrix<>(out, true);
    }

    private double[][] doubles(Node n, String field, String what) {
        Matrix<Double> m = matrix(n, field, (x, f) -> number(x, f).value(), what);
        double[][] out = new double[m.rows().size()][];
        for (int i = 0; i < out.length; i++) out[i] = m.rows().get(i).stream().mapToDouble(Double::doubleValue).toArray();
        return out;
    }

    /** Numbers nested to any depth up to 4, rectangular: their sizes per level and their values in row-major order. */
    private record Nested<T>(int[] dims, List<T> values) {}

    /**
     * Reads nested lists of numbers of the same length at each level (a tensor), counting them on
     * the YAML nodes before any value is read, so an oversized one is refused without trying.
     */
    private <T> Nested<T> nested(Node n, String field, Cell<T> cell, String what) {
        List<Integer> dims = new ArrayList<>();
        Node at = n;
        while (at instanceof SequenceNode q) {
            if (q.getValue().isEmpty()) throw error(at, field, "empty list; expected " + what);
            dims.add(q.getValue().size());
            if (dims.size() > 4) throw error(n, field, "nested deeper than 4 levels; expected " + what);
            at = q.getValue().get(0);
        }
        if (dims.isEmpty()) throw error(n, field, "found " + describe(n) + "; expected " + what);
        long total = 1;
        for (int d : dims) total *= d;
        if (total > NetworkSpec.MAX_ELEMENTS) {
            throw error(n, field, "holds " + total + " numbers, more than the limit of " + NetworkSpec.MAX_ELEMENTS + "; explain is for networks a person can follow");
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        List<T> out = new ArrayList<>();
        collect(n, field, shape, 0, cell, out);
        return new Nested<>(shape, out);
    }

    private <T> void collect(Node n, String field, int[] shape, int depth, Cell<T> cell, List<T> out) {
        if (depth == shape.length) {
            if (n instanceof SequenceNode) throw error(n, field, "found a list; expected a number (nested deeper than the first entries)");
            out.add(cell.read(n, field));
            return;
        }
        if (!(n instanceof SequenceNode q)) throw error(n, field, "found " + describe(n) + "; expected a list of " + shape[depth] + " (as the first entries at this level)");
        if (q.getValue().size() != shape[depth]) {
            throw error(n, field, "ragged: has " + q.getValue().size() + " entries where the first has " + shape[depth] + "; every list at one level needs the same count");
        }
        for (int i = 0; i < shape[depth]; i++) collect(q.getValue().get(i), field + "[" + i + "]", shape, depth + 1, cell, out);
    }

    /** A whole number >= {@code min}. */
    private int whole(Node n, String field, int min) {
        double v = number(n, field).value();
        if (v != Math.rint(v) || v < min || v > NetworkSpec.MAX_UNITS) {
            throw error(n, field, "found " + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)) + ", expected a whole number >= " + min);
        }
        return (int) v;
    }

    // ------------------------------------------------------------------------------ spec

    private NetworkSpec spec(Node root) {
        mark("", root);
        Map<String, Node> top = mapping(root, "", SPEC_KEYS, "a mapping");
        for (String k : List.of("input", "target", "layers", "loss")) {
            if (!top.containsKey(k) || isNull(top.get(k))) {
                throw error(top.getOrDefault(k, root), k, "missing; a spec needs input, target, layers and loss (see backprop4j explain --help)");
            }
        }
        Node inputNode = top.get("input");
        int depth = 0;
        for (Node at = inputNode; at instanceof SequenceNode q && !q.getValue().isEmpty(); at = q.getValue().get(0)) depth++;
        boolean batched;
        double[][] input;
        int[] inputShape = null;
        boolean rnn = firstType(top.get("layers")).equals("rnn");
        if (rnn) {
            // a sequence: steps x features, or a batch of them (batch x steps x features); each sample flat
            Nested<Double> in = nested(inputNode, "input", (x, f) -> number(x, f).value(),
                    "one sequence (steps x features lists) or a batch of them (batch x steps x features)");
            if (in.dims().length < 2 || in.dims().length > 3) {
                throw error(inputNode, "input", "is " + NetworkSpec.str(in.dims()) + "; an rnn takes steps x features (a list per step), "
                        + "or batch x steps x features");
            }
            batched = in.dims().length == 3;
            inputShape = java.util.Arrays.copyOfRange(in.dims(), batched ? 1 : 0, in.dims().length);
            int n = batched ? in.dims()[0] : 1;
            int per = in.values().size() / n;
            input = new double[n][per];
            for (int i = 0; i < in.values().size(); i++) input[i / per][i % per] = in.values().get(i);
        } else if (depth <= 2) {
            batched = depth == 2;
            input = doubles(inputNode, "input", "one sample (a list of numbers) or a batch (a list of lists)");
        } else {
            // images: C x H x W, or a batch N x C x H x W; each sample flat, as NetworkSpec keeps them
            Nested<Double> in = nested(inputNode, "input", (x, f) -> number(x, f).value(),
                    "one image (channels x height x width lists) or a batch of them (batch x channels x height x width)");
            batched = in.dims().length == 4;
            inputShape = java.util.Arrays.copyOfRange(in.dims(), batched ? 1 : 0, in.dims().length);
            int n = batched ? in.dims()[0] : 1;
            int per = in.values().size() / n;
            input = new double[n][per];
            for (int i = 0; i < in.values().size(); i++) input[i / per][i % per] = in.values().get(i);
        }
        List<Node> layerNodes = list(top.get("layers"), "layers", "a list of layers, each with weights and activation");
        if (layerNodes.isEmpty()) throw error(top.get("layers"), "layers", "empty list; expected at least one layer with weights and activation");
        if (layerNodes.size() > NetworkSpec.MAX_LAYERS) {
            throw error(top.get("layers"), "layers", layerNodes.size() + " layers, more than the limit of " + NetworkSpec.MAX_LAYERS);
        }
        List<NetworkSpec.Layer> layers = new ArrayList<>();
        for (int l = 0; l < layerNodes.size(); l++) layers.add(layer(layerNodes.get(l), "layers[" + l + "]"));
        for (int l = 1; l < layers.size(); l++) {
            if (layers.get(l).kind() == NetworkSpec.Kind.RNN) {
                throw error(layerNodes.get(l), "layers[" + l + "]", "an rnn layer takes the input sequence (steps x features): make it layer 0 (one rnn per spec)");
            }
        }
        NetworkSpec.Layer lastLayer = layers.getLast();
        double[][] target = lastLayer.kind() == NetworkSpec.Kind.RNN
                ? stateTargets(top.get("target"), batched, inputShape[0], lastLayer.hidden(), false)
                : rnn && lastLayer.everyStep() ? stateTargets(top.get("target"), batched, inputShape[0], lastLayer.units(), true)
                : doubles(top.get("target"), "target", "the network's output shape: a list per sample, or one list for one sample");
        Loss loss = null;
        Node lossNode = top.get("loss");
        if (lossNode instanceof ScalarNode s) loss = NetworkSpec.loss(s.getValue().strip());
        if (loss == null) {
            throw error(lossNode, "loss", "unknown loss " + describe(lossNode) + "; expected one of " + NetworkSpec.lossNames());
        }
        Double lr = null;
        if (top.containsKey("learning_rate") && !isNull(top.get("learning_rate"))) {
            Node lrNode = top.get("learning_rate");
            if (lrNode instanceof ScalarNode s && s.getValue().strip().toLowerCase(java.util.Locale.ROOT).matches("[-+]?\\.(nan|inf)")) {
                throw error(lrNode, "learning_rate", "found '" + printable(s.getValue()) + "', expected a finite number > 0 (such as 0.1)");
            }
            lr = number(lrNode, "learning_rate").value();
        }
        return new NetworkSpec(input, batched, inputShape, target, layers, loss, lr);
    }

    /** The type of the first layer ("dense" when none is given or it cannot be read: the layer's own reader says why). */
    private static String firstType(Node layers) {
        if (!(layers instanceof SequenceNode q) || q.getValue().isEmpty() || !(q.getValue().get(0) instanceof MappingNode m)) return "dense";
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("type") && t.getValueNode() instanceof ScalarNode v) return v.getValue().strip();
        }
        return "dense";
    }

    /**
     * The targets of an rnn's every state, steps x hidden per sample (batch x steps x hidden), or
     * of a dense layer on every state ({@code perStep}), steps x units; each sample flat.
     */
    private double[][] stateTargets(Node n, boolean batched, int steps, int hidden, boolean perStep) {
        String per = perStep ? "units" : "hidden";
        Nested<Double> t = nested(n, "target", (x, f) -> number(x, f).value(), "a target per " + (perStep ? "step" : "state") + ": steps x " + per
                + " (batch x steps x " + per + ")");
        String states = steps + " x " + hidden;
        String what = perStep ? "the dense layer's outputs on every step" : "the rnn's states";
        if (t.dims().length != (batched ? 3 : 2)) {
            throw error(n, "target", "is " + NetworkSpec.str(t.dims()) + "; the loss takes " + (perStep ? "every step's output" : "every state of the rnn")
                    + ": expected " + (batched ? "batch x steps x " : "steps x ") + per + " numbers (" + (batched ? "N x " : "") + states + ")");
        }
        int[] d = t.dims();
        if (d[d.length - 2] != steps || d[d.length - 1] != hidden) {
            throw error(n, "target", "is " + NetworkSpec.str(d) + ", but " + what + " are " + states + " (steps x " + per + (batched ? " per sample" : "")
                    + "): a target per " + (perStep ? "step" : "state"));
        }
        int rows = batched ? t.dims()[0] : 1;
        int each = t.values().size() / rows;
        double[][] out = new double[rows][each];
        for (int i = 0; i < t.values().size(); i++) out[i / each][i % each] = t.values().get(i);
        return out;
    }

    private NetworkSpec.Layer rnn(Node n, String field) {
        Map<String, Node> m = mapping(n, field, RNN_KEYS,
                "an rnn layer: weights_ih (hidden x features), weights_hh (hidden x hidden), and optionally bias_ih, bias_hh, initial_state");
        if (m.containsKey("activation") && !isNull(m.get("activation"))) {
            Node an = m.get("activation");
            if (!(an instanceof ScalarNode s && s.getValue().strip().equals("tanh"))) {
                throw error(an, field + ".activation", "found " + describe(an) + "; an rnn layer uses tanh (leave activation out, or write tanh)");
            }
        }
        double[][] wih = rnnMatrix(n, m, field, "weights_ih", "hidden x features");
        double[][] whh = rnnMatrix(n, m, field, "weights_hh", "hidden x hidden");
        double[] bih = rnnVector(m, field, "bias_ih");
        double[] bhh = rnnVector(m, field, "bias_hh");
        double[][] h0 = null;
        if (m.containsKey("initial_state") && !isNull(m.get("initial_state"))) {
            h0 = doubles(m.get("initial_state"), field + ".initial_state", "h_0: one number per hidden unit (or a list per sample)");
        }
        return NetworkSpec.Layer.rnn(wih, bih, whh, bhh, h0);
    }

    private double[][] rnnMatrix(Node n, Map<String, Node> m, String field, String key, String layout) {
        Node w = m.get(key);
        if (w == null || isNull(w)) throw error(n, field + "." + key, "missing; expected a matrix, " + layout + " (PyTorch's layout)");
        double[][] out = doubles(w, field + "." + key, "a matrix, " + layout + " (a list of rows, PyTorch's layout)");
        if (!(w instanceof SequenceNode q && q.getValue().get(0) instanceof SequenceNode)) {
            throw error(w, field + "." + key, "found a flat list; expected a matrix, " + layout + " (a list of rows)");
        }
        return out;
    }

    private double[] rnnVector(Map<String, Node> m, String field, String key) {
        if (!m.containsKey(key) || isNull(m.get(key))) return null;
        double[][] b = doubles(m.get(key), field + "." + key, "one number per hidden unit");
        if (b.length != 1) throw error(m.get(key), field + "." + key, "found a matrix; expected one number per hidden unit (a flat list)");
        return b[0];
    }

    private NetworkSpec.Layer layer(Node n, String field) {
        mark(field, n);
        String type = "dense";
        if (n instanceof MappingNode mn) {
            for (NodeTuple t : mn.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("type") && !isNull(t.getValueNode())) {
                    type = t.getValueNode() instanceof ScalarNode v ? v.getValue().strip() : null;
                    if (type == null || !NetworkSpec.TYPES.contains(type)) {
                        throw error(t.getValueNode(), field + ".type", "unknown layer type " + describe(t.getValueNode()) + "; expected one of "
                                + String.join(", ", NetworkSpec.TYPES));
                    }
                }
            }
        }
        return switch (type) {
            case "conv2d" -> conv(n, field);
            case "rnn" -> rnn(n, field);
            case "max_pool2d", "avg_pool2d" -> pool(n, field, type);
            case "flatten" -> {
                mapping(n, field, List.of("type"), "a flatten layer: type: flatten and nothing else");
                yield NetworkSpec.Layer.flatten();
            }
            default -> dense(n, field);
        };
    }

    private NetworkSpec.Layer conv(Node n, String field) {
        Map<String, Node> m = mapping(n, field, CONV_KEYS, "a conv2d layer: weights (out x in x kh x kw), activation, and optionally bias, stride, padding");
        String act = activationName(n, m, field);
        if (!m.containsKey("weights") || isNull(m.get("weights"))) throw error(n, field + ".weights", "missing; expected out x in x kh x kw numbers");
        Nested<Double> w = nested(m.get("weights"), field + ".weights", (x, f) -> number(x, f).value(), "out x in x kh x kw numbers (PyTorch's layout)");
        if (w.dims().length != 4) {
            throw error(m.get("weights"), field + ".weights", "is " + NetworkSpec.str(w.dims()) + "; expected out x in x kh x kw (4 levels of lists, PyTorch's layout)");
        }
        int[] k = w.dims();
        double[][][][] w4 = new double[k[0]][k[1]][k[2]][k[3]];
        int at = 0;
        for (int o = 0; o < k[0]; o++) for (int c = 0; c < k[1]; c++) for (int u = 0; u < k[2]; u++) for (int v = 0; v < k[3]; v++) w4[o][c][u][v] = w.values().get(at++);
        double[] bias = bias(m, field, "one number per output channel");
        int stride = m.containsKey("stride") && !isNull(m.get("stride")) ? whole(m.get("stride"), field + ".stride", 1) : 1;
        int padding = m.containsKey("padding") && !isNull(m.get("padding")) ? whole(m.get("padding"), field + ".padding", 0) : 0;
        return NetworkSpec.Layer.conv2d(w4, bias, NetworkSpec.activation(act, alpha(m, field, act)), stride, padding);
    }

    private NetworkSpec.Layer pool(Node n, String field, String type) {
        Map<String, Node> m = mapping(n, field, POOL_KEYS, "a " + type + " layer: kernel (the window's size), optionally stride (the kernel's by default)");
        if (!m.containsKey("kernel") || isNull(m.get("kernel"))) throw error(n, field + ".kernel", "missing; expected the window's size, such as 2");
        int kernel = whole(m.get("kernel"), field + ".kernel", 1);
        int stride = m.containsKey("stride") && !isNull(m.get("stride")) ? whole(m.get("stride"), field + ".stride", 1) : kernel;
        return NetworkSpec.Layer.pool(type.equals("max_pool2d") ? NetworkSpec.Kind.MAX_POOL2D : NetworkSpec.Kind.AVG_POOL2D, kernel, stride);
    }

    private String activationName(Node n, Map<String, Node> m, String field) {
        Node an = m.get("activation");
        if (an == null || isNull(an)) throw error(n, field + ".activation", "missing; expected one of " + NetworkSpec.activationNames());
        String act = an instanceof ScalarNode s ? s.getValue().strip() : null;
        if (act == null || !NetworkSpec.ACTIVATIONS.contains(act)) {
            throw error(an, field + ".activation", "unknown activation " + describe(an) + "; expected one of " + NetworkSpec.activationNames());
        }
        return act;
    }

    private double[] bias(Map<String, Node> m, String field, String what) {
        if (!m.containsKey("bias") || isNull(m.get("bias"))) return null;
        double[][] b = doubles(m.get("bias"), field + ".bias", what);
        if (b.length != 1) throw error(m.get("bias"), field + ".bias", "found a matrix; expected " + what + " (a flat list)");
        return b[0];
    }

    private Double alpha(Map<String, Node> m, String field, String act) {
        if (!m.containsKey("alpha") || isNull(m.get("alpha"))) return null;
        if (!NetworkSpec.hasAlpha(act)) {
            throw error(m.get("alpha"), field + ".alpha", "given for " + act + ", which has none; alpha applies to leaky_relu and elu");
        }
        return number(m.get("alpha"), field + ".alpha").value();
    }

    private NetworkSpec.Layer dense(Node n, String field) {
        Map<String, Node> m = mapping(n, field, LAYER_KEYS, "a layer: a mapping with weights, activation and optionally bias and alpha");
        if (!m.containsKey("units") || isNull(m.get("units"))) {
            // optional: a declared unit count, checked before the weights are read
        } else {
            double units = number(m.get("units"), field + ".units").value();
            if (units < 1 || units != Math.rint(units)) throw error(m.get("units"), field + ".units", "found " + units + ", expected a whole number >= 1");
            if (units > NetworkSpec.MAX_UNITS) {
                throw error(m.get("units"), field + ".units", (long) units + " units, more than the limit of " + NetworkSpec.MAX_UNITS
                        + " per layer; explain is for networks a person can follow");
            }
        }
        Node an = m.get("activation");
        if (an == null || isNull(an)) throw error(n, field + ".activation", "missing; expected one of " + NetworkSpec.activationNames());
        String act = an instanceof ScalarNode s ? s.getValue().strip() : null;
        if (act == null || !NetworkSpec.ACTIVATIONS.contains(act)) {
            throw error(an, field + ".activation", "unknown activation " + describe(an) + "; expected one of " + NetworkSpec.activationNames());
        }
        if (!m.containsKey("weights") || isNull(m.get("weights"))) throw error(n, field + ".weights", "missing; expected a matrix, inputs x units");
        double[][] w = doubles(m.get("weights"), field + ".weights", "a matrix, inputs x units (a list of rows, row i the weights leaving input i)");
        if (!(m.get("weights") instanceof SequenceNode q && q.getValue().get(0) instanceof SequenceNode)) {
            throw error(m.get("weights"), field + ".weights", "found a flat list; expected a matrix, inputs x units (a list of rows, one per input)");
        }
        if (m.containsKey("units") && !isNull(m.get("units"))) {
            double units = number(m.get("units"), field + ".units").value();
            if (units != w[0].length) {
                throw error(m.get("units"), field + ".units", "says " + (long) units + ", but the weights have " + w[0].length + " columns (units)");
            }
        }
        double[] bias = null;
        if (m.containsKey("bias") && !isNull(m.get("bias"))) {
            double[][] b = doubles(m.get("bias"), field + ".bias", "one number per unit");
            if (b.length != 1) throw error(m.get("bias"), field + ".bias", "found a matrix; expected one number per unit (a flat list)");
            bias = b[0];
        }
        Double alpha = null;
        if (m.containsKey("alpha") && !isNull(m.get("alpha"))) {
            if (!NetworkSpec.hasAlpha(act)) {
                throw error(m.get("alpha"), field + ".alpha", "given for " + act + ", which has none; alpha applies to leaky_relu and elu");
            }
            alpha = number(m.get("alpha"), field + ".alpha").value();
        }
        boolean everyStep = false;
        if (m.containsKey("every_step") && !isNull(m.get("every_step"))) {
            Node e = m.get("every_step");
            String v = e instanceof ScalarNode sc ? sc.getValue().strip() : "";
            if (!v.equals("true") && !v.equals("false")) {
                throw error(e, field + ".every_step", "found " + describe(e) + "; expected true (the layer on every state of the rnn before it) or false");
            }
            everyStep = v.equals("true");
        }
        io.backprop4j.nn.Activation a = NetworkSpec.activation(act, alpha);
        return everyStep ? NetworkSpec.Layer.denseEveryStep(w, bias, a) : new NetworkSpec.Layer(w, bias, a);
    }

    // ------------------------------------------------------------------------------ answers

    private Answers answers(Node root) {
        mark("", root);
        Map<String, Node> top = mapping(root, "", List.of("loss", "layers"), "a mapping with loss and layers");
        Written loss = null;
        if (top.containsKey("loss") && !isNull(top.get("loss"))) loss = written(top.get("loss"), "loss");
        List<Map<Field, Written[][]>> layers = new ArrayList<>();
        List<Map<Field, int[]>> shapes = new ArrayList<>();
        if (top.containsKey("layers") && !isNull(top.get("layers"))) {
            List<Node> items = list(top.get("layers"), "layers", "a list with one mapping per layer");
            if (items.size() > NetworkSpec.MAX_LAYERS) throw error(top.get("layers"), "layers", items.size() + " layers, more than the limit of " + NetworkSpec.MAX_LAYERS);
            List<String> keys = new ArrayList<>(java.util.Arrays.stream(Field.values()).filter(f -> !f.stepwise()).map(Field::key).toList());
            keys.addAll(UNGRADED_KEYS);
            keys.add("steps");
            for (int l = 0; l < items.size(); l++) {
                String lf = "layers[" + l + "]";
                mark(lf, items.get(l));
                Map<Field, Written[][]> fields = new EnumMap<>(Field.class);
                Map<Field, int[]> nestedShapes = new EnumMap<>(Field.class);
                if (!isNull(items.get(l))) {
                    Map<String, Node> m = mapping(items.get(l), lf, keys, "a mapping of quantities (" + String.join(", ", keys) + ")");
                    for (Map.Entry<String, Node> e : m.entrySet()) {
                        if (isNull(e.getValue()) || UNGRADED_KEYS.contains(e.getKey())) continue;
                        String ff = lf + "." + e.getKey();
                        if (e.getKey().equals("steps")) {
                            steps(e.getValue(), ff, fields);
                            continue;
                        }
                        int depth = 0;
                        for (Node at = e.getValue(); at instanceof SequenceNode q && !q.getValue().isEmpty(); at = q.getValue().get(0)) depth++;
                        if (depth > 2) {
                            // a feature map or a kernel: one row of its values, its shape beside it (Answers.conform lays it out)
                            Nested<Written> nx = nested(e.getValue(), ff, (x, f) -> isNull(x) ? null : written(x, f), "numbers as explain --format json writes them");
                            fields.put(Field.byKey(e.getKey()), new Written[][] {nx.values().toArray(new Written[0])});
                            nestedShapes.put(Field.byKey(e.getKey()), nx.dims());
                            continue;
                        }
                        Matrix<Written> mx = matrix(e.getValue(), ff, (x, f) -> isNull(x) ? null : written(x, f), "numbers as explain --format json writes them");
                        Written[][] w = new Written[mx.rows().size()][];
                        for (int i = 0; i < w.length; i++) w[i] = mx.rows().get(i).toArray(new Written[0]);
                        fields.put(Field.byKey(e.getKey()), w);
                    }
                }
                layers.add(fields);
                shapes.add(nestedShapes);
            }
        }
        return new Answers(loss, layers, shapes);
    }

    /**
     * An rnn's steps section as answers: step t's weights_grad, weights_hh_grad and bias_grad
     * (each step's contributions) as row t of {@link Field#STEP_WEIGHTS_GRAD} and its twins, the
     * matrices row-major; a step left out, or a key left out of a step, is left blank.
     */
    private void steps(Node n, String field, Map<Field, Written[][]> fields) {
        List<Node> items = list(n, field, "a list with one mapping per time step, as explain --format json writes it");
        if (items.size() > NetworkSpec.MAX_STEPS) throw error(n, field, items.size() + " steps, more than the limit of " + NetworkSpec.MAX_STEPS);
        Map<Field, List<Written[]>> rows = new EnumMap<>(Field.class);
        for (int t = 0; t < items.size(); t++) {
            String sf = field + "[" + t + "]";
            if (isNull(items.get(t))) continue;
            Map<String, Node> m = mapping(items.get(t), sf, STEP_KEYS, "one time step's values (" + String.join(", ", STEP_KEYS) + ")");
            for (Map.Entry<String, Node> e : m.entrySet()) {
                Field f = Field.byStepKey(e.getKey());
                if (f == null || isNull(e.getValue())) continue;
                String ff = sf + "." + e.getKey();
                Nested<Written> nx = nested(e.getValue(), ff, (x, g) -> isNull(x) ? null : written(x, g), "numbers as explain --format json writes them");
                List<Written[]> r = rows.computeIfAbsent(f, k -> new ArrayList<>());
                while (r.size() < t) r.add(null);
                r.add(nx.values().toArray(new Written[0]));
            }
        }
        for (Map.Entry<Field, List<Written[]>> e : rows.entrySet()) {
            List<Written[]> r = e.getValue();
            int width = r.stream().filter(java.util.Objects::nonNull).findFirst().map(a -> a.length).orElse(0);
            Written[][] w = new Written[items.size()][];
            for (int t = 0; t < w.length; t++) w[t] = t < r.size() && r.get(t) != null ? r.get(t) : new Written[width];
            fields.put(e.getKey(), w);
        }
    }

    private Written written(Node n, String field) {
        Num x = number(n, field);
        return new Written(x.value(), Written.decimalsOf(x.text()));
    }
}
