package io.backprop4j.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.backprop4j.tensor.Tensor;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The command line uses the core as a user would (docs/ARCHITECTURE.md, layer 6): only the
 * packages the core module exports, never {@code io.backprop4j.internal} or its kernels; of the
 * backprop4j-onnx module, only its public classes. Checked on the compiled classes, the tests' too.
 */
class CliArchitectureTest {
    private static final JavaClasses CLI = new ClassFileImporter()
            .importPaths(Path.of("target/classes"), Path.of("target/test-classes"));

    /** The package of the backprop4j-onnx module, which the CLI depends on besides the core (export, .onnx models). */
    private static final String ONNX = "io.backprop4j.onnx";

    @Test
    void noCliClassUsesAnInternalPackage() {
        assertTrue(CLI.stream().filter(c -> c.getPackageName().equals("io.backprop4j.cli")).count() > 20,
                "too few CLI classes imported from " + Path.of("target/classes").toAbsolutePath());
        noClasses().that().resideInAPackage("io.backprop4j.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.backprop4j.internal..")
                .because("the internal packages are not exported by the core module (docs/ARCHITECTURE.md)")
                .check(CLI);
    }

    /** Stronger: every core package the CLI uses is one the module exports (a future non-exported package too). */
    @Test
    void everyCorePackageUsedIsExported() throws Exception {
        Path core = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module = ModuleFinder.of(core).findAll().iterator().next().descriptor();
        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertTrue(exported.contains("io.backprop4j.tensor") && !exported.contains("io.backprop4j.internal"), exported.toString());
        Set<String> wrong = new TreeSet<>();
        for (JavaClass c : CLI) {
            c.getDirectDependenciesFromSelf().forEach(d -> {
                String to = d.getTargetClass().getPackageName();
                boolean inCore = to.equals("io.backprop4j") || to.startsWith("io.backprop4j.") && !to.startsWith("io.backprop4j.cli")
                        && !to.equals(ONNX);
                if (inCore && !exported.contains(to)) wrong.add(c.getName() + " -> " + d.getTargetClass().getName());
            });
        }
        assertTrue(wrong.isEmpty(), "CLI classes using packages the core does not export:\n  " + String.join("\n  ", wrong));
    }
}
