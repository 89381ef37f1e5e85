package io.backprop4j;

/**
 * The root of every exception backprop4j throws for a user's mistake or a bad file.
 *
 * <p>The hierarchy is small on purpose:
 * <ul>
 *   <li>{@link ShapeException}: tensors whose shapes do not fit an op; the message names the op and
 *       both shapes, e.g. {@code matmul: [2, 3] x [4, 5]: inner sizes 3 and 4 differ}.</li>
 *   <li>{@link FormatException}: a file that cannot be read as what it claims to be; the message
 *       names the file and the line, column or byte offset.</li>
 *   <li>{@link NumericException}: a NaN or infinity where training cannot go on.</li>
 *   <li>{@code BackpropException} itself: any other invalid argument or state (a learning rate
 *       below zero, backward on a tensor that needs no gradient...).</li>
 * </ul>
 * All are unchecked. A bare {@code IndexOutOfBoundsException} or {@code NullPointerException}
 * escaping from the library on user input is a bug.
 */
public class BackpropException extends RuntimeException {
    public BackpropException(String message) {
        super(message);
    }

    public BackpropException(String message, Throwable cause) {
        super(message, cause);
    }
}
