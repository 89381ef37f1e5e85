package io.backprop4j.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * The protocol buffers wire format, the little of it that ONNX files use, written and read by
 * hand (so that the module needs no protobuf library and no generated code).
 *
 * <pre>
 * message   = field*
 * field     = key value,  key = varint (field_number << 3 | wire_type)
 * wire type 0  varint (int32, int64, enum, bool: 7 bits a byte, little-endian groups, high bit = more)
 *           1  8 bytes little-endian (double, fixed64)
 *           2  varint length, then that many bytes (string, bytes, sub-message, packed repeated)
 *           5  4 bytes little-endian (float, fixed32)
 * </pre>
 * Wire types 3 and 4 (groups) are not used by ONNX and are refused.
 */
final class Proto {
    private Proto() {}

    static final int VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

    /** A message being written: fields appended in order. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }

        private void key(int field, int wireType) {
            varint((long) field << 3 | wireType);
        }

        Writer int64(int field, long v) {
            key(field, VARINT);
            varint(v);   // negative values take 10 bytes, as protobuf writes them
            return this;
        }

        Writer float32(int field, float v) {
            key(field, FIXED32);
            int bits = Float.floatToRawIntBits(v);
            for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
            return this;
        }

        Writer bytes(int field, byte[] v) {
            key(field, LEN);
            varint(v.length);
            out.writeBytes(v);
            return this;
        }

        Writer string(int field, String v) {
            return bytes(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer m) {
            return bytes(field, m.toBytes());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** A malformed message: what is wrong and at which byte of the file. */
    static final class Malformed extends RuntimeException {
        final long offset;

        Malformed(long offset, String message) {
            super(message, null, false, false);
            this.offset = offset;
        }
    }

    /**
     * Reads the fields of one message, {@code bytes[start, end)}; {@code base} is the offset of
     * {@code start} in the file, for messages. Every length is checked against what is left, so a
     * truncated or corrupt file fails here, before anything is allocated from it.
     */
    static final class Reader {
        private final byte[] bytes;
        private final int end;
        private final long base;
        private final int start;
        private int pos;
        private int field, wireType;
        private int fieldStart;

        Reader(byte[] bytes) {
            this(bytes, 0, bytes.length, 0);
        }

        private Reader(byte[] bytes, int start, int end, long base) {
            this.bytes = bytes;
            this.start = start;
            this.pos = start;
            this.end = end;
            this.base = base;
        }

        /** The file offset of the current field's key. */
        long offset() {
            return base + (fieldStart - start);
        }

        /** Moves to the next field; false at the end of the message. */
        boolean next() {
            if (pos >= end) return false;
            fieldStart = pos;
            long key = varint();
            wireType = (int) (key & 7);
            long number = key >>> 3;
            if (number < 1 || number > 536_870_911) throw new Malformed(offset(), "invalid field number " + number);
            if (wireType != VARINT && wireType != FIXED64 && wireType != LEN && wireType != FIXED32) {
                throw new Malformed(offset(), "field " + number + " has wire type " + wireType + ", which ONNX files do not use");
            }
            field = (int) number;
            return true;
        }

        int field() { return field; }

        int wireType() { return wireType; }

        private long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new Malformed(base + (pos - start), "truncated: a number runs past the end of its message");
                int b = bytes[pos++];
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new Malformed(base + (pos - start), "a varint longer than 10 bytes");
        }

        private void expect(int type, String what) {
            if (wireType != type) {
                throw new Malformed(offset(), "field " + field + " (" + what + ") has wire type " + wireType + ", expected " + type);
            }
        }

        long int64() {
            expect(VARINT, "an integer");
            return varint();
        }

        /** An int32 or enum field (sign-extended 64-bit on the wire for negatives), range checked. */
        int int32() {
            long v = int64();
            if (v != (int) v) throw new Malformed(offset(), "field " + field + ": " + v + " does not fit a 32-bit integer");
            return (int) v;
        }

        float float32() {
            expect(FIXED32, "a float");
            need(4);
            int bits = (bytes[pos] & 0xff) | (bytes[pos + 1] & 0xff) << 8 | (bytes[pos + 2] & 0xff) << 16 | (bytes[pos + 3] & 0xff) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        double float64() {
            expect(FIXED64, "a double");
            need(8);
            long bits = ByteBuffer.wrap(bytes, pos, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            pos += 8;
            return Double.longBitsToDouble(bits);
        }

        private void need(int n) {
            if (end - pos < n) throw new Malformed(offset(), "truncated: field " + field + " needs " + n + " bytes, " + (end - pos) + " are left");
        }

        /** The bounds [from, to) of a length-delimited field's payload, checked; moves past it. */
        private int[] payload() {
            expect(LEN, "bytes, a string or a message");
            long n = varint();
            if (n < 0 || n > end - pos) {
                throw new Malformed(offset(), "truncated: field " + field + " claims " + Long.toUnsignedString(n) + " bytes, "
                        + (end - pos) + " are left");
            }
            int from = pos;
            pos += (int) n;
            return new int[] {from, pos};
        }

        byte[] bytes() {
            int[] p = payload();
            return java.util.Arrays.copyOfRange(bytes, p[0], p[1]);
        }

        /** The payload's offset and length, without copying it (for raw tensor data). */
        int[] span() {
            return payload();
        }

        byte[] array() {
            return bytes;
        }

        String string() {
            long at = offset();
            int[] p = payload();
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, p[0], p[1] - p[0])).toString();
            } catch (CharacterCodingException e) {
                throw new Malformed(at, "field " + field + " is not valid UTF-8");
            }
        }

        Reader message() {
            int[] p = payload();
            return new Reader(bytes, p[0], p[1], base + (p[0] - start));
        }

        /**
         * A repeated integer field, in either encoding: one varint per field (proto2's default, as
         * ONNX's schema declares) or packed into one length-delimited field (proto3's).
         */
        void int64s(java.util.function.LongConsumer sink) {
            if (wireType == VARINT) {
                sink.accept(varint());
                return;
            }
            Reader packed = packedReader();
            while (packed.pos < packed.end) sink.accept(packed.varint());
        }

        /** A repeated float field, packed or one per field. */
        void float32s(java.util.function.DoubleConsumer sink) {
            if (wireType == FIXED32) {
                sink.accept(float32());
                return;
            }
            Reader packed = packedReader();
            if ((packed.end - packed.pos) % 4 != 0) throw new Malformed(offset(), "packed floats of " + (packed.end - packed.pos) + " bytes (not a multiple of 4)");
            packed.wireType = FIXED32;
            packed.field = field;
            while (packed.pos < packed.end) sink.accept(packed.float32());
        }

        /** A repeated double field, packed or one per field. */
        void float64s(java.util.function.DoubleConsumer sink) {
            if (wireType == FIXED64) {
                sink.accept(float64());
                return;
            }
            Reader packed = packedReader();
            if ((packed.end - packed.pos) % 8 != 0) throw new Malformed(offset(), "packed doubles of " + (packed.end - packed.pos) + " bytes (not a multiple of 8)");
            packed.wireType = FIXED64;
            packed.field = field;
            while (packed.pos < packed.end) sink.accept(packed.float64());
        }

        private Reader packedReader() {
            int[] p = payload();
            Reader r = new Reader(bytes, p[0], p[1], base + (p[0] - start));
            r.fieldStart = p[0];
            r.field = field;
            return r;
        }

        /** Skips the current field's value. */
        void skip() {
            switch (wireType) {
                case VARINT -> varint();
                case FIXED64 -> { need(8); pos += 8; }
                case FIXED32 -> { need(4); pos += 4; }
                default -> payload();
            }
        }
    }
}
