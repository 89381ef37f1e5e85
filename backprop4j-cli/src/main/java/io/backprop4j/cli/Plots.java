package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.History;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts drawn with XChart, off screen (AWT headless): training curves and confusion
 * matrices. Files are written atomically.
 */
final class Plots {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /**
     * Loss per epoch (train and validation) beside accuracy per epoch (train and validation;
     * classification only), as one PNG.
     */
    static void trainingCurves(History history, Path file, String title) {
        List<EpochStats> epochs = history.epochs();
        if (epochs.isEmpty()) throw new BackpropException("--plot: no epochs to plot");
        double[] x = new double[epochs.size()];
        for (int i = 0; i < x.length; i++) x[i] = epochs.get(i).epoch();
        List<Chart<?, ?>> charts = new ArrayList<>();
        XYChart loss = chart(title == null ? "Loss" : title + ": loss", "loss");
        add(loss, "train", x, epochs.stream().mapToDouble(EpochStats::trainLoss).toArray());
        add(loss, "validation", x, epochs.stream().mapToDouble(EpochStats::validationLoss).toArray());
        charts.add(loss);
        if (epochs.stream().anyMatch(e -> !Double.isNaN(e.trainAccuracy()))) {
            XYChart acc = chart(title == null ? "Accuracy" : title + ": accuracy", "accuracy");
            add(acc, "train", x, epochs.stream().mapToDouble(EpochStats::trainAccuracy).toArray());
            add(acc, "validation", x, epochs.stream().mapToDouble(EpochStats::validationAccuracy).toArray());
            charts.add(acc);
        }
        write(file, charts);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        c.getStyler().setMarkerSize(5);
        c.getStyler().setDecimalPattern("#0.###");
        return c;
    }

    /** Adds a series, leaving out NaN points (no validation set, regression accuracy); none at all: skipped. */
    private static void add(XYChart chart, String name, double[] x, double[] y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(y[i])) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        }
        if (xs.isEmpty()) return;
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(SeriesMarkers.CIRCLE);
    }

    /** A confusion matrix (rows truth, columns prediction) as a heat map with class names on the axes. */
    static void confusion(int[][] matrix, String[] classNames, Path file, String title) {
        int k = matrix.length;
        int size = Math.max(480, Math.min(1400, 160 + 56 * k));
        HeatMapChart c = new HeatMapChartBuilder().width(size + 120).height(size)
                .title(title == null ? "Confusion matrix" : title).xAxisTitle("predicted").yAxisTitle("true").build();
        c.getStyler().setPlotContentSize(1);
        c.getStyler().setShowValue(true);
        c.getStyler().setLegendVisible(true);
        c.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(0x9ecae1), new Color(0x08519c)});
        c.getStyler().setValueFontColor(Color.BLACK);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) names.add(classNames != null && i < classNames.length ? classNames[i] : Integer.toString(i));
        List<String> yNames = new ArrayList<>(names.reversed());
        List<Number[]> cells = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) cells.add(new Number[] {p, k - 1 - a, matrix[a][p]});
        }
        c.addSeries("counts", names, yNames, cells);
        write(file, List.of(c));
    }

    /** Epoch time against hidden width and against batch size, backprop4j beside PyTorch (bench sweep). */
    static void benchSweep(int[] widths, double[][] byWidth, int[] batches, double[][] byBatch, Path file, String title) {
        XYChart w = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("first hidden width (second = width / 2), batch 128")
                .yAxisTitle("seconds per epoch").build();
        XYChart b = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("batch size, hidden 512,256")
                .yAxisTitle("seconds per epoch").build();
        for (XYChart c : List.of(w, b)) {
            c.getStyler().setMarkerSize(6);
            c.getStyler().setDecimalPattern("#0.##");
        }
        double[] wx = java.util.Arrays.stream(widths).asDoubleStream().toArray(), bx = java.util.Arrays.stream(batches).asDoubleStream().toArray();
        add(w, "backprop4j", wx, byWidth[0]);
        add(w, "PyTorch", wx, byWidth[1]);
        add(b, "backprop4j", bx, byBatch[0]);
        add(b, "PyTorch", bx, byBatch[1]);
        write(file, List.of(w, b));
    }

    private static void write(Path file, List<Chart<?, ?>> charts) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".png")) throw new BackpropException(file + ": --plot writes PNG files; name it *.png");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (charts.size() == 1) BitmapEncoder.saveBitmap(charts.getFirst(), bytes, BitmapEncoder.BitmapFormat.PNG);
            else BitmapEncoder.saveBitmap(charts, 1, charts.size(), bytes, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new BackpropException(file + ": cannot draw the chart: " + e.getMessage(), e);
        }
        AtomicFiles.write(file, bytes.toByteArray());
    }
}
