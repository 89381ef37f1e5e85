package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.train.Architecture;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads the network of {@code train --model FILE.yaml}: a mapping with one key, {@code layers},
 * a list of layers as {@link io.backprop4j.train.LayerSpec} names them:
 * <pre>
 * layers:
 *   - {type: conv2d, out_channels: 16, kernel: 3, padding: 1}
 *   - {type: relu}
 *   - {type: max_pool2d, kernel: 2}
 *   - {type: flatten}
 *   - {type: linear, out: 10}
 * </pre>
 * The YAML is read by {@link SpecYaml}'s reader (its limits; a key given twice is refused). A
 * layer that cannot be read or does not fit its input is one line naming the file, the line and
 * column of the layer (or of its field), the layer and both shapes.
 */
final class ModelYaml {
    private final Path file;
    private final List<Node> layerNodes = new ArrayList<>();
    private final Map<Integer, Map<String, Node>> fieldNodes = new HashMap<>();

    private ModelYaml(Path file) {
        this.file = file;
    }

    /** The layers of {@code file} as maps of plain values (Long, Double, Boolean, String, List). */
    static ModelYaml read(Path file) {
        ModelYaml r = new ModelYaml(file);
        Node root = SpecYaml.readMapping(file, "a network: a mapping with layers, a list of {type: ..., fields}");
        Node layers = null;
        for (NodeTuple t : ((MappingNode) root).getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            if (!"layers".equals(key)) {
                throw new FormatException(file.toString(), SpecYaml.where(t.getKeyNode()), "unknown key "
                        + (key == null ? SpecYaml.describe(t.getKeyNode()) : "'" + SpecYaml.printable(key) + "'") + "; expected layers");
            }
            layers = t.getValueNode();
        }
        if (layers == null) throw new FormatException(file.toString(), SpecYaml.where(root), "no layers; expected layers: [{type: ...}, ...]");
        if (!(layers instanceof SequenceNode q) || q.getValue().isEmpty()) {
            throw new FormatException(file.toString(), SpecYaml.where(layers), "layers: found " + SpecYaml.describe(layers)
                    + "; expected a list of layers, each {type: ..., fields}");
        }
        for (Node n : q.getValue()) r.layerNodes.add(n);
        return r;
    }

    /** The layers as {@link Architecture#read} takes them. */
    List<Object> layers() {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < layerNodes.size(); i++) {
            Node n = layerNodes.get(i);
            if (n instanceof MappingNode m) {
                Map<String, Node> fields = new HashMap<>();
                for (NodeTuple t : m.getValue()) if (t.getKeyNode() instanceof ScalarNode k) fields.put(k.getValue(), t.getValueNode());
                fieldNodes.put(i, fields);
            }
            out.add(value(n));
        }
        return out;
    }

    /**
     * Reads the architecture for rows of {@code inputs} features; {@code edit} may add layers
     * before the file's (an unflatten for images) and fill in the last layer's outputs, and
     * returns how many it put before them (so that messages count the file's own layers).
     */
    Architecture architecture(int inputs, UnaryOperator<List<Object>> edit, int added) {
        return architecture(new int[] {inputs}, edit, added);
    }

    /** {@link #architecture(int, UnaryOperator, int)} for samples of {@code input} (a text model's: its context). */
    Architecture architecture(int[] input, UnaryOperator<List<Object>> edit, int added) {
        List<Object> layers = edit.apply(layers());
        try {
            return Architecture.read(input, layers);
        } catch (Architecture.LayerException e) {
            throw locate(e, added, "");
        }
    }

    /**
     * {@code e} as one line naming the file, the line and column of the layer (or of its field),
     * then the message with the file's own layer numbers (the {@code added} layers that train put
     * before the file's are not in it) and {@code hint}.
     */
    FormatException locate(Architecture.LayerException e, int added, String hint) {
        int i = Math.max(0, Math.min(e.layer() - added, layerNodes.size() - 1));
        // The file's own numbering: the layers train put before them (the unflatten of the images) are not in it.
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile("layers\\[(\\d+)\\]").matcher(e.getMessage());
        StringBuilder sb = new StringBuilder();
        while (mt.find()) {
            int k = Integer.parseInt(mt.group(1)) - added;
            mt.appendReplacement(sb, k >= 0 ? "layers[" + k + "]" : "the layer train puts first");
        }
        mt.appendTail(sb);
        String message = sb + hint;
        return new FormatException(file.toString(), layerWhere(i, e.field()), message, e);
    }

    /**
     * Where layer {@code index} of the file is (-1: the last), for a message about it: "line L,
     * column C" of its {@code field} when the layer gives that field, else of the layer itself.
     */
    String layerWhere(int index, String field) {
        if (fieldNodes.isEmpty()) layers();
        int i = index < 0 ? layerNodes.size() - 1 : index;
        Map<String, Node> fields = fieldNodes.get(i);
        Node at = field != null && fields != null && fields.containsKey(field) ? fields.get(field) : layerNodes.get(i);
        return SpecYaml.where(at);
    }

    /** The file's name. */
    Path file() {
        return file;
    }

    /** A scalar as the JSON reader gives it: Long, Double, Boolean, String or null; lists and maps alike. */
    private Object value(Node n) {
        if (n instanceof ScalarNode s) {
            Tag tag = s.getTag();
            if (tag.equals(Tag.NULL)) return null;
            if (tag.equals(Tag.BOOL)) return Boolean.parseBoolean(s.getValue().toLowerCase(java.util.Locale.ROOT));
            if (tag.equals(Tag.INT)) {
                try {
                    String v = s.getValue().replace("_", "");
                    BigInteger b = v.startsWith("0x") ? new BigInteger(v.substring(2), 16)
                            : v.startsWith("0o") ? new BigInteger(v.substring(2), 8) : new BigInteger(v);
                    return b.bitLength() < 63 ? (Object) b.longValue() : (Object) b.doubleValue();
                } catch (NumberFormatException e) {
                    throw new FormatException(file.toString(), SpecYaml.where(n), "'" + SpecYaml.printable(s.getValue()) + "' is not a number");
                }
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(s.getValue().replace("_", ""));
                } catch (NumberFormatException e) {
                    String v = s.getValue().toLowerCase(java.util.Locale.ROOT);
                    return v.contains("nan") ? Double.NaN : v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
            }
            return s.getValue();
        }
        if (n instanceof SequenceNode q) {
            List<Object> out = new ArrayList<>();
            for (Node item : q.getValue()) out.add(value(item));
            return out;
        }
        if (n instanceof MappingNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw new FormatException(file.toString(), SpecYaml.where(t.getKeyNode()), "a key must be a name, found "
                            + SpecYaml.describe(t.getKeyNode()));
                }
                out.put(k.getValue(), value(t.getValueNode()));
            }
            return out;
        }
        throw new BackpropException(file + ": unusable YAML node " + n);
    }
}
