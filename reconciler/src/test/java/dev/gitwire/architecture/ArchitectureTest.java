package dev.gitwire.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, locked (issue 30 point 4): the pure core (the intent, the kernel-state values,
 * the desired state, the planner, addresses) imports no adapter, and no two packages import each other. And the
 * test layers (issue 30 point 8): a test that needs root is an *IT, run by `mvn verify`, never by `mvn test`.
 */
class ArchitectureTest {

    private static final String[] CORE = {"dev.gitwire.intent..", "dev.gitwire.model..", "dev.gitwire.desired..",
        "dev.gitwire.plan..", "dev.gitwire.net..", "dev.gitwire.keys..", "dev.gitwire.schedule..",
        "dev.gitwire.text..", "dev.gitwire.pq.."};
    private static final String[] ADAPTERS = {"dev.gitwire.agent..", "dev.gitwire.cli..", "dev.gitwire.cluster..",
        "dev.gitwire.dataplane..", "dev.gitwire.git..", "dev.gitwire.source..", "dev.gitwire.status..",
        "dev.gitwire.statedir.."};

    private static JavaClasses production;

    @BeforeAll
    static void importProduction() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.gitwire");
    }

    @Test
    void theCoreImportsNoAdapter() {
        noClasses().that().resideInAnyPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(ADAPTERS)
                .because("the desired state and the plan are pure functions of their inputs (docs/architecture.md)")
                .check(production);
    }

    @Test
    void theValuesAtTheBottomKnowNothingAboveThem() {
        noClasses().that().resideInAnyPackage("dev.gitwire.model..", "dev.gitwire.net..", "dev.gitwire.keys..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.gitwire.intent..", "dev.gitwire.desired..",
                        "dev.gitwire.plan..")
                .because("kernel state, addresses and keys are plain values; the intent and the desired state use them")
                .check(production);
    }

    @Test
    void theKernelStateHoldsNoJsonTrees() {
        noClasses().that().resideInAnyPackage("dev.gitwire.model..", "dev.gitwire.desired..", "dev.gitwire.plan..")
                .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml..")
                .because("nft's JSON is the nft adapter's to write and read (dataplane.nft.NftExpressions)")
                .check(production);
    }

    @Test
    void noTwoPackagesImportEachOther() {
        // every package, sub-packages too: dataplane.nft and dataplane imported each other through CommandRunner
        slices().matching("dev.gitwire.(**)").should().beFreeOfCycles().check(production);
    }

    @Test
    void aTestThatNeedsRootIsAnIntegrationTest() {
        classes().that().areAnnotatedWith(Privileged.class).and().areNotAnnotations()
                .should().haveSimpleNameEndingWith("IT")
                .because("`mvn test` is the rootless layer; failsafe runs *IT classes in `mvn verify`")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                        .importPackages("dev.gitwire"));
    }

    /** Issue 30 point 5: the package table of docs/architecture.md names every package of the code, and no other. */
    @Test
    void thePackageTableNamesEveryPackage() throws IOException {
        Set<String> code = production.stream().map(JavaClass::getPackageName).filter(p -> p.startsWith("dev.gitwire"))
                .collect(Collectors.toCollection(TreeSet::new));
        String page = Files.readString(IntentFixtures.examplesRepo().resolveSibling("docs").resolve("architecture.md"));
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(dev\\.gitwire[\\w.]*)` \\|").matcher(page);
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(documented).isEqualTo(code);
    }
}
