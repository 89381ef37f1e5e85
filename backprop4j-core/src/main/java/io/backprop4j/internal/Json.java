package io.backprop4j.internal;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and writer over plain Java values.
 *
 * <h2>Reading</h2>
 * {@link #parse(String, String)} turns one JSON text into:
 * <ul>
 *   <li>an object: {@code LinkedHashMap<String, Object>} in the file's key order;</li>
 *   <li>an array: {@code ArrayList<Object>};</li>
 *   <li>a string: {@code String};</li>
 *   <li>a number: {@code Long} when written without fraction or exponent and within the range
 *       of a long, else {@code Double} (parsed with {@link Double#parseDouble}, so to full
 *       precision);</li>
 *   <li>{@code true}/{@code false}: {@code Boolean}; {@code null}: {@code null}.</li>
 * </ul>
 * Strict means: no comments, no trailing commas, no single quotes, no leading zeros or '+' signs,
 * no control characters inside strings, no NaN or Infinity, no duplicate keys in one object and
 * nothing but whitespace after the value. A number too large for a double (such as
 * {@code 1e400}) is refused rather than read as infinity. A UTF-8 byte-order mark at the start of
 * a file is skipped (RFC 8259 section 8.1 allows it).
 *
 * <h2>Limits</h2>
 * Nesting deeper than {@link #MAX_DEPTH} and texts longer than {@link #MAX_CHARS} characters (or
 * files larger than {@link #MAX_CHARS} bytes) are refused, so a hostile file cannot exhaust the
 * stack or the heap.
 *
 * <h2>Errors</h2>
 * Every syntax error is a {@link FormatException} naming the source and the place, e.g.
 * {@code model.json, line 3, column 17: expected ',' or '}' after an object member, found ']'}.
 *
 * <h2>Writing</h2>
 * {@link #write(Object)} gives compact JSON and {@link #writePretty(Object)} indents by two
 * spaces. Doubles are written with {@link Double#toString(double)}, the shortest text that reads
 * back as the same double (floats with {@link Float#toString(float)}); NaN and infinities are
 * refused with a {@link BackpropException}. Accepted values: {@code Map} with {@code String} keys,
 * {@code Collection}, Java arrays (primitive or object), {@code CharSequence}, {@code Number},
 * {@code Boolean}, {@code Character}, {@code Enum} (by its name) and {@code null}.
 *
 * <pre>{@code
 * Object v = Json.parse("{\"lr\": 0.1, \"layers\": [4, 3]}", "config");
 * // {lr=0.1, layers=[4, 3]}: a LinkedHashMap holding a Double and an ArrayList of Longs
 * Json.write(v);        // {"lr":0.1,"layers":[4,3]}
 * }</pre>
 */
public final class Json {
    /** The deepest nesting of arrays and objects accepted, by the reader and the writer. */
    public static final int MAX_DEPTH = 512;

    /** The longest text accepted, in characters (and the largest file, in bytes): 256 MiB. */
    public static final int MAX_CHARS = 256 << 20;

    private Json() {}

    // ------------------------------------------------------------------------------ reading

    /**
     * Parses one JSON text.
     *
     * @param text the JSON text
     * @param sourceName names the text in error messages (a file name, "header of x.safetensors")
     * @return the value, as described in the class comment
     * @throws FormatException when the text is not valid JSON or exceeds the limits
     */
    public static Object parse(String text, String sourceName) {
        if (text == null) throw new BackpropException("Json.parse: text is null");
        if (text.length() > MAX_CHARS) {
            throw new FormatException(sourceName, null,
                    "JSON text of " + text.length() + " characters exceeds the limit of " + MAX_CHARS);
        }
        return new Parser(text, sourceName).parseDocument();
    }

    /**
     * Parses a UTF-8 encoded JSON text; malformed UTF-8 is refused naming its byte offset.
     *
     * @throws FormatException when the bytes are not UTF-8 JSON or exceed the limits
     */
    public static Object parse(byte[] utf8, String sourceName) {
        return parse(decodeUtf8(utf8, 0, utf8.length, sourceName), sourceName);
    }

    /**
     * Reads and parses a UTF-8 JSON file; errors name the file.
     *
     * @throws FormatException when the file is not UTF-8 JSON or larger than {@link #MAX_CHARS}
     * @throws BackpropException when the file cannot be read
     */
    public static Object parse(Path file) {
        String name = file.toString();
        try {
            long size = Files.size(file);
            if (size > MAX_CHARS) {
                throw new FormatException(name, null,
                        "JSON file of " + size + " bytes exceeds the limit of " + MAX_CHARS);
            }
            byte[] bytes = Files.readAllBytes(file);
            return parse(bytes, name);
        } catch (IOException e) {
            throw new BackpropException(name + ": cannot read: " + e, e);
        }
    }

    /**
     * Decodes UTF-8 strictly (no replacement characters): malformed input is a
     * {@link FormatException} naming the byte offset, counted from {@code offset}'s start.
     */
    public static String decodeUtf8(byte[] bytes, int offset, int length, String sourceName) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        var result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new FormatException(sourceName, "byte " + in.position(),
                    "invalid UTF-8 (" + result + ")");
        }
        result = decoder.flush(out);
        if (result.isError()) {
            throw new FormatException(sourceName, "byte " + in.position(), "invalid UTF-8 at the end");
        }
        out.flip();
        return out.toString();
    }

    private static final class Parser {
        private final String s;
        private final String source;
        private final int n;
        private int pos;

        Parser(String text, String source) {
            this.s = text;
            this.source = source;
            this.n = text.length();
            this.pos = !text.isEmpty() && text.charAt(0) == '\uFEFF' ? 1 : 0;
        }

        Object parseDocument() {
            skipWhitespace();
            if (pos >= n) throw error(pos, "empty JSON text: expected a value");
            Object value = parseValue(0);
            skipWhitespace();
            if (pos < n) throw error(pos, "unexpected " + describe(pos) + " after the JSON value");
            return value;
        }

        private Object parseValue(int depth) {
            if (pos >= n) throw error(pos, "unexpected end of text: expected a value");
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> parseObject(depth + 1);
                case '[' -> parseArray(depth + 1);
                case '"' -> parseString();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield parseNumber();
                    throw error(pos, "expected a value, found " + describe(pos));
                }
            };
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error(pos, "expected a value, found " + describeWord(pos));
            }
            pos += word.length();
            return value;
        }

        private Map<String, Object> parseObject(int depth) {
            if (depth > MAX_DEPTH) throw error(pos, "nesting deeper than " + MAX_DEPTH + " levels");
            pos++; // '{'
            LinkedHashMap<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (pos < n && s.charAt(pos) == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (pos >= n || s.charAt(pos) != '"') {
                    throw error(pos, "expected a string key in an object, found " + describe(pos));
                }
                int keyStart = pos;
                String key = parseString();
                skipWhitespace();
                if (pos >= n || s.charAt(pos) != ':') {
                    throw error(pos, "expected ':' after an object key, found " + describe(pos));
                }
                pos++;
                skipWhitespace();
                Object value = parseValue(depth);
                if (map.containsKey(key)) {
                    throw error(keyStart, "duplicate key \"" + abbreviate(key) + "\" in an object");
                }
                map.put(key, value);
                skipWhitespace();
                if (pos >= n) throw error(pos, "unexpected end of text: expected ',' or '}' in an object");
                char c = s.charAt(pos++);
                if (c == '}') return map;
                if (c != ',') {
                    throw error(pos - 1, "expected ',' or '}' after an object member, found " + describe(pos - 1));
                }
            }
        }

        private List<Object> parseArray(int depth) {
            if (depth > MAX_DEPTH) throw error(pos, "nesting deeper than " + MAX_DEPTH + " levels");
            pos++; // '['
            ArrayList<Object> list = new ArrayList<>();
            skipWhitespace();
            if (pos < n && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWhitespace();
                list.add(parseValue(depth));
                skipWhitespace();
                if (pos >= n) throw error(pos, "unexpected end of text: expected ',' or ']' in an array");
                char c = s.charAt(pos++);
                if (c == ']') return list;
                if (c != ',') {
                    throw error(pos - 1, "expected ',' or ']' after an array element, found " + describe(pos - 1));
                }
            }
        }

        private String parseString() {
            int start = pos;
            pos++; // opening quote
            StringBuilder sb = null;
            int runStart = pos;
            while (true) {
                if (pos >= n) throw error(start, "unterminated string");
                char c = s.charAt(pos);
                if (c == '"') {
                    String result = sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
                    pos++;
                    return result;
                }
                if (c < 0x20) {
                    throw error(pos, "control character U+" + hex4(c) + " inside a string (escape it)");
                }
                if (c != '\\') {
                    pos++;
                    continue;
                }
                if (sb == null) sb = new StringBuilder();
                sb.append(s, runStart, pos);
                int escapeAt = pos;
                pos++;
                if (pos >= n) throw error(start, "unterminated string");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > n) throw error(escapeAt, "incomplete \\u escape");
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            int digit = hexDigit(s.charAt(pos + i));
                            if (digit < 0) {
                                throw error(escapeAt, "invalid \\u escape: expected 4 hex digits");
                            }
                            code = code * 16 + digit;
                        }
                        pos += 4;
                        sb.append((char) code);
                    }
                    default -> throw error(escapeAt, "invalid escape '\\" + printable(e) + "' in a string");
                }
                runStart = pos;
            }
        }

        private Object parseNumber() {
            int start = pos;
            boolean integral = true;
            if (s.charAt(pos) == '-') pos++;
            if (pos >= n) throw error(start, "incomplete number '-'");
            char c = s.charAt(pos);
            if (c == '0') {
                pos++;
                if (pos < n && isDigit(s.charAt(pos))) throw error(start, "leading zero in number '" + numberText(start) + "'");
            } else if (isDigit(c)) {
                while (pos < n && isDigit(s.charAt(pos))) pos++;
            } else {
                throw error(start, "expected a digit after '-', found " + describe(pos));
            }
            if (pos < n && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (pos >= n || !isDigit(s.charAt(pos))) {
                    throw error(start, "expected a digit after the decimal point in '" + numberText(start) + "'");
                }
                while (pos < n && isDigit(s.charAt(pos))) pos++;
            }
            if (pos < n && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < n && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                if (pos >= n || !isDigit(s.charAt(pos))) {
                    throw error(start, "expected a digit in the exponent of '" + numberText(start) + "'");
                }
                while (pos < n && isDigit(s.charAt(pos))) pos++;
            }
            String text = s.substring(start, pos);
            if (integral && pos - start <= 20) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException outOfLongRange) {
                    // falls through to double
                }
            }
            double d = Double.parseDouble(text);
            if (Double.isInfinite(d)) {
                throw error(start, "number " + abbreviate(text) + " is too large for a double");
            }
            return d;
        }

        private String numberText(int start) {
            int end = start;
            while (end < n && end - start < 40 && "+-.eE0123456789".indexOf(s.charAt(end)) >= 0) end++;
            return s.substring(start, end);
        }

        private static int hexDigit(char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private void skipWhitespace() {
            while (pos < n) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') pos++;
                else return;
            }
        }

        private String describe(int at) {
            if (at >= n) return "the end of the text";
            return "'" + printable(s.charAt(at)) + "'";
        }

        private String describeWord(int at) {
            int end = at;
            while (end < n && end - at < 20 && Character.isLetterOrDigit(s.charAt(end))) end++;
            if (end == at) return describe(at);
            return "'" + s.substring(at, end) + "'";
        }

        private FormatException error(int at, String message) {
            int line = 1;
            int lineStart = 0;
            int limit = Math.min(at, n);
            for (int i = 0; i < limit; i++) {
                char c = s.charAt(i);
                if (c == '\n' || (c == '\r' && (i + 1 >= n || s.charAt(i + 1) != '\n'))) {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new FormatException(source, "line " + line + ", column " + (at - lineStart + 1), message);
        }
    }

    private static String printable(char c) {
        if (c >= 0x20 && c < 0x7f) return String.valueOf(c);
        return "U+" + hex4(c);
    }

    private static String hex4(char c) {
        String h = Integer.toHexString(c).toUpperCase();
        return "0".repeat(4 - h.length()) + h;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    // ------------------------------------------------------------------------------ writing

    /**
     * Writes a value as compact JSON (no whitespace).
     *
     * @throws BackpropException for NaN or infinite numbers, non-string map keys, values of
     *     other types, or nesting deeper than {@link #MAX_DEPTH} (such as a cycle)
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, null, 0);
        return sb.toString();
    }

    /**
     * Writes a value as JSON indented by two spaces, one member or element per line; empty
     * arrays and objects stay on one line as {@code []} and {@code {}}. No trailing newline.
     *
     * @throws BackpropException as {@link #write(Object)}
     */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, "", 0);
        return sb.toString();
    }

    private static void writeValue(StringBuilder sb, Object v, String indent, int depth) {
        if (depth > MAX_DEPTH) {
            throw new BackpropException("Json.write: nesting deeper than " + MAX_DEPTH + " levels (a cycle?)");
        }
        switch (v) {
            case null -> sb.append("null");
            case CharSequence cs -> writeString(sb, cs);
            case Boolean b -> sb.append(b.booleanValue());
            case Character c -> writeString(sb, String.valueOf(c));
            case Double d -> writeDouble(sb, d);
            case Float f -> {
                if (!Float.isFinite(f)) throw new BackpropException("Json.write: " + f + " is not a JSON number");
                sb.append(Float.toString(f));
            }
            case Long l -> sb.append(l.longValue());
            case Integer i -> sb.append(i.intValue());
            case Short sh -> sb.append(sh.shortValue());
            case Byte by -> sb.append(by.byteValue());
            case BigInteger bi -> sb.append(bi);
            case BigDecimal bd -> sb.append(bd);
            case Number num -> writeDouble(sb, num.doubleValue());
            case Enum<?> e -> writeString(sb, e.name());
            case Map<?, ?> map -> writeObject(sb, map, indent, depth);
            case Collection<?> c -> writeArray(sb, c.size(), c, indent, depth);
            default -> {
                if (v.getClass().isArray()) {
                    int len = Array.getLength(v);
                    List<Object> items = new ArrayList<>(len);
                    for (int i = 0; i < len; i++) items.add(Array.get(v, i));
                    writeArray(sb, len, items, indent, depth);
                } else {
                    throw new BackpropException("Json.write: cannot write a " + v.getClass().getName() + " as JSON");
                }
            }
        }
    }

    private static void writeDouble(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) throw new BackpropException("Json.write: " + d + " is not a JSON number");
        sb.append(Double.toString(d));
    }

    private static void writeObject(StringBuilder sb, Map<?, ?> map, String indent, int depth) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        String inner = indent == null ? null : indent + "  ";
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new BackpropException("Json.write: object keys must be strings, found "
                        + (e.getKey() == null ? "null" : e.getKey().getClass().getName()));
            }
            if (!first) sb.append(',');
            first = false;
            if (inner != null) sb.append('\n').append(inner);
            writeString(sb, key);
            sb.append(inner != null ? ": " : ":");
            writeValue(sb, e.getValue(), inner, depth + 1);
        }
        if (indent != null) sb.append('\n').append(indent);
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, int size, Iterable<?> items, String indent, int depth) {
        if (size == 0) {
            sb.append("[]");
            return;
        }
        String inner = indent == null ? null : indent + "  ";
        sb.append('[');
        boolean first = true;
        for (Object item : items) {
            if (!first) sb.append(',');
            first = false;
            if (inner != null) sb.append('\n').append(inner);
            writeValue(sb, item, inner, depth + 1);
        }
        if (indent != null) sb.append('\n').append(indent);
        sb.append(']');
    }

    private static void writeString(StringBuilder sb, CharSequence s) {
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
                    boolean loneSurrogate = Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || loneSurrogate) {
                        sb.append("\\u").append(hex4(c).toLowerCase());
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
