package org.ncj.spark;

import java.io.IOException;
import java.net.URL;
import java.util.Locale;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ncj.backend.Backend;
import org.ncj.cli.DistributedAnalysis;
import org.ncj.io.BadInputException;

/**
 * {@code ncj analyze} on Parquet columns: the {@link DistributedAnalysis} the core's command line
 * finds with {@link java.util.ServiceLoader} when this module is on the class path. Reads each
 * {@code FILE:COLUMN} pair with {@code spark.read().parquet(FILE)} (a file or a directory of part
 * files) and runs {@link SparkAnalysis}.
 *
 * <p>The session: an active one is used as it is and left running (spark-shell, tests); otherwise
 * one is created with {@code --spark MASTER} (else spark-submit's master, else {@code local[*]})
 * and stopped at the end.
 */
public final class SparkAnalyze implements DistributedAnalysis {

    /** Spark's log configuration for the command line: errors only, no task-failure traces (ncj reports them). */
    static final String QUIET_LOG = "log4j2-ncj.properties";

    @Override
    public Outcome analyze(Request r) throws IOException {
        quietLogs();
        SparkSession spark;
        boolean own;
        scala.Option<SparkSession> active = SparkSession.getActiveSession();
        if (!active.isDefined()) {
            active = SparkSession.getDefaultSession();
        }
        if (active.isDefined()) {
            spark = active.get();
            own = false;
        } else {
            SparkSession.Builder b = SparkSession.builder().appName("ncj analyze");
            String master = r.master() != null ? r.master() : new SparkConf().get("spark.master", "local[*]");
            b.master(master);
            if (isLocal(master)) {
                // No web UI (and no port) for a run on this machine.
                b.config("spark.ui.enabled", "false");
            }
            spark = b.getOrCreate();
            own = true;
        }
        ConsoleProgress progress = new ConsoleProgress(r.progress());
        spark.sparkContext().addSparkListener(progress);
        try (Backend driver = Backend.byName(r.backend())) {
            SparkAnalysis.Input train = input(spark, r.train());
            SparkAnalysis.Input test = r.test() == null ? null : input(spark, r.test());
            SparkAnalysis.Input ood = r.ood() == null ? null : input(spark, r.ood());
            SparkAnalysis.Settings s = new SparkAnalysis.Settings(r.dtype(), r.filter(), r.options(), r.onePass(), r.backend(),
                    r.batch(), 0);
            SparkAnalysis.Result res = new SparkAnalysis(s).run(driver, r.classes(), train, test, r.classifier(), ood);
            String type = train.data().schema().apply(train.embedding()).dataType().simpleString();
            String where = "Spark " + spark.version() + ", master " + spark.sparkContext().master() + ", "
                    + spark.sparkContext().defaultParallelism() + " default partitions; partitions on " + r.backend()
                    + ", measures on " + driver.name();
            return new Outcome(res.dim(), res.trainRows(), res.testRows(), res.oodRows(), type, res.analysis(), "spark", where);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            if (own) {
                spark.stop();
            }
        }
    }

    /** One Parquet file or directory as a data set; the core checked that x and y name the same FILE. */
    static SparkAnalysis.Input input(SparkSession spark, Columns c) throws BadInputException {
        int colon = c.x().lastIndexOf(':');
        String file = c.x().substring(0, colon);
        String x = c.x().substring(colon + 1);
        String y = c.y() == null ? null : c.y().substring(c.y().lastIndexOf(':') + 1);
        Dataset<Row> data;
        try {
            data = spark.read().parquet(file);
        } catch (Exception e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("PATH_NOT_FOUND")) {
                throw new BadInputException(file, "no such file or directory");
            }
            throw new BadInputException(file, "cannot be read as Parquet: " + msg.lines().findFirst().orElse(msg));
        }
        return new SparkAnalysis.Input(data, x, y, file);
    }

    /**
     * Spark logs at INFO by default; before the first Spark class logs, point log4j2 at a
     * configuration that prints errors only, unless the user chose one.
     */
    static void quietLogs() {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            URL u = SparkAnalyze.class.getResource(QUIET_LOG);
            if (u != null) {
                System.setProperty("log4j2.configurationFile", u.toString());
            }
        }
    }

    static boolean isLocal(String master) {
        return master.toLowerCase(Locale.ROOT).startsWith("local");
    }
}
