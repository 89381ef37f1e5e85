package io.backprop4j.data;

import io.backprop4j.BackpropException;
import java.util.Arrays;

/**
 * The characters of a text data set: token 0 is the end token (it ends each sequence, and pads a
 * window before a sequence's start, as makemore's '.'), tokens 1.. the distinct code points in
 * ascending order.
 *
 * @param codePoints the characters of tokens 1, 2, ..., ascending, distinct
 */
public record Vocabulary(int[] codePoints) {
    /** The end token. */
    public static final int END = 0;

    public Vocabulary {
        if (codePoints == null) throw new BackpropException("Vocabulary: code points are null");
        codePoints = codePoints.clone();
        for (int i = 0; i < codePoints.length; i++) {
            if (!Character.isValidCodePoint(codePoints[i]) || (i > 0 && codePoints[i] <= codePoints[i - 1])) {
                throw new BackpropException("Vocabulary: code points must be valid, distinct and ascending (at " + i + ")");
            }
        }
    }

    /** The vocabulary of these lines' characters. */
    public static Vocabulary of(Iterable<String> lines) {
        java.util.BitSet seen = new java.util.BitSet();
        for (String line : lines) line.codePoints().forEach(seen::set);
        return new Vocabulary(seen.stream().toArray());
    }

    /** The number of tokens, the end token included. */
    public int size() {
        return codePoints.length + 1;
    }

    /** The token of a code point, or −1 when it is not in the vocabulary. */
    public int token(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i < 0 ? -1 : i + 1;
    }

    /** The tokens of a string's characters (no end token). */
    public int[] encode(String text) {
        int[] cps = text.codePoints().toArray();
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            out[i] = token(cps[i]);
            if (out[i] < 0) {
                throw new BackpropException("Vocabulary: the character " + describe(cps[i]) + " at " + i + " of \"" + text + "\" is not in the vocabulary");
            }
        }
        return out;
    }

    /** The text of tokens, stopping at the first end token. */
    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == END) break;
            if (t < 0 || t >= size()) throw new BackpropException("Vocabulary: token " + t + " is outside [0, " + size() + ")");
            sb.appendCodePoint(codePoints[t - 1]);
        }
        return sb.toString();
    }

    /** A character for messages: itself when printable, else U+XXXX. */
    static String describe(int cp) {
        return Character.isISOControl(cp) || Character.isWhitespace(cp) || !Character.isDefined(cp)
                ? String.format("U+%04X", cp) : "'" + new String(Character.toChars(cp)) + "'";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && Arrays.equals(codePoints, v.codePoints);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codePoints);
    }

    @Override
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public String toString() {
        return "Vocabulary(" + size() + " tokens)";
    }
}
