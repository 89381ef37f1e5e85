package io.backprop4j.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of ONNX's schema (onnx/onnx.proto) that backprop4j writes and reads, as records, with
 * their encoding and decoding. Field numbers are those of onnx.proto; fields not listed here are
 * skipped when reading (a model's doc strings, metadata, training info...).
 */
final class OnnxFile {
    private OnnxFile() {}

    // TensorProto.DataType
    static final int FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;
    // AttributeProto.AttributeType
    static final int A_FLOAT = 1, A_INT = 2, A_STRING = 3, A_TENSOR = 4, A_FLOATS = 6, A_INTS = 7;

    /** The largest tensor accepted, in elements (what a Java array holds). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    record Model(long irVersion, Map<String, Long> opsets, String producer, Graph graph) {}

    record Graph(String name, List<Node> nodes, Map<String, TensorData> initializers, List<ValueInfo> inputs, List<ValueInfo> outputs) {}

    /** A node; {@code index} is its position in the graph, for messages. */
    record Node(int index, String name, String opType, String domain, List<String> inputs, List<String> outputs, Map<String, Attr> attrs) {
        /** How messages name the node: node 3 "Gemm_3" (Gemm). */
        String describe() {
            return "node " + index + (name.isEmpty() ? "" : " " + q(name)) + " (" + esc(opType) + ")";
        }
    }

    record Attr(String name, int type, float f, long i, String s, TensorData t, float[] floats, long[] ints) {}

    /** A graph input or output: element type and dims, each a Long (a size), a String (a named size) or null (unknown). */
    record ValueInfo(String name, int elemType, List<Object> dims) {}

    /** A constant tensor; every element type is held as doubles (the int64 sizes of a Reshape fit). */
    record TensorData(String name, int dataType, long[] dims, double[] values) {
        int[] shape() {
            int[] s = new int[dims.length];
            for (int i = 0; i < s.length; i++) s[i] = (int) dims[i];
            return s;
        }
    }

    /**
     * A name from a file as messages show it: in quotes, control characters and quotes escaped (so
     * that a message stays one line), cut to 60 characters.
     */
    static String q(String s) {
        return "\"" + esc(s) + "\"";
    }

    /** {@link #q} without the quotes. */
    static String esc(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 60; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7f && c < 0xa0 || c == 0x2028 || c == 0x2029 || c == 0x85) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.length() >= 60 && s.length() > 60 ? b + "..." : b.toString();
    }

    static String typeName(int dataType) {
        return switch (dataType) {
            case 0 -> "UNDEFINED"; case 1 -> "FLOAT"; case 2 -> "UINT8"; case 3 -> "INT8"; case 4 -> "UINT16"; case 5 -> "INT16";
            case 6 -> "INT32"; case 7 -> "INT64"; case 8 -> "STRING"; case 9 -> "BOOL"; case 10 -> "FLOAT16"; case 11 -> "DOUBLE";
            case 12 -> "UINT32"; case 13 -> "UINT64"; case 14 -> "COMPLEX64"; case 15 -> "COMPLEX128"; case 16 -> "BFLOAT16";
            default -> "type " + dataType;
        };
    }

    // ------------------------------------------------------------------------------ writing

    static byte[] encode(Model m) {
        Proto.Writer w = new Proto.Writer().int64(1, m.irVersion()).string(2, m.producer()).string(3, "0.1.0");
        w.message(7, graph(m.graph()));
        m.opsets().forEach((domain, version) -> w.message(8, new Proto.Writer().string(1, domain).int64(2, version)));
        return w.toBytes();
    }

    private static Proto.Writer graph(Graph g) {
        Proto.Writer w = new Proto.Writer();
        for (Node n : g.nodes()) w.message(1, node(n));
        w.string(2, g.name());
        for (TensorData t : g.initializers().values()) w.message(5, tensor(t));
        for (ValueInfo v : g.inputs()) w.message(11, valueInfo(v));
        for (ValueInfo v : g.outputs()) w.message(12, valueInfo(v));
        return w;
    }

    private static Proto.Writer node(Node n) {
        Proto.Writer w = new Proto.Writer();
        for (String in : n.inputs()) w.string(1, in);
        for (String out : n.outputs()) w.string(2, out);
        w.string(3, n.name()).string(4, n.opType());
        for (Attr a : n.attrs().values()) w.message(5, attr(a));
        if (!n.domain().isEmpty()) w.string(7, n.domain());
        return w;
    }

    /** Every value the attribute holds (normally the one its type names), then its type. */
    private static Proto.Writer attr(Attr a) {
        Proto.Writer w = new Proto.Writer().string(1, a.name());
        if (a.type() == A_FLOAT || a.f() != 0) w.float32(2, a.f());
        if (a.type() == A_INT || a.i() != 0) w.int64(3, a.i());
        if (a.s() != null) w.string(4, a.s());
        if (a.t() != null) w.message(5, tensor(a.t()));
        if (a.floats() != null) for (float f : a.floats()) w.float32(7, f);
        if (a.ints() != null) for (long i : a.ints()) w.int64(8, i);
        return a.type() == 0 ? w : w.int64(20, a.type());
    }

    private static Proto.Writer tensor(TensorData t) {
        Proto.Writer w = new Proto.Writer();
        for (long d : t.dims()) w.int64(1, d);
        w.int64(2, t.dataType());
        w.string(8, t.name());
        int width = switch (t.dataType()) { case FLOAT, INT32 -> 4; case INT64, DOUBLE -> 8; default -> throw new AssertionError(); };
        ByteBuffer raw = ByteBuffer.allocate(t.values().length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : t.values()) {
            switch (t.dataType()) {
                case FLOAT -> raw.putFloat((float) v);
                case INT32 -> raw.putInt((int) v);
                case INT64 -> raw.putLong((long) v);
                default -> raw.putDouble(v);
            }
        }
        return w.bytes(9, raw.array());
    }

    private static Proto.Writer valueInfo(ValueInfo v) {
        Proto.Writer tensorType = new Proto.Writer().int64(1, v.elemType());
        if (v.dims() != null) {   // null: the shape is not known
            Proto.Writer shape = new Proto.Writer();
            for (Object d : v.dims()) {
                Proto.Writer dim = new Proto.Writer();
                if (d instanceof Long size) dim.int64(1, size);
                else if (d instanceof String param) dim.string(2, param);
                shape.message(1, dim);
            }
            tensorType.message(2, shape);
        }
        return new Proto.Writer().string(1, v.name()).message(2, new Proto.Writer().message(1, tensorType));
    }

    // ------------------------------------------------------------------------------ reading

    /** Decodes a model; throws {@link Proto.Malformed} (with the byte offset) for bytes that are not one. */
    static Model decode(byte[] bytes) {
        Proto.Reader r = new Proto.Reader(bytes);
        long ir = -1;
        String producer = "";
        Graph graph = null;
        Map<String, Long> opsets = new LinkedHashMap<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = r.int64();
                case 2 -> producer = r.string();
                case 7 -> graph = graph(r.message());
                case 8 -> {
                    Proto.Reader o = r.message();
                    String domain = "";
                    long version = -1;
                    while (o.next()) {
                        switch (o.field()) {
                            case 1 -> domain = o.string();
                            case 2 -> version = o.int64();
                            default -> o.skip();
                        }
                    }
                    opsets.put(domain, version);
                }
                default -> r.skip();
            }
        }
        if (graph == null) throw new Proto.Malformed(0, "no graph (not an ONNX model, or empty)");
        return new Model(ir, opsets, producer, graph);
    }

    private static Graph graph(Proto.Reader r) {
        List<Node> nodes = new ArrayList<>();
        Map<String, TensorData> initializers = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        String name = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(node(r.message(), nodes.size()));
                case 2 -> name = r.string();
                case 5 -> {
                    long at = r.offset();
                    TensorData t = tensor(r.message());
                    if (initializers.putIfAbsent(t.name(), t) != null) throw new Proto.Malformed(at, "initializer " + q(t.name()) + " appears twice");
                }
                case 15 -> throw new Proto.Malformed(r.offset(), "sparse initializers are not supported");
                case 11 -> inputs.add(valueInfo(r.message()));
                case 12 -> outputs.add(valueInfo(r.message()));
                default -> r.skip();
            }
        }
        return new Graph(name, nodes, initializers, inputs, outputs);
    }

    private static Node node(Proto.Reader r, int index) {
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        Map<String, Attr> attrs = new LinkedHashMap<>();
        String name = "", op = "", domain = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> inputs.add(r.string());
                case 2 -> outputs.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    long at = r.offset();
                    Attr a = attr(r.message());
                    if (attrs.putIfAbsent(a.name(), a) != null) throw new Proto.Malformed(at, "attribute " + q(a.name()) + " appears twice in a node");
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(index, name, op, domain, List.copyOf(inputs), List.copyOf(outputs), attrs);
    }

    private static Attr attr(Proto.Reader r) {
        String name = "", s = null;
        int type = 0;
        float f = 0;
        long i = 0;
        TensorData t = null;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        int last = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> f = r.float32();
                case 3 -> i = r.int64();
                case 4 -> s = new String(r.bytes(), java.nio.charset.StandardCharsets.UTF_8);
                case 5 -> t = tensor(r.message());
                case 7 -> r.float32s(v -> floats.add((float) v));
                case 8 -> r.int64s(ints::add);
                case 20 -> type = r.int32();
                default -> r.skip();   // graphs (If, Loop), strings, sparse tensors: operators backprop4j refuses anyway
            }
            if (r.field() >= 2 && r.field() <= 8) last = r.field();
        }
        if (type == 0) {   // files of IR version 1 and 2 may leave the type out: the field that holds the value says it
            type = switch (last) {
                case 2 -> A_FLOAT; case 3 -> A_INT; case 4 -> A_STRING; case 5 -> A_TENSOR; case 7 -> A_FLOATS; case 8 -> A_INTS;
                default -> 0;
            };
        }
        return new Attr(name, type, f, i, s, t, floats.toArray(), ints.toArray());
    }

    private static ValueInfo valueInfo(Proto.Reader r) {
        String name = "";
        int elemType = 0;
        List<Object> dims = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = r.string();
                case 2 -> {
                    Proto.Reader type = r.message();
                    while (type.next()) {
                        if (type.field() != 1) { type.skip(); continue; }   // only tensor types
                        Proto.Reader tt = type.message();
                        while (tt.next()) {
                            switch (tt.field()) {
                                case 1 -> elemType = tt.int32();
                                case 2 -> {
                                    dims = new ArrayList<>();
                                    Proto.Reader shape = tt.message();
                                    while (shape.next()) {
                                        if (shape.field() != 1) { shape.skip(); continue; }
                                        Proto.Reader dim = shape.message();
                                        Object d = null;
                                        while (dim.next()) {
                                            switch (dim.field()) {
                                                case 1 -> d = dim.int64();
                                                case 2 -> d = dim.string();
                                                default -> dim.skip();
                                            }
                                        }
                                        dims.add(d);
                                    }
                                }
                                default -> tt.skip();
                            }
                        }
                    }
                }
                default -> r.skip();
            }
        }
        return new ValueInfo(name, elemType, dims == null ? null : java.util.Collections.unmodifiableList(dims));
    }

    private static TensorData tensor(Proto.Reader r) {
        long at = r.offset();
        LongList dims = new LongList();
        int dataType = 0;
        String name = "";
        int[] raw = null;
        DoubleList values = new DoubleList();
        boolean external = false;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims::add);
                case 2 -> dataType = r.int32();
                case 3 -> throw new Proto.Malformed(r.offset(), "segmented tensors are not supported");
                case 4 -> r.float32s(values::add);
                case 5 -> r.int64s(v -> values.add((int) v));
                case 7 -> r.int64s(v -> values.add((double) v));
                case 8 -> name = r.string();
                case 9 -> raw = r.span();
                case 10 -> r.float64s(values::add);
                case 13 -> { external = true; r.skip(); }
                case 14 -> external |= r.int64() == 1;
                default -> r.skip();
            }
        }
        String what = "tensor " + q(name);
        if (external) throw new Proto.Malformed(at, what + " keeps its data in an external file, which is not supported");
        long count = 1;
        for (int k = 0; k < dims.size(); k++) {
            long d = dims.get(k);
            if (d < 0 || d > Integer.MAX_VALUE) throw new Proto.Malformed(at, what + ": dimension " + k + " is " + d);
            count = count > MAX_ELEMENTS ? count : count * d;   // saturates above the limit: both factors are below 2^31
        }
        for (int k = 0; k < dims.size(); k++) if (dims.get(k) == 0) count = 0;
        if (count > MAX_ELEMENTS) throw new Proto.Malformed(at, what + " has more elements than a Java array holds");
        int width = switch (dataType) {
            case FLOAT, INT32 -> 4;
            case INT64, DOUBLE -> 8;
            default -> throw new Proto.Malformed(at, what + " has element type " + typeName(dataType)
                    + " (backprop4j reads FLOAT, DOUBLE, INT32 and INT64)");
        };
        double[] data;
        if (raw != null) {
            long bytes = raw[1] - raw[0];
            if (bytes != count * width) {
                throw new Proto.Malformed(at, what + " of shape " + java.util.Arrays.toString(dims.toArray()) + " needs " + count * width
                        + " bytes of raw data, has " + bytes);
            }
            ByteBuffer b = ByteBuffer.wrap(r.array(), raw[0], (int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            data = new double[(int) count];
            for (int k = 0; k < data.length; k++) {
                data[k] = switch (dataType) {
                    case FLOAT -> b.getFloat();
                    case INT32 -> b.getInt();
                    case INT64 -> b.getLong();
                    default -> b.getDouble();
                };
            }
        } else {
            if (values.size() != count) {
                throw new Proto.Malformed(at, what + " of shape " + java.util.Arrays.toString(dims.toArray()) + " needs " + count
                        + " values, has " + values.size());
            }
            data = values.toArray();
        }
        return new TensorData(name, dataType, dims.toArray(), data);
    }

    // growable primitive lists: a file's repeated fields grow only as fast as its bytes

    private static final class LongList {
        long[] a = new long[4];
        int n;
        void add(long v) { if (n == a.length) a = java.util.Arrays.copyOf(a, 2 * n); a[n++] = v; }
        long get(int i) { return a[i]; }
        int size() { return n; }
        long[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }

    private static final class FloatList {
        float[] a = new float[4];
        int n;
        void add(float v) { if (n == a.length) a = java.util.Arrays.copyOf(a, 2 * n); a[n++] = v; }
        float[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }

    private static final class DoubleList {
        double[] a = new double[16];
        int n;
        void add(double v) { if (n == a.length) a = java.util.Arrays.copyOf(a, 2 * n); a[n++] = v; }
        int size() { return n; }
        double[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
