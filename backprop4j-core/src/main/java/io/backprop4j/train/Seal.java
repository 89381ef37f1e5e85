package io.backprop4j.train;

import io.backprop4j.FormatException;
import io.backprop4j.internal.Json;
import io.backprop4j.io.Safetensors;

/**
 * Model files and checkpoints must carry {@link Safetensors}' seal, which covers the whole header
 * as written (the metadata: architecture, preprocessing, training state; every tensor's name,
 * dtype, shape and offsets) and the data. A file without it is refused, so that a file edited by
 * a tool that does not know the seal, or a plain safetensors file from elsewhere, is never taken
 * for one of ours.
 */
final class Seal {
    private Seal() {}

    /** Refuses contents that were not sealed by backprop4j. */
    static void require(Safetensors.Contents c, String source, String what) {
        if (c.sealed()) return;
        String version = c.metadata().get(Safetensors.FORMAT_KEY);
        if ("1".equals(version)) {
            throw new FormatException(source, null, "written by an earlier backprop4j (format 1, whose checksums do not cover"
                    + " the tensor table); this version loads " + what + " of format " + Safetensors.FORMAT_VERSION
                    + " only: write it again with this version");
        }
        throw new FormatException(source, null, "no seal (" + Safetensors.CHECKSUM_KEY + "): not written by backprop4j, or altered");
    }
}
