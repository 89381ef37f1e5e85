package io.backprop4j.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse("""
                {"a": 1, "b": -2.5e-3, "c": "x\\ty\\u00e9\\ud83d\\ude00", "d": [true, false, null],
                 "e": {}, "f": [], "g": 0, "h": -0.0, "i": 1E2}""", "t");
        Map<?, ?> m = assertInstanceOf(LinkedHashMap.class, v);
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i"), new ArrayList<>(m.keySet()));
        assertEquals(1L, m.get("a"));
        assertEquals(-2.5e-3, m.get("b"));
        assertEquals("x\tyé😀", m.get("c"));
        List<?> d = assertInstanceOf(ArrayList.class, m.get("d"));
        assertEquals(Boolean.TRUE, d.get(0));
        assertEquals(Boolean.FALSE, d.get(1));
        assertNull(d.get(2));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(List.of(), m.get("f"));
        assertEquals(0L, m.get("g"));
        assertEquals(-0.0, m.get("h"));
        assertEquals(100.0, m.get("i"));
    }

    @Test
    void integersBeyondLongBecomeDoubles() {
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807", "t"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808", "t"));
        assertEquals(9223372036854775808.0, Json.parse("9223372036854775808", "t"));
        assertEquals(1e30, Json.parse("1000000000000000000000000000000", "t"));
    }

    @Test
    void numbersParseToFullPrecision() {
        assertEquals(0.1, Json.parse("0.1", "t"));
        assertEquals(Double.MIN_VALUE, Json.parse("4.9E-324", "t"));
        assertEquals(Double.MAX_VALUE, Json.parse("1.7976931348623157e308", "t"));
        assertEquals(0.30000000000000004, Json.parse("0.30000000000000004", "t"));
    }

    @Test
    void doublesRoundTripExactly() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            double x = Double.longBitsToDouble(rng.nextLong());
            if (!Double.isFinite(x)) continue;
            assertEquals(x, (double) Json.parse(Json.write(x), "t"));
            double y = rng.nextGaussian() * Math.pow(10, rng.nextInt(-30, 30));
            assertEquals(List.of(y), Json.parse(Json.write(List.of(y)), "t"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "01", "-", "+1", "1.", ".5", "1e", "1e+",
        "NaN", "Infinity", "-Infinity", "tru", "nul", "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "\"abc",
        "\"a\\x\"", "\"\\u12g4\"", "\"\\u12\"", "\"tab\there\"", "1 2", "[1]]", "// c\n1", "/* c */ 1",
        "{\"a\":1,\"a\":2}", "1e400", "-1e400", "[1,,2]", "[,1]", "\u00a01", "TRUE", "0x10", "-01", "[-]"
    })
    void refusesInvalidJson(String text) {
        FormatException e = assertThrows(FormatException.class, () -> Json.parse(text, "bad.json"));
        assertTrue(e.getMessage().startsWith("bad.json, line "), e.getMessage());
        assertEquals("bad.json", e.source());
    }

    @Test
    void errorsNameLineAndColumn() {
        FormatException e = assertThrows(FormatException.class,
                () -> Json.parse("{\n  \"a\": 1,\n  \"b\": [1, 2}\n}", "model.json"));
        assertEquals("model.json, line 3, column 13: expected ',' or ']' after an array element, found '}'",
                e.getMessage());
        e = assertThrows(FormatException.class, () -> Json.parse("[1,\r\n  x]", "f"));
        assertEquals("line 2, column 3", e.location());
        e = assertThrows(FormatException.class, () -> Json.parse("{\"k\": 1, \"k\": 2}", "f"));
        assertTrue(e.getMessage().contains("duplicate key \"k\""), e.getMessage());
    }

    @Test
    void nestingIsLimited() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Json.parse(ok, "t");
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        FormatException e = assertThrows(FormatException.class, () -> Json.parse(deep, "t"));
        assertTrue(e.getMessage().contains("nesting deeper than 512"), e.getMessage());
        String deepObjects = "{\"a\":".repeat(100_000);
        assertThrows(FormatException.class, () -> Json.parse(deepObjects, "t"));
    }

    @Test
    void writesCompactAndPretty() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a\"b\\c\n\u0001");
        m.put("lr", 0.1);
        m.put("f", 0.1f);
        m.put("n", 3);
        m.put("list", List.of(1L, 2.0, true));
        m.put("ints", new int[] {4, 5});
        m.put("empty", Map.of());
        m.put("none", null);
        assertEquals("{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"lr\":0.1,\"f\":0.1,\"n\":3,\"list\":[1,2.0,true],"
                + "\"ints\":[4,5],\"empty\":{},\"none\":null}", Json.write(m));
        Map<String, Object> small = new LinkedHashMap<>();
        small.put("a", List.of(1, List.of()));
        small.put("b", Map.of());
        assertEquals("""
                {
                  "a": [
                    1,
                    []
                  ],
                  "b": {}
                }""", Json.writePretty(small));
        Object back = Json.parse(Json.writePretty(m), "t");
        assertEquals(Json.write(back).replace("0.10000000149011612", "0.1"), Json.write(m));
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        assertThrows(BackpropException.class, () -> Json.write(Double.NaN));
        assertThrows(BackpropException.class, () -> Json.write(List.of(Double.POSITIVE_INFINITY)));
        assertThrows(BackpropException.class, () -> Json.write(Float.NaN));
        assertThrows(BackpropException.class, () -> Json.write(Map.of(1, 2)));
        assertThrows(BackpropException.class, () -> Json.write(new Object()));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(BackpropException.class, () -> Json.write(cycle));
    }

    @Test
    void stringsRoundTripIncludingLoneSurrogates() {
        String s = "é😀\ud800x\udc00\u2028\u0000";
        String written = Json.write(s);
        assertTrue(written.contains("\\ud800") && written.contains("\\udc00"), written);
        assertEquals(s, Json.parse(written, "t"));
        assertEquals(s, Json.parse(written.getBytes(StandardCharsets.UTF_8), "t"));
    }

    @Test
    void readsFilesAndRefusesBadUtf8(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.json");
        Files.write(f, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '[', '1', ']'});
        assertEquals(List.of(1L), Json.parse(f));
        Files.write(f, new byte[] {'"', 'a', (byte) 0xC3, '"'});
        FormatException e = assertThrows(FormatException.class, () -> Json.parse(f));
        assertEquals(f + ", byte 2: invalid UTF-8 (MALFORMED[1])", e.getMessage());
        assertArrayEquals(new Object[] {"x"}, ((List<?>) Json.parse("[\"x\"]", "t")).toArray());
    }

    @Test
    void missingFileIsABackpropException(@TempDir Path dir) {
        BackpropException e = assertThrows(BackpropException.class, () -> Json.parse(dir.resolve("none.json")));
        assertTrue(e.getMessage().contains("none.json"), e.getMessage());
    }
}
