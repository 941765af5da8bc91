package org.ncj.spark;

import java.util.List;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.ncj.cli.Progress;

/**
 * A progress bar per ncj job, drawn from Spark's own job and task events (the same bar as the
 * single-machine passes, counting tasks) instead of Spark's log lines. Jobs are recognised by
 * their description, {@code ncj: <phase>} ({@link SparkAnalysis} sets it).
 */
public final class ConsoleProgress extends SparkListener {
    static final String PREFIX = "ncj: ";

    private final Progress.Factory factory;
    private Progress bar;
    private int job = -1;
    private long total;
    private long done;

    public ConsoleProgress(Progress.Factory factory) {
        this.factory = factory;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        String desc = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        if (desc == null || !desc.startsWith(PREFIX)) {
            return;
        }
        finish();
        List<StageInfo> stages = scala.jdk.javaapi.CollectionConverters.asJava(e.stageInfos());
        long tasks = stages.stream().mapToLong(StageInfo::numTasks).sum();
        bar = factory.start(desc.substring(PREFIX.length()), tasks, "tasks");
        job = e.jobId();
        total = tasks;
        done = 0;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        if (bar != null && done < total) {
            bar.advance(1);
            done++;
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        if (e.jobId() == job) {
            // Stages computed by an earlier job (a shuffle reused) are counted in the total but run
            // no tasks: a finished job shows them as done.
            if (bar != null && done < total) {
                bar.advance(total - done);
            }
            finish();
        }
    }

    private void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
            job = -1;
        }
    }
}
