package io.backprop4j.train;

import io.backprop4j.FormatException;
import io.backprop4j.internal.Json;
import io.backprop4j.io.Safetensors;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A checksum over a safetensors file's metadata. {@link Safetensors} checks the tensor data; the
 * architecture, preprocessing and training state live in the metadata, so they get their own
 * CRC32C under {@value #KEY}, over the JSON of the other entries sorted by key (this key
 * and the two that {@link Safetensors} adds excluded).
 */
final class Seal {
    static final String KEY = "backprop4j.metadata_checksum";

    private Seal() {}

    /** {@code metadata} plus its seal. */
    static Map<String, String> seal(Map<String, String> metadata) {
        Map<String, String> out = new java.util.LinkedHashMap<>(metadata);
        out.remove(KEY);
        out.put(KEY, checksum(out));
        return out;
    }

    /** Refuses metadata whose seal is missing or does not match. */
    static void verify(Map<String, String> metadata, String source) {
        String stored = metadata.get(KEY);
        if (stored == null) {
            throw new FormatException(source, null, "no metadata checksum (" + KEY + "): not written by backprop4j, or altered");
        }
        if (!stored.equals(checksum(metadata))) {
            throw new FormatException(source, null, "metadata checksum mismatch: the file is corrupt or was altered");
        }
    }

    private static String checksum(Map<String, String> metadata) {
        Map<String, String> sorted = new TreeMap<>(metadata);
        sorted.remove(KEY);
        sorted.remove(Safetensors.CHECKSUM_KEY);
        sorted.remove(Safetensors.FORMAT_KEY);
        CRC32C crc = new CRC32C();
        crc.update(Json.write(sorted).getBytes(StandardCharsets.UTF_8));
        return "crc32c:" + HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
