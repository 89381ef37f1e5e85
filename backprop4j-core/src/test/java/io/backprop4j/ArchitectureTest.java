package io.backprop4j;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The package graph of docs/ARCHITECTURE.md, checked on the compiled classes: each package uses
 * only the packages it may (so there is no cycle), the module exports only the API, and no
 * public signature of the API names an internal type.
 */
class ArchitectureTest {
    private static final String ROOT = "io.backprop4j";
    private static final Path CLASSES = Path.of("target/classes");

    /** Who may import whom, by package below io.backprop4j ("" is io.backprop4j itself). Keep in step with docs/ARCHITECTURE.md. */
    static final Map<String, Set<String>> MAY_USE = Map.ofEntries(
            Map.entry("", Set.of()),
            Map.entry("internal.kernel", Set.of("")),
            Map.entry("system", Set.of("", "internal.kernel")),
            Map.entry("tensor", Set.of("", "internal.kernel")),
            Map.entry("internal", Set.of("", "tensor")),
            Map.entry("autograd", Set.of("", "tensor")),
            Map.entry("nn", Set.of("", "tensor", "internal")),
            Map.entry("infer", Set.of("", "tensor", "internal", "internal.kernel", "nn")),
            Map.entry("loss", Set.of("", "tensor")),
            Map.entry("optim", Set.of("", "tensor", "internal", "internal.kernel", "nn")),
            Map.entry("io", Set.of("", "tensor", "internal")),
            Map.entry("data", Set.of("", "tensor", "internal", "internal.kernel", "io")),
            Map.entry("train", Set.of("", "tensor", "internal", "nn", "loss", "optim", "data", "io")),
            Map.entry("explain", Set.of("", "tensor", "nn", "loss")));

    private static final JavaClasses CORE = new ClassFileImporter().importPath(CLASSES);

    @Test
    void everyPackageUsesOnlyWhatItMay() {
        Map<String, Set<String>> used = packageGraph(CORE);
        assertTrue(used.size() >= 10, "too few packages imported from " + CLASSES.toAbsolutePath() + ": " + used.keySet());
        List<String> wrong = new ArrayList<>();
        used.forEach((from, targets) -> {
            Set<String> allowed = MAY_USE.get(from);
            if (allowed == null) {
                wrong.add("package " + name(from) + " is not in the graph: place it in ArchitectureTest.MAY_USE and docs/ARCHITECTURE.md");
                return;
            }
            for (String to : targets) if (!allowed.contains(to)) wrong.add(name(from) + " -> " + name(to));
        });
        assertTrue(wrong.isEmpty(), "dependencies the architecture does not allow:\n  " + String.join("\n  ", wrong));
    }

    /** The allowed graph itself must be one-way, or the check above would allow a cycle. */
    @Test
    void theAllowedGraphHasNoCycle() {
        Set<String> done = new HashSet<>();
        for (String p : MAY_USE.keySet()) visit(p, new ArrayList<>(), done);
    }

    private static void visit(String p, List<String> path, Set<String> done) {
        if (path.contains(p)) fail("cycle in MAY_USE: " + path.subList(path.indexOf(p), path.size()) + " -> " + p);
        if (done.contains(p)) return;
        path.add(p);
        for (String q : MAY_USE.getOrDefault(p, Set.of())) if (!q.equals(p)) visit(q, path, done);
        path.remove(path.size() - 1);
        done.add(p);
    }

    @Test
    void noCycleAmongThePackages() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void theModuleExportsTheApiAndNoInternalPackage() {
        ModuleDescriptor module = ModuleFinder.of(CLASSES).findAll().iterator().next().descriptor();
        assertEquals(ROOT, module.name());
        Set<String> exported = module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = new TreeSet<>(module.packages());
        for (String p : all) {
            boolean internal = p.equals(ROOT + ".internal") || p.startsWith(ROOT + ".internal.");
            assertEquals(!internal, exported.contains(p), p + (internal ? " is internal and must not be exported" : " is API and must be exported"));
        }
        assertTrue(module.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), "qualified exports: " + module.exports());
    }

    /** A public method or field of an exported class that takes or returns an internal type would leak it. */
    @Test
    void noApiSignatureNamesAnInternalType() {
        List<String> leaks = new ArrayList<>();
        for (JavaClass c : CORE) {
            if (isInternal(c.getPackageName()) || !c.getModifiers().contains(JavaModifier.PUBLIC)) continue;
            for (JavaCodeUnit u : c.getCodeUnits()) {
                if (!exposed(u)) continue;
                List<JavaClass> types = new ArrayList<>(u.getRawParameterTypes());
                types.add(u.getRawReturnType());
                for (JavaClass t : types) if (isInternal(t.getPackageName())) leaks.add(u.getFullName() + " uses " + t.getName());
            }
            for (JavaField f : c.getFields()) {
                if (exposed(f) && isInternal(f.getRawType().getPackageName())) leaks.add(f.getFullName() + " is a " + f.getRawType().getName());
            }
        }
        assertTrue(leaks.isEmpty(), "internal types in the public API:\n  " + String.join("\n  ", leaks));
    }

    private static boolean exposed(JavaMember m) {
        return m.getModifiers().contains(JavaModifier.PUBLIC) || m.getModifiers().contains(JavaModifier.PROTECTED);
    }

    static Map<String, Set<String>> packageGraph(JavaClasses classes) {
        Map<String, Set<String>> used = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = relative(c.getPackageName());
            if (from == null) continue;
            Set<String> targets = used.computeIfAbsent(from, k -> new TreeSet<>());
            c.getDirectDependenciesFromSelf().forEach(d -> {
                String to = relative(d.getTargetClass().getPackageName());
                if (to != null && !to.equals(from)) targets.add(to);
            });
        }
        return used;
    }

    private static boolean isInternal(String pkg) {
        return pkg.equals(ROOT + ".internal") || pkg.startsWith(ROOT + ".internal.");
    }

    /** "tensor" for io.backprop4j.tensor, "" for io.backprop4j, null outside the project. */
    private static String relative(String pkg) {
        if (pkg.equals(ROOT)) return "";
        return pkg.startsWith(ROOT + ".") ? pkg.substring(ROOT.length() + 1) : null;
    }

    private static String name(String relative) {
        return relative.isEmpty() ? ROOT : ROOT + "." + relative;
    }
}
