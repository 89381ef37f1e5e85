/**
 * What the library runs on: {@link io.backprop4j.system.Backend} tells the processor, vector
 * width, FMA, threads and BLAS in use, and checks the environment settings at start-up.
 *
 * <pre>{@code
 * import io.backprop4j.system.Backend;
 *
 * System.out.println(Backend.current().summary());
 * }</pre>
 */
package io.backprop4j.system;
