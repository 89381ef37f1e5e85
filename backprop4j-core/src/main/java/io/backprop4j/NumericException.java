package io.backprop4j;

/** A NaN or infinity where the computation cannot go on (a diverging training run). */
public class NumericException extends BackpropException {
    public NumericException(String message) {
        super(message);
    }
}
