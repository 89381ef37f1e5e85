package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/**
 * The command line's JSON: {@link #parse} reads it with snakeyaml-engine (JSON is YAML 1.2, read
 * with the JSON schema), and {@link #write} / {@link #writePretty} write it, numbers printed by
 * {@link Numbers} as the CSV output prints them.
 *
 * <p>Parsed values: an object is a {@code LinkedHashMap<String, Object>} in the text's key order
 * (a key given twice is refused), an array an {@code ArrayList}, a number an {@code Integer},
 * {@code Long} or {@code BigInteger} when written without fraction or exponent, else a
 * {@code Double}; strings, booleans and null as themselves.
 *
 * <pre>{@code
 * Json.write(Map.of("lr", 0.1f));   // {"lr":0.1}
 * Json.parse("{\"lr\": 0.1}", "config").get("lr");   // 0.1 (a Double)
 * }</pre>
 */
final class Json {
    /** The longest text parsed, in characters. */
    static final int MAX_CHARS = 64 << 20;

    private Json() {}

    // ------------------------------------------------------------------------------ reading

    /**
     * Parses one JSON text.
     *
     * @param source names the text in error messages (a file, "the checkpoint's training options")
     * @throws FormatException naming the source, line and column, when the text is not JSON
     */
    static Object parse(String text, String source) {
        LoadSettings settings = LoadSettings.builder().setLabel(source).setSchema(new JsonSchema())
                .setAllowDuplicateKeys(false).setCodePointLimit(MAX_CHARS).setMaxAliasesForCollections(0).build();
        try {
            return new Load(settings).loadFromString(text);
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().or(e::getContextMark)
                    .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse(null);
            throw new FormatException(source, where, "not valid JSON: " + (e.getProblem() == null ? "" : e.getProblem()).strip(), e);
        } catch (YamlEngineException e) {
            throw new FormatException(source, null, "not valid JSON: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------ writing

    /**
     * Compact JSON (no whitespace). Accepted values: {@code Map} with string keys, {@code Collection},
     * {@code float[]}, {@code double[]}, {@code int[]}, strings, numbers, booleans and null.
     *
     * @throws BackpropException for NaN or an infinity (JSON has no such number)
     */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        value(sb, value, null);
        return sb.toString();
    }

    /**
     * JSON indented by two spaces, one member or element per line ({@code "key": value}); empty
     * arrays and objects stay {@code []} and {@code {}}. No trailing newline.
     */
    static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        value(sb, value, "");
        return sb.toString();
    }

    private static void value(StringBuilder sb, Object v, String indent) {
        switch (v) {
            case null -> sb.append("null");
            case CharSequence s -> string(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Float f -> sb.append(finite(Numbers.of(f.floatValue()), Float.isFinite(f)));
            case Double d -> sb.append(finite(Numbers.of(d.doubleValue()), Double.isFinite(d)));
            case Integer i -> sb.append(i.intValue());
            case Long l -> sb.append(l.longValue());
            case BigInteger bi -> sb.append(bi);
            case BigDecimal bd -> sb.append(bd);
            case Map<?, ?> m -> object(sb, m, indent);
            case Collection<?> c -> array(sb, c.toArray(), indent);
            case float[] a -> {
                Object[] boxed = new Object[a.length];
                for (int i = 0; i < a.length; i++) boxed[i] = a[i];
                array(sb, boxed, indent);
            }
            case double[] a -> array(sb, java.util.Arrays.stream(a).boxed().toArray(), indent);
            case int[] a -> array(sb, java.util.Arrays.stream(a).boxed().toArray(), indent);
            default -> throw new IllegalArgumentException("Json.write: cannot write a " + v.getClass().getName());
        }
    }

    private static String finite(String text, boolean finite) {
        if (!finite) throw new BackpropException("cannot write " + text + " as JSON, which has no such number; use --format csv");
        return text;
    }

    private static void object(StringBuilder sb, Map<?, ?> map, String indent) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        String inner = indent == null ? null : indent + "  ";
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("Json.write: a key that is not a string: " + e.getKey());
            if (!first) sb.append(',');
            first = false;
            if (inner != null) sb.append('\n').append(inner);
            string(sb, key);
            sb.append(inner != null ? ": " : ":");
            value(sb, e.getValue(), inner);
        }
        if (indent != null) sb.append('\n').append(indent);
        sb.append('}');
    }

    private static void array(StringBuilder sb, Object[] items, String indent) {
        if (items.length == 0) {
            sb.append("[]");
            return;
        }
        String inner = indent == null ? null : indent + "  ";
        sb.append('[');
        for (int i = 0; i < items.length; i++) {
            if (i > 0) sb.append(',');
            if (inner != null) sb.append('\n').append(inner);
            value(sb, items[i], inner);
        }
        if (indent != null) sb.append('\n').append(indent);
        sb.append(']');
    }

    /**
     * A JSON string. Besides what JSON requires, every character a YAML 1.2 reader refuses or
     * reads as a line break (C1 controls, U+2028, U+2029, U+FFFE, U+FFFF, a lone surrogate) is
     * written as a {@code \}{@code uXXXX} escape, so that {@link #parse} reads back what was written.
     */
    private static void string(StringBuilder sb, CharSequence s) {
        sb.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    boolean paired = Character.isHighSurrogate(c) ? i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))
                            : Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
                    boolean escape = c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029' || c == '\ufffe'
                            || c == '\uffff' || (Character.isSurrogate(c) && !paired);
                    if (escape) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
