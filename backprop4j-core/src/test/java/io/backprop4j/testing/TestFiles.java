package io.backprop4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/** Helpers for tests of files: special files made with system commands, and edited safetensors files. */
public final class TestFiles {
    private TestFiles() {}

    /** Runs a command (mkfifo, mknod); false when it is missing or fails (mknod without root). */
    public static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A safetensors file with its header text edited (its length prefix and padding fixed; the seal is not). */
    public static byte[] editHeader(byte[] file, UnaryOperator<String> edit) {
        int n = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = edit.apply(new String(file, 8, n, StandardCharsets.UTF_8).stripTrailing());
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + file.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        out.put(file, 8 + n, file.length - 8 - n);
        return out.array();
    }

    private static final byte[] SEAL_START = "{\"__metadata__\":{\"backprop4j.checksum\":\"crc32c:".getBytes(StandardCharsets.US_ASCII);

    /**
     * The bytes with backprop4j's seal recomputed, as io.backprop4j.io.Safetensors documents it,
     * when they have a place for it and a plausible header length; else the bytes unchanged. For
     * fuzzing what lies behind the seal.
     */
    public static byte[] reseal(byte[] file) {
        if (file.length < 8 + SEAL_START.length + 9) return file;
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < SEAL_START.length + 9 || n > file.length - 8) return file;
        for (int i = 0; i < SEAL_START.length; i++) if (file[8 + i] != SEAL_START[i]) return file;
        int digits = 8 + SEAL_START.length;
        CRC32C crc = new CRC32C();
        crc.update(file, 0, 8);
        crc.update(file, digits + 8, file.length - digits - 8);
        byte[] out = file.clone();
        byte[] hex = HexFormat.of().toHexDigits((int) crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, out, digits, 8);
        return out;
    }
}
