package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Issue 15: the confusion matrix keeps its class names readable, however long they are. */
class ConfusionMatrixTextTest {
    private static String print(int[][] c, String... names) {
        StringWriter s = new StringWriter();
        try (PrintWriter w = new PrintWriter(s)) {
            EvaluateCommand.printConfusion(w, c, names);
        }
        return s.toString().replace(System.lineSeparator(), "\n");
    }

    @Test
    void shortNamesHeadTheirColumnsAsBefore() {
        assertEquals("""
                confusion matrix (rows: true class, columns: predicted class)
                         0   1   2
                0        5   0   1
                1        0  12   0
                2        2   0 100
                """, print(new int[][] {{5, 0, 1}, {0, 12, 0}, {2, 0, 100}}, "0", "1", "2"));
    }

    @Test
    void longerNamesWidenTheirColumnsInsteadOfTurningIntoIndexes() {
        assertEquals("""
                confusion matrix (rows: true class, columns: predicted class)
                              setosa  versicolor  virginica
                setosa             7           0          0
                versicolor         0           4          3
                virginica          0           0          7
                """, print(new int[][] {{7, 0, 0}, {0, 4, 3}, {0, 0, 7}}, "setosa", "versicolor", "virginica"));
    }

    @Test
    void fashionMnistsNamesFit() {
        String[] names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
        int[][] c = new int[10][10];
        for (int k = 0; k < 10; k++) c[k][k] = 900 + k;
        String text = print(c, names);
        String head = text.lines().toList().get(1);
        for (String n : names) assertTrue(head.contains(n), head);
        assertTrue(text.lines().allMatch(l -> l.length() <= EvaluateCommand.MAX_CONFUSION_WIDTH), text);
        // each count right-aligned under the end of its column's name
        String row = text.lines().toList().get(2);
        assertEquals(head.indexOf("T-shirt/top") + "T-shirt/top".length(), row.indexOf("900") + 3, text);
    }

    @Test
    void namesTooLongForOneLineNumberTheColumnsAndTheRowsAreTheLegend() {
        String[] names = new String[4];
        for (int k = 0; k < 4; k++) names[k] = "a rather long class name number " + k;
        String text = print(new int[][] {{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 4}}, names);
        assertEquals("""
                confusion matrix (rows: true class, columns: predicted class, numbered as the rows)
                                                        0   1   2   3
                0 a rather long class name number 0     1   0   0   0
                1 a rather long class name number 1     0   2   0   0
                2 a rather long class name number 2     0   0   3   0
                3 a rather long class name number 3     0   0   0   4
                """, text);
    }
}
