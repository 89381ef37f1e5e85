package io.backprop4j;

/** Shapes that do not fit an op. The message names the op and both shapes. */
public class ShapeException extends BackpropException {
    public ShapeException(String message) {
        super(message);
    }
}
