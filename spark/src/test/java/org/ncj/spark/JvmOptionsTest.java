package org.ncj.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * The JVM options ./ncj (spark/jvm.options) and the tests (pom: spark.jvm.options) give Spark are
 * the ones Spark's own launcher uses on this Spark version, less two that only print a warning.
 */
class JvmOptionsTest {
    /** Options that only make Java 25 print a warning (see jvm.options). */
    static final List<String> LEFT_OUT = List.of("--add-modules=jdk.incubator.vector",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED");

    static List<String> file() throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(System.getProperty("ncj.spark.jvm.options.file")))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(line.trim());
            }
        }
        return out;
    }

    @Test
    void fileAndPomAgree() throws Exception {
        assertEquals(Arrays.asList(System.getProperty("ncj.spark.jvm.options").trim().split("\\s+")), file());
    }

    @Test
    void sparksOwnListLessTheVectorModule() throws Exception {
        List<String> spark = new ArrayList<>(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        for (String o : LEFT_OUT) {
            assertTrue(spark.remove(o), "Spark's list no longer has " + o + ": update jvm.options");
        }
        assertEquals(spark, file());
    }

    @Test
    void theTestsRunWithThem() throws Exception {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String o : file()) {
            assertTrue(args.contains(o), "the test JVM lacks " + o);
        }
    }
}
