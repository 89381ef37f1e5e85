package io.backprop4j.internal;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A tensor's backing array, for the library's own kernels outside the tensor package (optimiser
 * updates, data gathering, file I/O). Users cannot reach it: this package is not exported.
 *
 * <p>Why a method handle: the storage accessors are package-private in {@code tensor} so that the
 * public API cannot hand out (or alias) a tensor's storage, and {@code tensor} must not import this
 * package (dependencies run one way). A private lookup inside our own module is allowed by the
 * module system; the handles are constants, so the JIT inlines the call like a plain getter.
 * Elements lie by {@link Tensor#offset()} and {@link Tensor#strides()}.
 */
public final class Storage {
    private static final MethodHandle FLOATS, DOUBLES, CHANGED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Tensor.class, MethodHandles.lookup());
            FLOATS = lookup.findVirtual(Tensor.class, "floatArray", MethodType.methodType(float[].class));
            DOUBLES = lookup.findVirtual(Tensor.class, "doubleArray", MethodType.methodType(double[].class));
            CHANGED = lookup.findVirtual(Tensor.class, "bumpVersion", MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Storage() {}

    /** The float array behind a float32 tensor (not a copy); a float64 tensor is refused. */
    public static float[] floats(Tensor t) {
        try {
            return (float[]) FLOATS.invokeExact(t);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new BackpropException("storage: " + e);
        }
    }

    /** The double array behind a float64 tensor (not a copy); a float32 tensor is refused. */
    public static double[] doubles(Tensor t) {
        try {
            return (double[]) DOUBLES.invokeExact(t);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new BackpropException("storage: " + e);
        }
    }

    /**
     * Records that a kernel changed {@code t}'s storage in place through {@link #floats} or
     * {@link #doubles}, as an in-place op would ({@link Tensor#version()}): a graph that saved t
     * then refuses to run backward with the new values.
     */
    public static void changed(Tensor t) {
        try {
            CHANGED.invokeExact(t);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new BackpropException("storage: " + e);
        }
    }
}
