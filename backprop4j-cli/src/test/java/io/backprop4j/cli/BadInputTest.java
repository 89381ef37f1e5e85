package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #6 for explain and check: bad input gives one or two lines, exit status 2, no stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    static final String GOOD = """
            input: [3, 1, -1, 2]
            target: [0, 1]
            layers:
              - weights: [[-0.2,  0.9,  0.4],
                          [-0.1,  0.3,  0.4],
                          [ 0.2,  0.5, -0.7],
                          [ 0.2, -0.5,  0.5]]
                activation: leaky_relu
              - weights: [[ 0.6, -0.2],
                          [-0.1,  0.8],
                          [-0.5, -0.3]]
                activation: softmax
            loss: binary_cross_entropy
            learning_rate: 0.1
            """;

    private CliRun explain(String yaml) throws Exception {
        Path p = dir.resolve("spec.yaml");
        Files.writeString(p, yaml);
        return CliRun.of("explain", p.toString());
    }

    private static void refused(CliRun r, String... words) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.noStackTrace(), r.err());
        long lines = r.err().lines().count();
        assertTrue(lines >= 1 && lines <= 2, "one or two lines: " + r.err());
        for (String w : words) assertTrue(r.err().contains(w), "'" + w + "' in: " + r.err());
    }

    @Test
    void theGoodSpecWorks() throws Exception {
        assertEquals(0, explain(GOOD).status());
    }

    @Test
    void weightsRowsDoNotMatchThePreviousLayer() throws Exception {
        refused(explain(GOOD.replace("[-0.5, -0.3]]", "[-0.5, -0.3], [0.1, 0.1]]")),
                "spec.yaml", "line 9", "layers[1].weights", "4 x 2", "layer 0 has 3 units");
    }

    @Test
    void targetShapeDiffersFromTheOutput() throws Exception {
        refused(explain(GOOD.replace("target: [0, 1]", "target: [0, 1, 0]")), "line 2", "target", "output");
    }

    @Test
    void unknownActivationListsTheValidNames() throws Exception {
        refused(explain(GOOD.replace("activation: softmax", "activation: softmaxx")),
                "line 12", "layers[1].activation", "softmaxx", "identity, relu, leaky_relu, sigmoid, tanh, elu, softplus, gelu, softmax");
    }

    @Test
    void unknownLossListsTheValidNames() throws Exception {
        refused(explain(GOOD.replace("loss: binary_cross_entropy", "loss: hinge")),
                "line 13", "loss", "hinge", "mse, binary_cross_entropy, cross_entropy");
    }

    @Test
    void nonNumberInAMatrix() throws Exception {
        refused(explain(GOOD.replace("[-0.1,  0.3,  0.4]", "[-0.1,  abc,  0.4]")),
                "line 5", "column", "layers[0].weights[1][1]", "abc", "expected a number");
    }

    @Test
    void raggedRows() throws Exception {
        refused(explain(GOOD.replace("[-0.1,  0.3,  0.4]", "[-0.1,  0.3]")), "line 5", "ragged", "row 1 has 2 values");
    }

    @Test
    void binaryCrossEntropyOnAnOutputOutsideZeroOne() throws Exception {
        refused(explain(GOOD.replace("activation: softmax", "activation: identity")),
                "line 13", "binary_cross_entropy", "(0, 1)", "identity", "sigmoid", "softmax");
    }

    @Test
    void learningRateNotPositive() throws Exception {
        refused(explain(GOOD.replace("learning_rate: 0.1", "learning_rate: -0.1")), "line 14", "learning_rate", "-0.1", "> 0");
        refused(explain(GOOD.replace("learning_rate: 0.1", "learning_rate: .nan")), "learning_rate", "> 0");
        refused(explain(GOOD.replace("learning_rate: 0.1", "learning_rate: 0")), "learning_rate", "> 0");
    }

    @Test
    void emptyAndMissingFiles() throws Exception {
        refused(explain(""), "spec.yaml", "empty");
        refused(explain("# only a comment\n"), "spec.yaml", "empty");
        refused(CliRun.of("explain", dir.resolve("nope.yaml").toString()), "nope.yaml", "no such file");
    }

    @Test
    void brokenYamlNamesLineAndColumn() throws Exception {
        refused(explain("input: [3, 1\ntarget: [0"), "spec.yaml", "line", "not valid YAML");
    }

    @Test
    void aTagTheYamlEngineCannotBuildIsRefused() throws Exception {
        // Found by the fuzzer: "%E" decodes to a tag with a trailing space, which the engine refused
        // with an IllegalArgumentException outside its parser (a stack trace, exit 1).
        refused(explain("- !0%E"), "spec.yaml", "not valid YAML", "Tag must not contain leading or trailing spaces");
    }

    @Test
    void answersWhoseShapesDifferFromTheNetwork() throws Exception {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, GOOD);
        Path ans = dir.resolve("answers.yaml");
        Files.writeString(ans, """
                layers:
                  - net: [-0.5, 1.5]
                """);
        refused(CliRun.of("check", spec.toString(), ans.toString()), "answers.yaml", "line 2", "layers[0].net", "2 values", "3 values");
        Files.writeString(ans, """
                layers:
                  - weights_grad: [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]
                """);
        refused(CliRun.of("check", spec.toString(), ans.toString()), "layers[0].weights_grad", "3 x 4", "4 x 3", "transposed");
        Files.writeString(ans, "layers:\n  - gradient: [1]\n");
        refused(CliRun.of("check", spec.toString(), ans.toString()), "answers.yaml", "unknown key 'gradient'", "weights_grad");
    }

    @Test
    void aHugeLayerIsRefusedBeforeAllocation() throws Exception {
        refused(explain(GOOD.replace("activation: leaky_relu", "activation: leaky_relu\n    units: 1000000000")),
                "layers[0].units", "1000000000", "limit");
        StringBuilder wide = new StringBuilder("input: [1]\ntarget: [1]\nlayers:\n  - weights: [[");
        for (int i = 0; i < 100_000; i++) wide.append(i == 0 ? "0" : ",0");
        wide.append("]]\n    activation: identity\nloss: mse\n");
        refused(explain(wide.toString()), "layers[0].weights", "1 x 100000", "limit");
    }

    @Test
    void debugShowsTheStackTrace() throws Exception {
        Path p = dir.resolve("spec.yaml");
        Files.writeString(p, GOOD.replace("loss: binary_cross_entropy", "loss: hinge"));
        CliRun r = CliRun.of("explain", "--debug", p.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
