/**
 * What the library runs on: {@link io.backprop4j.system.Backend} tells the processor, vector
 * width, FMA, threads and BLAS in use, and checks the environment settings at start-up.
 */
package io.backprop4j.system;
