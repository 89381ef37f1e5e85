package io.backprop4j.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.BackpropException;
import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.SpecException;
import io.backprop4j.explain.StepSolution;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the spec reader and the answers reader (with the explainer and the grader behind them):
 * whatever the bytes, only {@link BackpropException}s may come out. In the normal build this runs
 * the committed seed corpus (regression mode); {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class SpecYamlFuzzTest {
    private static final StepSolution SEED = ExplainCommand.solve(null);

    @FuzzTest(maxDuration = "60s")
    void specReader(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            var read = SpecYaml.readSpec(text, "fuzz.yaml");
            try {
                Explainer.solve(read.value());
            } catch (SpecException e) {
                throw read.locate(e);
            }
        } catch (BackpropException expected) {
            // a clear refusal is the contract
        }
    }

    @FuzzTest(maxDuration = "60s")
    void answersReader(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            var read = SpecYaml.readAnswers(text, "fuzz-answers.yaml");
            try {
                Grader.grade(SEED, read.value());
            } catch (SpecException e) {
                throw read.locate(e);
            }
        } catch (BackpropException expected) {
            // a clear refusal is the contract
        }
    }
}
