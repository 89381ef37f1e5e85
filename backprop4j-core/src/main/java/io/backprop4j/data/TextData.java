package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A character-level text data set: the non-empty lines of a UTF-8 text file (a final '\r' of a
 * line and a leading byte-order mark dropped), each line one sequence, and its {@link Vocabulary}
 * (every character of every line). {@link #split} divides the lines 80/10/10 at random (seeded)
 * into training, validation and test lines and makes each part's next-character examples
 * ({@link CharWindows}).
 *
 * <p>The built-in {@code words} set is /usr/share/dict/words (Debian's {@code wamerican}: 104,334
 * words, one per line), read the same way.
 *
 * <pre>{@code
 * TextData words = TextData.words();
 * TextData.Splits s = words.split(0, 16);     // 80/10/10 by word, windows of 16 characters
 * s.train().size();                           // next-character examples of the training words
 * }</pre>
 *
 * @param name the file name, for messages
 * @param lines the lines, none empty
 * @param vocabulary their characters
 */
public record TextData(String name, List<String> lines, Vocabulary vocabulary) {
    /** Where the {@code words} set is read from. */
    public static final Path WORDS_FILE = Path.of("/usr/share/dict/words");
    /** How to get it when it is missing. */
    public static final String WORDS_HINT = "install Debian's wamerican package (sudo apt-get install wamerican)";
    /** The fractions of lines for training and validation; the rest is the test split. */
    public static final double TRAIN_FRACTION = 0.8, VALIDATION_FRACTION = 0.1;

    public TextData {
        if (lines == null || lines.isEmpty()) throw new BackpropException("TextData: no lines");
        lines = List.copyOf(lines);
        if (vocabulary == null) throw new BackpropException("TextData: the vocabulary is null");
    }

    /**
     * Reads a UTF-8 text file.
     *
     * @throws FormatException naming the file (and line) when it is missing, unreadable, not
     *         UTF-8, or holds no text
     */
    public static TextData read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new FormatException(file, null, "no such file");
        } catch (IOException e) {
            throw new FormatException(file, null, "cannot be read: " + e.getMessage());
        }
        return parse(bytes, file.toString());
    }

    /** The {@code words} set from {@link #WORDS_FILE}; see {@link #words(Path)}. */
    public static TextData words() {
        return words(WORDS_FILE);
    }

    /**
     * The {@code words} set from this file.
     *
     * @throws FormatException when it is missing (saying how to install it) or unusable
     */
    public static TextData words(Path file) {
        if (!Files.exists(file)) {
            throw new FormatException(file, null, "the words data set needs this file: " + WORDS_HINT);
        }
        return read(file);
    }

    /**
     * The lines of UTF-8 {@code bytes}; {@code source} names them in messages.
     *
     * @throws FormatException naming the line and byte when the bytes are not UTF-8, or when
     *         there is no non-empty line
     */
    public static TextData parse(byte[] bytes, String source) {
        if (bytes == null) throw new BackpropException("TextData: bytes are null");
        int from = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int lineNo = 1;
        // '\n' (0x0A) never occurs inside a multi-byte UTF-8 character: each line decodes alone.
        for (int at = from; at <= bytes.length; lineNo++) {
            int end = at;
            while (end < bytes.length && bytes[end] != '\n') end++;
            if (at == bytes.length) break;
            int len = end - at;
            if (len > 0 && bytes[at + len - 1] == '\r') len--;
            String line;
            try {
                line = decoder.reset().decode(ByteBuffer.wrap(bytes, at, len)).toString();
            } catch (CharacterCodingException e) {
                int bad = firstBadByte(bytes, at, len);
                // both positions count from 1
                throw new FormatException(source, "line " + lineNo, "not UTF-8 text: byte " + (bad - at + 1) + " of the line is 0x"
                        + String.format("%02X", bytes[bad] & 0xFF) + " (byte " + (bad + 1) + " of the file); save the file as UTF-8");
            }
            if (!line.isEmpty()) lines.add(line);
            at = end + 1;
        }
        if (lines.isEmpty()) {
            throw new FormatException(source, null, bytes.length == 0 ? "the file is empty" : "no text: every line is empty");
        }
        return new TextData(source, lines, Vocabulary.of(lines));
    }

    /** The first byte of bytes[at, at + len) where UTF-8 decoding fails (len when none). */
    private static int firstBadByte(byte[] bytes, int at, int len) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, at, len);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(Math.max(2, len));
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : at + len - 1;
    }

    /** Training, validation and test examples, over one vocabulary. */
    public record Splits(CharWindows train, CharWindows validation, CharWindows test, Vocabulary vocabulary) {}

    /**
     * The lines shuffled with {@code SplittableRandom(seed)}: round(0.8 n) for training, round(0.1 n)
     * for validation, the rest for test (each keeping the file's order), and the examples of each
     * with windows of {@code context} tokens.
     */
    public Splits split(long seed, int context) {
        int[][] parts = io.backprop4j.data.Splits.indices(lines.size(), null, TRAIN_FRACTION, VALIDATION_FRACTION, new SplittableRandom(seed));
        return new Splits(windows(parts[0], context), windows(parts[1], context), windows(parts[2], context), vocabulary);
    }

    private CharWindows windows(int[] rows, int context) {
        List<String> part = new ArrayList<>(rows.length);
        for (int r : rows) part.add(lines.get(r));
        return CharWindows.of(part, vocabulary, context);
    }

    @Override
    public String toString() {
        return "TextData(" + name + ": " + lines.size() + " lines, " + vocabulary.size() + " tokens)";
    }
}
