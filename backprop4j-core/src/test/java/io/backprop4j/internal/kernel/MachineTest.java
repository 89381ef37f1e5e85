package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MachineTest {

    @Test
    void x86NameCarriesFamilyModelAndL2() {
        // A virtual machine's bare "AMD EPYC" is Zen 3 at family 25 and Zen 5 at 26: the numbers tell them apart.
        assertEquals("AMD EPYC (family 25, model 1, 512 KiB L2)", Machine.describe("AMD  EPYC ", "25", "1", 512 << 10));
        assertEquals("AMD EPYC (family 26, model 2)", Machine.describe("AMD EPYC", "26", "2", -1));
    }

    @Test
    void withoutNumbersTheNameAlone() {
        // AArch64's /proc/cpuinfo has no "cpu family"; a "model" that is not a number is no model number either.
        assertEquals("aarch64", Machine.describe("aarch64", "", "", 1 << 20));
        assertEquals("Some CPU", Machine.describe("Some CPU", "6", "unknown", 1 << 20));
    }
}
