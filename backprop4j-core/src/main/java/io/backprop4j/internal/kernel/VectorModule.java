package io.backprop4j.internal.kernel;

/**
 * Whether the Vector API module ({@code jdk.incubator.vector}) is in the boot layer and readable:
 * the convolution and pooling kernels load their Vector API classes ({@link PoolingVector},
 * {@link ConvVector}) only when it is, and run plain loops otherwise.
 */
final class VectorModule {
    static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector")
            .map(m -> VectorModule.class.getModule().canRead(m)).orElse(false);

    private VectorModule() {
    }
}
