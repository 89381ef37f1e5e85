/**
 * Files: {@link io.backprop4j.io.Safetensors} reads and writes the safetensors format (float32,
 * float64, int64, bool), with a seal over header and data for the files backprop4j writes;
 * {@link io.backprop4j.io.AtomicFiles} writes any file so that a crash leaves the old one or the
 * new one, never half of either, and refuses targets that are not regular files.
 *
 * <pre>{@code
 * import io.backprop4j.io.Safetensors;
 * import io.backprop4j.nn.Linear;
 * import java.nio.file.Files;
 * import java.nio.file.Path;
 * import java.util.Map;
 * import java.util.SplittableRandom;
 *
 * var layer = new Linear(3, 2, new SplittableRandom(1));
 * Path file = Files.createTempFile("layer", ".safetensors");
 * Safetensors.write(file, layer.stateDict(), Map.of("note", "a 3-2 layer"));
 * var copy = new Linear(3, 2, new SplittableRandom(2));
 * copy.loadStateDict(Safetensors.read(file).tensors());
 * System.out.println(copy.stateDict().keySet() + " " + Safetensors.read(file).metadata().get("note"));
 * }</pre>
 */
package io.backprop4j.io;
