package dev.gitwire.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, locked (issue 30 point 4): the pure core (the intent, the kernel-state values,
 * the desired state, the planner, addresses) imports no adapter, and no two packages import each other.
 */
class ArchitectureTest {

    private static final String[] CORE = {"dev.gitwire.intent..", "dev.gitwire.model..", "dev.gitwire.desired..",
        "dev.gitwire.plan..", "dev.gitwire.net.."};
    private static final String[] ADAPTERS = {"dev.gitwire.agent..", "dev.gitwire.cli..", "dev.gitwire.cluster..",
        "dev.gitwire.dataplane..", "dev.gitwire.source..", "dev.gitwire.status..", "dev.gitwire.state.."};

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
    void noTwoPackagesImportEachOther() {
        slices().matching("dev.gitwire.(*)..").should().beFreeOfCycles().check(production);
    }
}
