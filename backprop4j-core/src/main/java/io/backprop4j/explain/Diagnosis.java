package io.backprop4j.explain;

/**
 * What a wrong number looks like it came from.
 *
 * @param kind the kind of mistake
 * @param text one sentence for a person, such as "sign flipped"
 * @param from when the mistake is recognised relative to the person's own earlier (wrong) values,
 *     the path of the first of those, such as {@code layers[1].net_grad[0]}; else null
 */
public record Diagnosis(Kind kind, String text, String from) {

    /** The kinds of mistake the grader recognises. */
    public enum Kind {
        /** Computed correctly from the person's own wrong upstream value. */
        CARRIED_OVER,
        /** The right magnitude with the wrong sign. */
        SIGN_FLIPPED,
        /** The value belongs at the mirrored position of the matrix. */
        TRANSPOSED,
        /** Off by a factor: half, double, the batch size, the output count. */
        FACTOR,
        /** An update that added the gradient instead of subtracting it. */
        ADDED_INSTEAD_OF_SUBTRACTED,
        /** The output or the derivative of another activation. */
        OTHER_ACTIVATION,
        /** The value or the gradient of another loss. */
        OTHER_LOSS,
        /** A term of the chain rule (or of a sum) left out. */
        MISSING_TERM,
        /** A softmax gradient that ignores the coupling between the outputs. */
        MISSING_COUPLING,
        /** A convolution worked wrongly: the kernel flipped, the padding or stride offset of its windows wrong. */
        CONVOLUTION,
        /** A pooling's gradient wrongly routed: a max spread over its window, an average's share left out. */
        POOLING,
        /** Backprop through time given the wrong state: h_t where the step read h_{t−1}. */
        WRONG_STATE,
        /** One digit differs: a slip of the pen. */
        DIGIT_SLIP,
        /** Within 1% of the value: a rounding or arithmetic slip. */
        CLOSE,
        /**
         * Written with fewer significant digits than the tolerance needs, and agreeing with the
         * true value only to those digits ("0" for 0.117741): too short to judge, so not correct.
         */
        NOT_ENOUGH_DIGITS;

        /** The name in JSON reports, such as {@code sign_flipped}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
